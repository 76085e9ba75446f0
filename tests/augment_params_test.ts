/**
 * The random side of the authors' augmentation (data/augment/): the box
 * arithmetic of RandomResizedCrop and random erasing against timm's formulas
 * evaluated in Python (fixtures: tests/fixtures/augment/make_fixtures.py),
 * the parameter distributions (ranges, rates, magnitude noise), and
 * determinism from (seed, epoch, sample index) through the loader.
 */
import assert from "node:assert/strict";
import { Draws } from "../data/augment/draws.ts";
import { evalTransform } from "../data/augment/eval_transform.ts";
import { hflip, u8Image } from "../data/augment/image.ts";
import { paperTrainSample, sampleKey, toUnit } from "../data/augment/pipeline.ts";
import {
  drawRandAugment,
  fillColour,
  levelArg,
  PAPER_RAND_AUGMENT,
  parseRandAugment,
  RAND_INCREASING_TRANSFORMS,
} from "../data/augment/rand_augment.ts";
import { eraseBox, randomErase } from "../data/augment/random_erasing.ts";
import { randomResizedCrop, rrcBox } from "../data/augment/random_resized_crop.ts";
import type { Dataset } from "../data/dataset.ts";
import { evalBatches, trainBatches } from "../data/loader.ts";
import { resolveConfig } from "../train/config.ts";
import { augmentSetting } from "../tasks/image.ts";
import { ActlabError } from "../core/errors.ts";

const FX = JSON.parse(
  Deno.readTextFileSync(new URL("./fixtures/augment/fixtures.json", import.meta.url)),
);

function seq(us: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= us.length) throw new Error("fixture draws exhausted");
    return us[i++];
  };
}

Deno.test("RRC box: sizes, attempts and centre fallback match timm's arithmetic (Python round)", () => {
  let fallbacks = 0;
  for (const g of FX.geometry.rrc) {
    const u = seq([...g.u]);
    if (g.out.fallback) {
      const b = rrcBox(g.height, g.width, u);
      fallbacks++;
      assert.deepEqual(
        [b.top, b.left, b.height, b.width],
        [g.out.top, g.out.left, g.out.h, g.out.w],
        JSON.stringify(g),
      );
    } else {
      // a fitting box uses 2 draws per attempt, then 2 for its position
      const us = [...g.u.slice(0, 2 * g.out.attempt + 2), 0.5, 0.5];
      const b = rrcBox(g.height, g.width, seq(us));
      assert.deepEqual([b.height, b.width], [g.out.h, g.out.w], JSON.stringify(g));
      assert.ok(
        b.top >= 0 && b.top + b.height <= g.height && b.left >= 0 && b.left + b.width <= g.width,
      );
    }
  }
  assert.ok(fallbacks >= 3, "the fixture covers the centre fallback");
});

Deno.test("erase box: sizes and attempts match timm's RandomErasing arithmetic", () => {
  let none = 0;
  for (const g of FX.geometry.erase) {
    if (g.out === null) {
      assert.equal(eraseBox(g.height, g.width, seq([...g.u])), null);
      none++;
      continue;
    }
    const us = [...g.u.slice(0, 2 * g.out.attempt + 2), 0.999, 0];
    const b = eraseBox(g.height, g.width, seq(us))!;
    assert.deepEqual([b.height, b.width], [g.out.h, g.out.w], JSON.stringify(g));
    assert.equal(
      b.top,
      g.height - b.height,
      "u → 1 places the box at the far edge (randint inclusive)",
    );
    assert.equal(b.left, 0);
  }
  assert.ok(none >= 1, "the fixture covers a failed erase (tiny image)");
});

Deno.test("RRC draws: area in [0.08, 1]·HW, aspect in [3/4, 4/3] (up to rounding), both interpolations", () => {
  const img = u8Image(3, 64, 80, new Uint8Array(3 * 64 * 80).map((_, i) => i % 251));
  const interps = { bilinear: 0, bicubic: 0 };
  for (let i = 0; i < 400; i++) {
    const r = randomResizedCrop(img, 16, 16, new Draws(sampleKey(3, 0, i)));
    interps[r.interp]++;
    const { height: h, width: w, top, left } = r.box;
    assert.ok(top >= 0 && left >= 0 && top + h <= 64 && left + w <= 80);
    const area = (h * w) / (64 * 80);
    assert.ok(area >= 0.06 && area <= 1, `area ${area}`);
    if (h !== 64 || w !== 80) assert.ok(w / h >= 0.7 && w / h <= 1.4, `aspect ${w / h}`);
    assert.deepEqual([r.image.h, r.image.w], [16, 16]);
  }
  assert.ok(interps.bilinear > 150 && interps.bicubic > 150, JSON.stringify(interps));
});

