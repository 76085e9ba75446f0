/**
 * Long-tailed training splits: the per-class counts of the CIFAR-LT
 * benchmarks (exact), a seeded per-class selection that keeps the original
 * order, a balanced test split, and the counts in a run's summary.
 */
import assert from "node:assert/strict";
import "../mod.ts";
import { ActlabError } from "../core/errors.ts";
import type { Dataset } from "../data/dataset.ts";
import { loadDataset } from "../data/dataset.ts";
import { classCounts, longTailCounts, longTailDataset } from "../data/long_tail.ts";
import { train } from "../train/engine.ts";

Deno.test("CIFAR-10/100-LT counts: the benchmark's totals at β = 10, 50, 100", () => {
  const total = (k: number, beta: number) =>
    longTailCounts(50_000 / k, k, beta).reduce((a, b) => a + b, 0);
  // The figures every CIFAR-LT paper reports (LDAM-DRW's split).
  assert.deepEqual([10, 50, 100].map((b) => total(10, b)), [20_431, 13_996, 12_406]);
  assert.deepEqual([10, 50, 100].map((b) => total(100, b)), [19_573, 12_608, 10_847]);
  assert.deepEqual(
    longTailCounts(5000, 10, 100),
    [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50],
  );
  assert.deepEqual(longTailCounts(5000, 10, 1), Array(10).fill(5000));
  assert.throws(() => longTailCounts(5000, 10, 0.5), ActlabError);
  assert.throws(() => longTailCounts(5000, 1, 10), ActlabError);
});

/** A balanced split of `perClass` 1×1×1 images per class, pixel = index mod 256. */
function balanced(numClasses: number, perClass: number): Dataset {
  const n = numClasses * perClass;
  return {
    name: "toy",
    split: "train",
    images: new Uint8Array(n).map((_, i) => i % 256),
    labels: new Int32Array(n).map((_, i) => i % numClasses),
    n,
    shape: [1, 1, 1],
    numClasses,
    mean: [0.5],
    std: [0.25],
    classNames: Array.from({ length: numClasses }, (_, k) => `c${k}`),
    source: "generated",
    defaultAugment: false,
  };
}

Deno.test("longTailDataset: exact counts, seeded selection in original order", () => {
  const ds = balanced(10, 5000);
  for (const beta of [10, 50, 100]) {
    const lt = longTailDataset(ds, beta, 0);
    assert.deepEqual(classCounts(lt.labels, 10), longTailCounts(5000, 10, beta));
    assert.equal(lt.n, lt.labels.length);
    assert.equal(lt.images.length, lt.n);
  }
  const a = longTailDataset(ds, 100, 0);
  const b = longTailDataset(ds, 100, 0);
  const c = longTailDataset(ds, 100, 1);
  assert.deepEqual(a.images, b.images, "same seed, same images");
  assert.notDeepEqual(a.images, c.images, "another seed draws other images");
  // Pixel = original index mod 256 and labels cycle, so original order ⇔ the (label, pixel)
  // pairs recover strictly increasing original indices.
  let last = -1;
  let index = 0;
  for (let i = 0; i < a.n; i++) {
    // Smallest original index > last with this label and pixel.
    index = last + 1;
    while (index % 10 !== a.labels[i] || index % 256 !== a.images[i]) index++;
    assert.ok(index < ds.n);
    last = index;
  }
  // The tail class keeps a random subset, not its first images.
  const tail = [...a.images].filter((_, i) => a.labels[i] === 9);
  assert.notDeepEqual(tail, Array.from({ length: 50 }, (_, j) => (9 + 10 * j) % 256));
});

Deno.test("longTailDataset: too few images per class, or the test split, is a clear error", () => {
  const ds = balanced(4, 10);
  const short: Dataset = { ...ds, labels: ds.labels.map((l) => (l === 3 ? 0 : l)) };
  assert.throws(() => longTailDataset(short, 2, 0), /class 3 \(c3\) has 0 training images/);
  assert.throws(() => longTailDataset({ ...ds, split: "test" }, 10, 0), /training split/);
});

Deno.test("loadDataset: the training split is long-tailed, the test split stays balanced", async () => {
  const synthetic = { numClasses: 4, trainSize: 400, testSize: 80, imageSize: 4 };
  const tr = await loadDataset("synthetic", "train", { synthetic, longTail: 10 });
  const te = await loadDataset("synthetic", "test", { synthetic, longTail: 10 });
  assert.deepEqual(classCounts(tr.labels, 4), longTailCounts(100, 4, 10));
  assert.deepEqual(classCounts(te.labels, 4), [20, 20, 20, 20]);
  assert.match(tr.source, /long-tailed, β = 10/);
});

Deno.test("train --long-tail: the run's summary holds the per-class training counts", async () => {
  const out = await Deno.makeTempDir({ prefix: "actlab_lt_" });
  try {
    const summary = await train({
      out,
      model: "mlp",
      modelOptions: { widths: [8] },
      dataset: "synthetic",
      synthetic: { numClasses: 4, trainSize: 400, testSize: 40, imageSize: 4, channels: 1 },
      longTail: 10,
      batchSize: 16,
      steps: 3,
      backend: "reference",
    }, { progress: false, log: () => {} });
    const want = longTailCounts(100, 4, 10);
    assert.deepEqual(summary.data?.train_class_counts, want);
    const written = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
    assert.deepEqual(written.data.train_class_counts, want);
    const config = JSON.parse(await Deno.readTextFile(`${out}/config.json`));
    assert.equal(config.longTail, 10);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
