/**
 * The loader: seeded per-epoch order, drop-last training batches, padded
 * evaluation batches covering every image, and seeded augmentation.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import type { Dataset } from "../data/dataset.ts";
import {
  type Batch,
  cropFlip,
  epochOrder,
  evalBatchCount,
  evalBatches,
  trainBatchCount,
  trainBatches,
  type TrainLoaderOptions,
} from "../data/loader.ts";

/** `n` images of shape [c, h, w]; pixel value encodes (image, position) for traceability. */
function toy(
  n: number,
  shape: [number, number, number] = [1, 4, 4],
  defaultAugment = false,
): Dataset {
  const size = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(n * size).map((_, j) =>
    (Math.floor(j / size) * 13 + (j % size) * 3 + 1) % 256
  );
  return {
    name: "toy",
    split: "train",
    images,
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    n,
    shape,
    numClasses: 3,
    mean: Array(shape[0]).fill(0.5),
    std: Array(shape[0]).fill(0.25),
    classNames: ["a", "b", "c"],
    source: "toy",
    defaultAugment,
  };
}

function all(ds: Dataset, o: TrainLoaderOptions): Batch[] {
  return [...trainBatches(ds, o)];
}

Deno.test("loader: epoch order is a seeded permutation, new per epoch and seed", () => {
  const a = epochOrder(100, 7, 0);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(epochOrder(100, 7, 0), a);
  assert.notDeepEqual(epochOrder(100, 7, 1), a);
  assert.notDeepEqual(epochOrder(100, 8, 0), a);
});