Deno.test("RandAugment draws: 2 picks from the 15 inc1 ops, p 0.5 each, magnitude ~ N(9, 0.5) in [0, 10]", () => {
  assert.deepEqual(PAPER_RAND_AUGMENT.ops, RAND_INCREASING_TRANSFORMS);
  assert.equal(PAPER_RAND_AUGMENT.numLayers, 2);
  assert.equal(PAPER_RAND_AUGMENT.magnitude, 9);
  assert.equal(PAPER_RAND_AUGMENT.magnitudeStd, 0.5);
  const seen = new Map<string, number>();
  const mags: number[] = [];
  let applied = 0, negated = 0, signed = 0;
  const N = 3000;
  for (let i = 0; i < N; i++) {
    const calls = drawRandAugment(PAPER_RAND_AUGMENT, new Draws(sampleKey(1, 2, i)));
    applied += calls.length;
    for (const c of calls) {
      seen.set(c.op, (seen.get(c.op) ?? 0) + 1);
      mags.push(c.magnitude);
      assert.ok(c.magnitude >= 0 && c.magnitude <= 10);
      if (["Rotate", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel"].includes(c.op)) {
        signed++;
        if (c.negate) negated++;
      }
    }
  }
  assert.equal(seen.size, 15, "every op is drawn");
  for (const [op, n] of seen) {
    assert.ok(n > 0.5 * applied / 15 && n < 1.5 * applied / 15, `${op}: ${n}`);
  }
  assert.ok(Math.abs(applied / (2 * N) - 0.5) < 0.03, `apply rate ${applied / (2 * N)}`);
  assert.ok(Math.abs(negated / signed - 0.5) < 0.05, `negate rate ${negated / signed}`);
  const mean = mags.reduce((a, b) => a + b, 0) / mags.length;
  const sd = Math.sqrt(mags.reduce((a, b) => a + (b - mean) ** 2, 0) / mags.length);
  assert.ok(Math.abs(mean - 9) < 0.05 && Math.abs(sd - 0.5) < 0.05, `mean ${mean} sd ${sd}`);
});

Deno.test("RandAugment levels: timm's level → argument at magnitude 9", () => {
  const at = (op: string, negate = false) =>
    levelArg({ op: op as never, magnitude: 9, negate, interp: "bilinear" });
  assert.ok(Math.abs(at("Rotate")! - 27) < 1e-12 && Math.abs(at("Rotate", true)! + 27) < 1e-12);
  assert.equal(at("PosterizeIncreasing"), 1); // 4 − int(3.6)
  assert.equal(at("Posterize"), 3);
  assert.equal(at("SolarizeIncreasing"), 26); // 256 − int(230.4)
  assert.equal(at("SolarizeAdd"), 99);
  assert.ok(Math.abs(at("ColorIncreasing")! - 1.81) < 1e-12);
  assert.ok(Math.abs(at("ContrastIncreasing", true)! - 0.19) < 1e-12);
  assert.ok(Math.abs(at("ShearX")! - 0.27) < 1e-12);
  assert.ok(Math.abs(at("TranslateYRel", true)! + 0.405) < 1e-12);
  assert.equal(
    levelArg({ op: "ColorIncreasing", magnitude: 10, negate: true, interp: "bicubic" }),
    0.1,
  );
  assert.deepEqual(fillColour([0.4914, 0.4822, 0.4465]), [125, 123, 114]);
  assert.deepEqual(parseRandAugment("rand-m7-n3-mstd1").numLayers, 3);
  assert.throws(() => parseRandAugment("rand-m9-w0"), ActlabError);
  assert.throws(() => parseRandAugment("auto-m9"), ActlabError);
});

Deno.test("random erasing: p 0.25, box inside, erased pixels are N(0, 1) after the graph's normalisation", () => {
  const shape = [3, 32, 32] as const, size = 3 * 32 * 32;
  const mean = [0.4914, 0.4822, 0.4465], std = [0.247, 0.243, 0.261];
  let erased = 0;
  const z: number[] = [];
  const N = 2000;
  for (let i = 0; i < N; i++) {
    const x = new Float32Array(size).fill(-100); // a value no erased pixel takes
    const key = sampleKey(0, 0, i);
    const box = randomErase(x, 0, shape, mean, std, new Draws(key), key.fold(1));
    if (!box) {
      assert.ok(x.every((v) => v === -100));
      continue;
    }
    erased++;
    assert.ok(
      box.top >= 0 && box.left >= 0 && box.top + box.height <= 32 && box.left + box.width <= 32,
    );
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let xx = 0; xx < 32; xx++) {
          const v = x[(c * 32 + y) * 32 + xx];
          const inside: boolean = y >= box.top && y < box.top + box.height && xx >= box.left &&
            xx < box.left + box.width;
          assert.equal(v !== -100, inside);
          if (inside) z.push((v - mean[c]) / std[c]);
        }
      }
    }
  }
  assert.ok(Math.abs(erased / N - 0.25) < 0.03, `erase rate ${erased / N}`);
  const m = z.reduce((a, b) => a + b, 0) / z.length;
  const sd = Math.sqrt(z.reduce((a, b) => a + (b - m) ** 2, 0) / z.length);
  assert.ok(Math.abs(m) < 0.01 && Math.abs(sd - 1) < 0.01, `z mean ${m} sd ${sd}`);
});

