/**
 * The DeiT and CaiT models (models/deit.ts, models/cait.ts): parameter
 * counts of the training graph in both geometries (the headers' figures,
 * and the papers' within 0.5 %), where the activation and response sites
 * sit, what DPA's pooling takes at each (one sample's pooled value against
 * a direct computation), DeiT's averaged heads, input sizes the patch does
 * not divide, and a reference training step of each at a tiny size for
 * relu, gelu and dpa.
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import "../models/mod.ts";
import { registerActivation } from "../activations/registry.ts";
import { registerRegulariser } from "../regularisers/registry.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { createModel, type ModelOptions } from "../models/registry.ts";
import { poolSite } from "../plugin/site_tensor.ts";
import type { Site } from "../plugin/types.ts";
import { imageBatch } from "../tasks/image.ts";
import { resolveConfig } from "../train/config.ts";
import { Run } from "../train/run.ts";
import { assertClose, buildLayer, compile, feedsFor, randomValues } from "./build_harness.ts";
import { lcg } from "./gradcheck.ts";
import { shapeTask as task, trainParams } from "./model_counts.ts";

Deno.test("ImageNet geometry (224 px, patch 16, 1000 classes): the headers' counts, the papers' within 0.5 %", () => {
  const deit = trainParams("deit_tiny", 224, 1000);
  const cait = trainParams("cait_xxs24", 224, 1000);
  assert.equal(deit, 5_910_800);
  assert.equal(cait, 11_956_264);
  assert.ok(Math.abs(deit / 5.9e6 - 1) < 0.005, `deit_tiny ${deit} vs 5.9 M`);
  assert.ok(Math.abs(cait / 12.0e6 - 1) < 0.005, `cait_xxs24 ${cait} vs 12.0 M`);
});

Deno.test("CIFAR geometry (32 px, patch 4, 10 classes): parameter counts as the headers state", () => {
  assert.equal(trainParams("deit_tiny", 32, 10), 5_365_076);
  assert.equal(trainParams("cait_xxs24", 32, 10), 11_601_610);
});

const activationSites: Site[] = [];
const responseSites: Site[] = [];
/** Per site: its input tensor and its pooled vector as DPA computes it (`poolSite`). */
const pooled: { site: Site; x: Tensor; v: Tensor }[] = [];
registerActivation({
  name: "vit_family_spy",
  description: "identity that records its sites and their pooled values",
  create(site) {
    activationSites.push(site);
    return {
      apply: (_ctx, x) => {
        pooled.push({ site, x, v: poolSite("vit_family_spy", site, x) });
        return x;
      },
    };
  },
});
registerRegulariser({
  name: "vit_family_spy",
  description: "records its sites",
  create(site) {
    responseSites.push(site);
    return { observe: () => {} };
  },
});

const fmt = (s: Site) => `${s.layout}/${s.pooling}/${s.channels}`;

Deno.test("sites: every MLP hidden activation; DeiT pools the class token, CaiT the token mean then the class token", () => {
  const sitesOf = (name: string) => {
    activationSites.length = 0;
    responseSites.length = 0;
    const model = createModel(name, {
      numClasses: 10,
      inputShape: [3, 32, 32],
      activation: "vit_family_spy",
      regulariser: "vit_family_spy",
    });
    buildLayer("eval", [1, 3, 32, 32], (ctx, x) => model.build(ctx, x), 10);
    return { act: activationSites.map(fmt), resp: responseSites.map(fmt) };
  };
  const deit = sitesOf("deit_tiny");
  assert.deepEqual(deit.act, Array(12).fill("tokens/token/768"));
  assert.deepEqual(deit.resp, Array(12).fill("tokens/token/192"));
  const cait = sitesOf("cait_xxs24");
  assert.deepEqual(cait.act, [
    ...Array(24).fill("tokens/avg/768"),
    ...Array(2).fill("tokens/token/768"),
  ]);
  assert.deepEqual(cait.resp, [
    ...Array(24).fill("tokens/avg/192"),
    ...Array(2).fill("tokens/token/192"),
  ]);
});

