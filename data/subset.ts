/**
 * Subsets of a dataset for quick runs: the first N images, or N images
 * picked by a seeded random draw (kept in their original order).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { Rng } from "../core/rng.ts";
import type { Dataset } from "./dataset.ts";

/** Which part of a split to keep. */
export interface SubsetOptions {
  /** How many images (more than the split has keeps them all). */
  readonly n: number;
  /** Absent: the first `n`. Present: a random `n` drawn with this seed. */
  readonly seed?: number;
}

/** Domain tag so subset draws never coincide with other keys of the same seed. */
const TAG = 0x73756273; // "subs"

/** A dataset holding only the chosen images (copied; the input is not changed). */
export function subsetDataset(ds: Dataset, options: SubsetOptions): Dataset {
  const { n: want, seed } = options;
  if (!Number.isInteger(want) || want < 1) {
    throw new ActlabError(`subset size must be a positive integer, got ${want}`, "pass N ≥ 1");
  }
  const n = Math.min(want, ds.n);
  let idx: Int32Array;
  if (seed === undefined) {
    idx = new Int32Array(n).map((_, i) => i);
  } else {
    idx = Rng.fromSeed(seed).fold(TAG).permutation(ds.n).slice(0, n).sort();
  }
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const images = new Uint8Array(n * size);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = idx[i];
    images.set(ds.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = ds.labels[j];
  }
  return { ...ds, images, labels, n };
}