Deno.test("loader: training batches are deterministic, drop the last partial batch, match labels", () => {
  const ds = toy(10);
  const o = { batchSize: 3, seed: 1, epoch: 0 };
  const b1 = all(ds, o);
  const b2 = all(ds, o);
  assert.equal(trainBatchCount(10, 3), 3);
  assert.equal(b1.length, 3);
  assert.deepEqual(b1, b2);
  const seen = b1.flatMap((b) => [...b.indices]);
  assert.equal(new Set(seen).size, 9);
  assert.deepEqual(seen, [...epochOrder(10, 1, 0).subarray(0, 9)]);
  for (const b of b1) {
    assert.equal(b.valid, 3);
    assert.equal(b.x.length, 3 * 16);
    for (let r = 0; r < 3; r++) {
      const i = b.indices[r];
      assert.equal(b.labels[r], ds.labels[i]);
      for (let p = 0; p < 16; p++) {
        assert.equal(b.x[r * 16 + p], Math.fround(ds.images[i * 16 + p] / 255));
      }
    }
  }
  const e1 = all(ds, { ...o, epoch: 1 });
  assert.notDeepEqual(e1.map((b) => [...b.indices]), b1.map((b) => [...b.indices]));
  const unshuffled = all(ds, { ...o, shuffle: false });
  assert.deepEqual(unshuffled.flatMap((b) => [...b.indices]), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("loader: resuming at a batch gives exactly the rest of the epoch", () => {
  const ds = toy(20, [3, 6, 6], true);
  const o = { batchSize: 4, seed: 9, epoch: 3 };
  const full = all(ds, o);
  const tail = all(ds, { ...o, startBatch: 2 });
  assert.deepEqual(tail, full.slice(2));
  assert.deepEqual(all(ds, { ...o, startBatch: 5 }), []);
  assert.throws(() => all(ds, { ...o, startBatch: 6 }), ActlabError);
});

Deno.test("loader: evaluation covers every image once, last batch zero-padded with a valid count", () => {
  const ds = toy(10);
  const batches = [...evalBatches(ds, { batchSize: 4 })];
  assert.equal(evalBatchCount(10, 4), 3);
  assert.deepEqual(batches.map((b) => b.valid), [4, 4, 2]);
  assert.deepEqual(batches.flatMap((b) => [...b.indices]), Array.from({ length: 10 }, (_, i) => i));
  const last = batches[2];
  assert.equal(last.x.length, 4 * 16);
  assert.ok(last.x.subarray(2 * 16).every((v) => v === 0));
  assert.deepEqual([...last.labels.subarray(2)], [0, 0]);
  assert.equal(last.x[16], Math.fround(ds.images[9 * 16] / 255));
  // exact multiple: no padding batch
  assert.deepEqual([...evalBatches(toy(8), { batchSize: 4 })].map((b) => b.valid), [4, 4]);
});

Deno.test("loader: cropFlip shifts over zero padding and mirrors", () => {
  // one 1×2×3 image: rows [1 2 3], [4 5 6] (as bytes 255·k/255 = k/255)
  const img = new Uint8Array([1, 2, 3, 4, 5, 6]);
  const out = new Float32Array(6);
  const vals = () => [...out].map((v) => Math.round(v * 255));
  cropFlip(img, 0, [1, 2, 3], 4, 4, 4, false, out, 0);
  assert.deepEqual(vals(), [1, 2, 3, 4, 5, 6]);
  cropFlip(img, 0, [1, 2, 3], 4, 4, 4, true, out, 0);
  assert.deepEqual(vals(), [3, 2, 1, 6, 5, 4]);
  cropFlip(img, 0, [1, 2, 3], 4, 5, 3, false, out, 0); // down-shifted view: row 1, x − 1
  assert.deepEqual(vals(), [0, 4, 5, 0, 0, 0]);
  cropFlip(img, 0, [1, 2, 3], 4, 0, 0, false, out, 0); // fully in the padding
  assert.deepEqual(vals(), [0, 0, 0, 0, 0, 0]);
});

Deno.test("loader: augmentation is seeded per (seed, epoch, batch) and on by dataset default", () => {
  const cifarLike = toy(32, [3, 8, 8], true);
  const o = { batchSize: 8, seed: 4, epoch: 0 };
  const a = all(cifarLike, o);
  assert.deepEqual(all(cifarLike, o), a);
  const plain = all(cifarLike, { ...o, augment: false });
  assert.deepEqual(a.map((b) => [...b.indices]), plain.map((b) => [...b.indices]));
  assert.notDeepEqual(a.map((b) => b.x), plain.map((b) => b.x));
  assert.notDeepEqual(all(cifarLike, { ...o, seed: 5 }).map((b) => b.x), a.map((b) => b.x));
  // Fashion-MNIST-like default: no augmentation
  const fm = toy(32, [1, 8, 8], false);
  const fmBatches = all(fm, o);
  for (const b of fmBatches) {
    for (let r = 0; r < 8; r++) {
      assert.equal(b.x[r * 64 + 10], Math.fround(fm.images[b.indices[r] * 64 + 10] / 255));
    }
  }
  // flip only: each row is the image or its mirror, and both occur
  const flips = all(cifarLike, { ...o, augment: { pad: 0, flip: true } });
  let mirrored = 0;
  let same = 0;
  for (const b of flips) {
    for (let r = 0; r < 8; r++) {
      const src = new Float32Array(192);
      cropFlip(cifarLike.images, b.indices[r], [3, 8, 8], 0, 0, 0, false, src, 0);
      const got = b.x.subarray(r * 192, (r + 1) * 192);
      if (got.every((v, j) => v === src[j])) same++;
      else {
        cropFlip(cifarLike.images, b.indices[r], [3, 8, 8], 0, 0, 0, true, src, 0);
        assert.deepEqual(got, src);
        mirrored++;
      }
    }
  }
  assert.ok(mirrored > 0 && same > 0, `mirrored ${mirrored}, same ${same}`);
});

Deno.test("loader: bad batch sizes and too-small datasets are clear errors", () => {
  assert.throws(
    () => all(toy(5), { batchSize: 0, seed: 0, epoch: 0 }),
    /batch size must be an integer ≥ 1/,
  );
  assert.throws(
    () => all(toy(5), { batchSize: 8, seed: 0, epoch: 0 }),
    /has 5 images, fewer than one batch of 8/,
  );
  assert.throws(() => [...evalBatches(toy(5), { batchSize: 1.5 })], ActlabError);
});