/** Build `name` tiny with the spy, run it in eval on reference; each site's input and pooled value. */
async function pooledValues(name: string, options: ModelOptions, batch: number, size: number) {
  pooled.length = 0;
  const model = createModel(name, {
    numClasses: 4,
    inputShape: [3, size, size],
    activation: "vit_family_spy",
    ...options,
  });
  const b = buildLayer("eval", [batch, 3, size, size], (ctx, x) => model.build(ctx, x), 4);
  const sites = [...pooled];
  sites.forEach((s, i) => {
    b.graph.output(`x${i}`, s.x);
    b.graph.output(`v${i}`, s.v);
  });
  const exe = await compile(b, { seed: 2 });
  const out = await exe.run(feedsFor(b, randomValues(batch * 3 * size * size, 9)));
  return sites.map((s, i) => ({ site: s.site, x: out[`x${i}`], v: out[`v${i}`] }));
}

Deno.test("DPA's pooled value of one sample equals a direct computation at every site", async () => {
  const batch = 3;
  const one = 1; // the sample checked
  const tiny = { embedDim: 8, numHeads: 2, patchSize: 4, qkvBias: false };
  // DeiT: token 0 of the sample's hidden pre-activation (the class token; 16 patches + 2 tokens).
  const deit = await pooledValues("deit_tiny", { ...tiny, depth: 2 }, batch, 16);
  assert.equal(deit.length, 2);
  for (const { x, v } of deit) {
    const [, n, c] = x.shape;
    assert.deepEqual([n, c], [18, 32]);
    const want = Array.from(x.data.slice(one * n * c, one * n * c + c));
    assertClose(v.data.slice(one * c, (one + 1) * c), want, 1e-12, "deit class token");
  }
  // CaiT: the mean over the sample's 16 tokens in self-attention blocks; in class-attention
  // blocks the MLP sees the class token alone ([B, 1, 4C]) and pools that vector itself.
  const cait = await pooledValues("cait_xxs24", { ...tiny, depth: 2, classDepth: 2 }, batch, 16);
  assert.deepEqual(cait.map((s) => s.x.shape.join("x")), [
    "3x16x32",
    "3x16x32",
    "3x1x32",
    "3x1x32",
  ]);
  for (const { site, x, v } of cait) {
    const [, n, c] = x.shape;
    const want = Array.from({ length: c }, (_, ch) => {
      let s = 0;
      for (let t = 0; t < n; t++) s += x.data[(one * n + t) * c + ch];
      return s / n;
    });
    assertClose(v.data.slice(one * c, (one + 1) * c), want, 1e-12, `cait ${fmt(site)}`);
  }
  // The pooled values are not degenerate (the check above could not pass by all-zero tensors).
  assert.ok(cait.every(({ v }) => v.data.some((e) => Math.abs(e) > 1e-6)));
});

