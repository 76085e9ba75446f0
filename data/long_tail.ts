/**
 * Long-tailed training splits, as DNRT's long-tailed CIFAR-10 table uses
 * (imbalance β = 10, 50, 100). The DNRT repository (horrible-dong/DNRT)
 * ships no long-tail code, so the profile follows the benchmark's common
 * definition (Cao et al., LDAM-DRW, `imbalance_cifar.py`, the "exp" type):
 * class k keeps n_k = ⌊n_max · β^(−k/(K−1))⌋ images, n_max = N / K, the
 * head class being class 0. That gives CIFAR-10-LT 20,431 / 13,996 / 12,406
 * and CIFAR-100-LT 19,573 / 12,608 / 10,847 images at β = 10 / 50 / 100.
 *
 * Which images a class keeps is a seeded draw per class (LDAM shuffles with
 * NumPy's seed; actlab's draw is keyed by (seed, class), so it differs from
 * theirs image-for-image but not in distribution — an assumption). Kept
 * images stay in their original order. The test split stays balanced.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { Rng } from "../core/rng.ts";
import type { Dataset } from "./dataset.ts";

/** Domain tag so long-tail draws never coincide with other keys of the same seed. */
const TAG = 0x6c746169; // "ltai"

/** Per-class image counts n_k = ⌊nMax · β^(−k/(K−1))⌋ (k = 0 the head class). */
export function longTailCounts(nMax: number, numClasses: number, beta: number): number[] {
  if (!(Number.isFinite(beta) && beta >= 1)) {
    throw new ActlabError(
      `long-tail imbalance β = ${beta} is not a number ≥ 1`,
      "β is n_max / n_min, e.g. --long-tail 100 (1 = balanced)",
    );
  }
  if (numClasses < 2) {
    throw new ActlabError(
      `a long-tailed split needs at least 2 classes, got ${numClasses}`,
      "use a dataset with several classes",
    );
  }
  const counts: number[] = [];
  for (let k = 0; k < numClasses; k++) {
    // The same expression as the benchmark's: n_max · (1/β)^(k/(K−1)), truncated.
    counts.push(Math.max(1, Math.floor(nMax * (1 / beta) ** (k / (numClasses - 1)))));
  }
  return counts;
}

/** Images per class of a split. */
export function classCounts(labels: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}

/**
 * The long-tailed version of a (balanced) training split: class k keeps
 * `longTailCounts(N / K, K, β)[k]` images drawn with `seed`.
 */
export function longTailDataset(ds: Dataset, beta: number, seed: number): Dataset {
  if (ds.split !== "train") {
    throw new ActlabError(
      `a long-tailed profile applies to the training split, not "${ds.split}"`,
      "the test split stays balanced, as in the long-tail benchmarks",
    );
  }
  const k = ds.numClasses;
  const have = classCounts(ds.labels, k);
  const want = longTailCounts(Math.floor(ds.n / k), k, beta);
  const byClass: number[][] = have.map(() => []);
  ds.labels.forEach((l, i) => byClass[l].push(i));
  const keep = new Uint8Array(ds.n);
  for (let c = 0; c < k; c++) {
    if (have[c] < want[c]) {
      throw new ActlabError(
        `${ds.name}: class ${c} (${ds.classNames[c]}) has ${have[c]} training images, ` +
          `the long-tail profile β = ${beta} asks for ${want[c]}`,
        "long-tailed splits are cut from a balanced training split (CIFAR-10/100)",
      );
    }
    const order = Rng.fromSeed(seed).fold(TAG).fold(c).permutation(have[c]);
    for (let i = 0; i < want[c]; i++) keep[byClass[c][order[i]]] = 1;
  }
  const n = want.reduce((a, b) => a + b, 0);
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const images = new Uint8Array(n * size);
  const labels = new Int32Array(n);
  let j = 0;
  for (let i = 0; i < ds.n; i++) {
    if (!keep[i]) continue;
    images.set(ds.images.subarray(i * size, (i + 1) * size), j * size);
    labels[j++] = ds.labels[i];
  }
  return {
    ...ds,
    images,
    labels,
    n,
    source: `${ds.source} (long-tailed, β = ${beta}, seed ${seed})`,
  };
}