function cifarLike(n: number): Dataset {
  const shape: [number, number, number] = [3, 16, 16];
  const size = 3 * 16 * 16;
  return {
    name: "toy",
    split: "train",
    images: new Uint8Array(n * size).map((_, j) => (j * 37 + (j >> 5) * 11) % 256),
    labels: Int32Array.from({ length: n }, (_, i) => i % 4),
    n,
    shape,
    numClasses: 4,
    mean: [0.5, 0.45, 0.4],
    std: [0.25, 0.24, 0.26],
    classNames: ["a", "b", "c", "d"],
    source: "toy",
    defaultAugment: true,
  };
}

function bySample(
  ds: Dataset,
  mode: "paper" | "weak",
  batchSize: number,
  epoch: number,
  startBatch = 0,
) {
  const size = 3 * 16 * 16, out = new Map<number, string>();
  for (const b of trainBatches(ds, { batchSize, seed: 4, epoch, augment: mode, startBatch })) {
    b.indices.forEach((i, r) => out.set(i, b.x.slice(r * size, (r + 1) * size).join()));
  }
  return out;
}

Deno.test("paper pipeline: a sample's pixels depend on (seed, epoch, index) only, not batching or resume", () => {
  const ds = cifarLike(24);
  const a = bySample(ds, "paper", 4, 0), b = bySample(ds, "paper", 8, 0);
  assert.equal(a.size, 24);
  for (const [i, v] of a) assert.equal(b.get(i), v, `sample ${i}`);
  const resumed = bySample(ds, "paper", 4, 0, 3);
  for (const [i, v] of resumed) assert.equal(a.get(i), v);
  const e1 = bySample(ds, "paper", 4, 1);
  let same = 0;
  for (const [i, v] of e1) if (a.get(i) === v) same++;
  assert.ok(same < 3, "a new epoch draws new augmentations");
  // the loader's row is exactly the pipeline applied to that sample
  const size = 3 * 16 * 16, i = 5;
  const x = new Float32Array(size);
  paperTrainSample(
    u8Image(3, 16, 16, ds.images.subarray(i * size, (i + 1) * size)),
    16,
    16,
    ds,
    sampleKey(4, 0, i),
    x,
    0,
  );
  assert.equal(a.get(i), x.join());
});

Deno.test("weak pipeline: each sample is the original or its mirror, about half mirrored", () => {
  const ds = cifarLike(64), size = 3 * 16 * 16;
  let flipped = 0;
  for (const [i, v] of bySample(ds, "weak", 8, 0)) {
    const img = u8Image(3, 16, 16, ds.images.slice(i * size, (i + 1) * size));
    const plain = new Float32Array(size), mirror = new Float32Array(size);
    toUnit(img, plain, 0);
    toUnit(hflip(img), mirror, 0);
    if (v === mirror.join()) flipped++;
    else assert.equal(v, plain.join());
  }
  assert.ok(flipped > 16 && flipped < 48, `flipped ${flipped}/64`);
});

Deno.test("eval transform: evaluation batches get resize to size/0.875 + centre crop under paper/weak", () => {
  const ds = cifarLike(5), size = 3 * 16 * 16;
  const [b] = [...evalBatches(ds, { batchSize: 8, transform: "paper" })];
  for (let i = 0; i < 5; i++) {
    const want = new Float32Array(size);
    toUnit(
      evalTransform(u8Image(3, 16, 16, ds.images.slice(i * size, (i + 1) * size)), 16),
      want,
      0,
    );
    assert.equal(b.x.slice(i * size, (i + 1) * size).join(), want.join());
  }
  assert.ok(b.x.slice(5 * size).every((v) => v === 0), "padding rows stay zero");
  const [plain] = [...evalBatches(ds, { batchSize: 8 })];
  assert.notEqual(plain.x.join(), b.x.join());
});

Deno.test("config: --augment paper|weak|default|on|off validated and mapped for the task", () => {
  for (const a of ["paper", "weak", "default", "on", "off"] as const) {
    assert.equal(resolveConfig({ augment: a, out: "r" }).augment, a);
  }
  assert.throws(() => resolveConfig({ augment: "strong" as never, out: "r" }), /--augment must be/);
  const at = (a: "paper" | "weak" | "default" | "on" | "off") =>
    augmentSetting(resolveConfig({ augment: a, out: "r" }));
  assert.deepEqual(
    [at("paper"), at("weak"), at("default"), at("on"), at("off")],
    ["paper", "weak", undefined, true, false],
  );
});