Deno.test("deit_tiny logits are the mean of the class-token head and the distillation-token head", async () => {
  const [c, k] = [8, 3];
  const model = createModel("deit_tiny", {
    numClasses: k,
    inputShape: [3, 8, 8],
    embedDim: c,
    depth: 1,
    numHeads: 2,
    patchSize: 4,
  });
  const b = buildLayer("eval", [2, 3, 8, 8], (ctx, x) => model.build(ctx, x), k);
  const x = randomValues(2 * 3 * 64, 3);
  const beta = randomValues(c, 4);
  const [wh, bh, wd, bd] = [
    randomValues(k * c, 5),
    randomValues(k, 6),
    randomValues(k * c, 7),
    randomValues(k, 8),
  ];
  const zeros = (n: number) => new Array(n).fill(0);
  const logits = async (
    w1: number[],
    b1: number[],
    w2: number[],
    b2: number[],
    normBias = beta,
  ) => {
    const exe = await compile(b, {
      overrides: {
        // The final norm's weight 0 makes every token `normBias`: the heads' inputs are known.
        "norm.weight": zeros(c),
        "norm.bias": normBias,
        "head.weight": w1,
        "head.bias": b1,
        "head_dist.weight": w2,
        "head_dist.bias": b2,
      },
    });
    return Array.from((await exe.run(feedsFor(b, x))).y.data);
  };
  const head = (w: number[], bias: number[]) =>
    Array.from(
      { length: k },
      (_, o) => bias[o] + beta.reduce((s, v, i) => s + v * w[o * c + i], 0),
    );
  const want = head(wh, bh).map((v, o) => (v + head(wd, bd)[o]) / 2);
  assertClose(await logits(wh, bh, wd, bd), [...want, ...want], 1e-12, "averaged heads");
  // With the final norm back to normal, the two heads read different tokens: swapping the
  // weights between them changes the logits.
  const normal = await compile(b, { overrides: { "head.weight": wh, "head_dist.weight": wd } });
  const swapped = await compile(b, { overrides: { "head.weight": wd, "head_dist.weight": wh } });
  const [l1, l2] = [
    (await normal.run(feedsFor(b, x))).y.data,
    (await swapped.run(feedsFor(b, x))).y.data,
  ];
  assert.ok(
    l1.some((v, i) => Math.abs(v - l2[i]) > 1e-6),
    "head and head_dist read the same token",
  );
});

Deno.test("an input side the patch does not divide names the model, the size and the sizes it takes", () => {
  const throwsWith = (name: string, size: number, options: ModelOptions, fragments: string[]) =>
    assert.throws(
      () => createModel(name, { numClasses: 10, inputShape: [3, size, size], ...options }),
      (e: unknown) =>
        e instanceof ActlabError &&
        fragments.every((f) => `${e.message} ${e.hint}`.includes(f)),
    );
  for (const name of ["deit_tiny", "cait_xxs24"]) {
    throwsWith(name, 30, {}, [
      `model "${name}"`,
      "30x30",
      "patch size 4",
      "multiples of 4 px up to 32",
      "224",
    ]);
    throwsWith(name, 100, {}, [
      `model "${name}"`,
      "100x100",
      "patch size 16",
      "multiples of 16 px",
    ]);
    throwsWith(name, 36, { patchSize: 8 }, [`model "${name}"`, "36x36", "multiples of 8 px"]);
  }
  // The accepted sizes build.
  for (const size of [28, 32, 64, 224]) {
    createModel("cait_xxs24", { numClasses: 10, inputShape: [3, size, size] });
  }
  assert.throws(
    () => createModel("cait_xxs24", { numClasses: 10, inputShape: [3, 32, 32], numHeads: 5 }),
    (e: unknown) => e instanceof ActlabError && e.message.includes("not divisible"),
  );
});

const TINY: Record<string, ModelOptions> = {
  deit_tiny: { embedDim: 12, depth: 2, numHeads: 3 },
  cait_xxs24: { embedDim: 12, depth: 2, numHeads: 3, classDepth: 1 },
};

for (const [model, options] of Object.entries(TINY)) {
  for (const activation of ["relu", "gelu", "dpa"]) {
    Deno.test(`reference training step: ${model} (tiny, 32 px) × ${activation} has a finite loss and moves`, async () => {
      const config = resolveConfig({
        out: "/tmp/unused",
        model,
        modelOptions: options,
        activation,
        batchSize: 4,
        evalBatchSize: 4,
        seed: 1,
      });
      const run = await Run.open(config, { backend: referenceBackend, task: task(32, 4) });
      try {
        const rand = lcg(5);
        const shape = [3, 32, 32];
        const x = Float32Array.from({ length: 4 * 3 * 32 * 32 }, () => rand());
        const labels = Int32Array.from([0, 1, 2, 3]);
        const losses: number[] = [];
        for (const step of [0, 1]) {
          const out = await run.trainExe.run(
            run.trainFeeds(imageBatch(x, labels, shape), step, 1e-2),
          );
          losses.push(out.loss.data[0]);
        }
        assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
        assert.notEqual(losses[0], losses[1], "the first step changed nothing");
      } finally {
        run.dispose();
      }
    });
  }
}
