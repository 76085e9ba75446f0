/**
 * Batches for the step graph: a seeded shuffle per epoch, raw pixels as f32
 * in [0, 1] (normalisation happens in the graph), and host-side augmentation:
 * either the standard random crop from a zero-padded image + horizontal flip
 * (`augment: true` / settings), or a named pipeline of `data/augment/`
 * (`"paper"`: the DPA/DNRT authors' timm recipe; `"weak"`: flip only), whose
 * evaluation transform `evalBatches` applies with `transform`.
 *
 * Everything random is a pure function of (seed, epoch, batch index): the
 * order of epoch e is a permutation keyed by (seed, e), the crop + flip
 * augmentation of batch b by (seed, e, b), a pipeline's augmentation of a
 * sample by (seed, e, sample index). So a run resumed at batch b of epoch e
 * sees exactly the batches the uninterrupted run would have seen.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { Rng } from "../core/rng.ts";
import { u8Image } from "./augment/image.ts";
import { type AugmentMode, evalSample, sampleKey, trainSample } from "./augment/pipeline.ts";
import type { Dataset } from "./dataset.ts";

/** One batch, laid out for a static-shape step graph. */
export interface Batch {
  /** Pixels [B, C, H, W] in [0, 1]; rows past `valid` are zeros. */
  readonly x: Float32Array;
  /** Labels [B]; rows past `valid` are 0. */
  readonly labels: Int32Array;
  /** Number of real rows (B except for the padded last evaluation batch). */
  readonly valid: number;
  /** Index of this batch within its epoch. */
  readonly index: number;
  /** Dataset index of each real row. */
  readonly indices: Int32Array;
}

/** Augmentation settings. */
export interface AugmentOptions {
  /** Zero padding for the random crop, in pixels (default 4; 0 = no crop). */
  readonly pad?: number;
  /** Random horizontal flip with probability 1/2 (default true). */
  readonly flip?: boolean;
}

/** Options of `trainBatches`. */
export interface TrainLoaderOptions {
  /** Rows per batch (the step graph's static batch size). */
  readonly batchSize: number;
  /** Seed of shuffling and augmentation. */
  readonly seed: number;
  /** Epoch number (0-based): selects this epoch's order and augmentation. */
  readonly epoch: number;
  /**
   * true/false, crop + flip settings, or a pipeline name (`"paper"`,
   * `"weak"`); default: the dataset's `defaultAugment` with default settings.
   */
  readonly augment?: boolean | AugmentOptions | AugmentMode;
  /** Shuffle (default true). */
  readonly shuffle?: boolean;
  /** Start at this batch of the epoch (resuming; default 0). */
  readonly startBatch?: number;
}

/** Options of `evalBatches`. */
export interface EvalLoaderOptions {
  /** Rows per batch; the last batch is zero-padded to this size. */
  readonly batchSize: number;
  /** The evaluation transform of a pipeline (`"paper"`/`"weak"`: resize + centre crop); default none. */
  readonly transform?: AugmentMode;
}

/** Domain tags so loader keys never coincide with other uses of the same seed. */
const TAG_ORDER = 0x6f726472; // "ordr"
const TAG_AUG = 0x61756720; // "aug "

/** u8 → f32 in [0, 1], rounded once, so every backend gets identical inputs. */
const TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

function checkInt(what: string, v: number, lo: number): number {
  if (!Number.isInteger(v) || v < lo || v > 0xffffffff) {
    throw new ActlabError(
      `loader: ${what} must be an integer ≥ ${lo}, got ${v}`,
      `pass a valid ${what}`,
    );
  }
  return v;
}

/** Full training batches per epoch (the last partial batch is dropped). */
export function trainBatchCount(n: number, batchSize: number): number {
  return Math.floor(n / checkInt("batch size", batchSize, 1));
}

/** Evaluation batches needed to cover all `n` images (the last one padded). */
export function evalBatchCount(n: number, batchSize: number): number {
  return Math.ceil(n / checkInt("batch size", batchSize, 1));
}

/** The order of epoch `epoch` under `seed`: a permutation of 0..n−1. */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  return Rng.fromSeed(seed).fold(TAG_ORDER).fold(checkInt("epoch", epoch, 0)).permutation(n);
}

/** Copy image `src` (uint8 CHW) into `dst` at `off` as f32, no augmentation. */
function copyImage(
  images: Uint8Array,
  src: number,
  size: number,
  dst: Float32Array,
  off: number,
): void {
  const base = src * size;
  for (let p = 0; p < size; p++) dst[off + p] = TO_UNIT[images[base + p]];
}

/**
 * Copy image `src` into `dst` at `off`, cropped from the image zero-padded by
 * `pad` on every side at offset (dy, dx) ∈ [0, 2·pad]², then mirrored
 * left-right when `flip`. dy = dx = pad without flip is the identity.
 */
export function cropFlip(
  images: Uint8Array,
  src: number,
  shape: readonly [number, number, number],
  pad: number,
  dy: number,
  dx: number,
  flip: boolean,
  dst: Float32Array,
  off: number,
): void {
  const [c, h, w] = shape;
  const base = src * c * h * w;
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      const sy = y + dy - pad;
      const row = off + (ch * h + y) * w;
      if (sy < 0 || sy >= h) {
        dst.fill(0, row, row + w);
        continue;
      }
      const srow = base + (ch * h + sy) * w;
      for (let x = 0; x < w; x++) {
        const sx = (flip ? w - 1 - x : x) + dx - pad;
        dst[row + x] = sx >= 0 && sx < w ? TO_UNIT[images[srow + sx]] : 0;
      }
    }
  }
}

function resolveAugment(
  ds: Dataset,
  a: boolean | AugmentOptions | undefined,
): Required<AugmentOptions> | null {
  const on = a === undefined ? ds.defaultAugment : a !== false;
  if (!on) return null;
  const o = typeof a === "object" ? a : {};
  const pad = checkInt("augmentation pad", o.pad ?? 4, 0);
  const flip = o.flip ?? true;
  return pad === 0 && !flip ? null : { pad, flip };
}

/**
 * The training batches of one epoch, from `startBatch` on: full batches of
 * the epoch's permutation (the last partial batch is dropped), augmented
 * per the options. Throws when the dataset holds fewer images than one batch.
 */
export function* trainBatches(ds: Dataset, options: TrainLoaderOptions): Generator<Batch> {
  const bs = checkInt("batch size", options.batchSize, 1);
  const count = trainBatchCount(ds.n, bs);
  if (count === 0) {
    throw new ActlabError(
      `loader: the ${ds.name} ${ds.split} split has ${ds.n} images, fewer than one batch of ${bs}`,
      "lower --batch-size or use more data",
    );
  }
  const start = checkInt("start batch", options.startBatch ?? 0, 0);
  if (start > count) {
    throw new ActlabError(
      `loader: start batch ${start} is past the epoch's ${count} batches`,
      "check --resume state",
    );
  }
  const epoch = checkInt("epoch", options.epoch, 0);
  const order = options.shuffle === false
    ? Int32Array.from({ length: ds.n }, (_, i) => i)
    : epochOrder(
      ds.n,
      options.seed,
      epoch,
    );
  const mode = typeof options.augment === "string" ? options.augment : null;
  const aug = mode ? null : resolveAugment(ds, options.augment as boolean | AugmentOptions);
  const augKey = aug ? Rng.fromSeed(options.seed).fold(TAG_AUG).fold(epoch) : null;
  const [c, h, w] = ds.shape;
  const size = c * h * w;
  for (let b = start; b < count; b++) {
    const x = new Float32Array(bs * size);
    const labels = new Int32Array(bs);
    const indices = order.slice(b * bs, (b + 1) * bs);
    if (mode) {
      for (let r = 0; r < bs; r++) {
        const i = indices[r];
        const img = u8Image(c, h, w, ds.images.subarray(i * size, (i + 1) * size));
        trainSample(mode, img, h, w, ds, sampleKey(options.seed, epoch, i), x, r * size);
        labels[r] = ds.labels[i];
      }
    } else if (aug && augKey) {
      const [kShift, kFlip] = augKey.fold(b).split(2);
      const shifts = kShift.randint(2 * bs, 0, 2 * aug.pad + 1);
      const flips = aug.flip ? kFlip.bernoulli(bs, 0.5) : new Uint8Array(bs);
      for (let r = 0; r < bs; r++) {
        cropFlip(
          ds.images,
          indices[r],
          ds.shape,
          aug.pad,
          shifts[2 * r],
          shifts[2 * r + 1],
          flips[r] === 1,
          x,
          r * size,
        );
        labels[r] = ds.labels[indices[r]];
      }
    } else {
      for (let r = 0; r < bs; r++) {
        copyImage(ds.images, indices[r], size, x, r * size);
        labels[r] = ds.labels[indices[r]];
      }
    }
    yield { x, labels, valid: bs, index: b, indices };
  }
}

/**
 * Evaluation batches covering every image once, in dataset order, without
 * augmentation (with `transform`: the pipeline's deterministic evaluation
 * transform). The last batch is zero-padded to `batchSize`; its `valid`
 * says how many rows count.
 */
export function* evalBatches(ds: Dataset, options: EvalLoaderOptions): Generator<Batch> {
  const bs = checkInt("batch size", options.batchSize, 1);
  const count = evalBatchCount(ds.n, bs);
  const [c, h, w] = ds.shape;
  const size = c * h * w;
  if (
    options.transform !== undefined && options.transform !== "paper" && options.transform !== "weak"
  ) {
    throw new ActlabError(
      `loader: unknown evaluation transform "${options.transform}"`,
      'use "paper" or "weak", or leave it out',
    );
  }
  for (let b = 0; b < count; b++) {
    const first = b * bs;
    const valid = Math.min(bs, ds.n - first);
    const x = new Float32Array(bs * size);
    const labels = new Int32Array(bs);
    const indices = new Int32Array(valid);
    for (let r = 0; r < valid; r++) {
      indices[r] = first + r;
      if (options.transform) {
        const i = first + r;
        evalSample(
          u8Image(c, h, w, ds.images.subarray(i * size, (i + 1) * size)),
          h,
          w,
          x,
          r * size,
        );
      } else copyImage(ds.images, first + r, size, x, r * size);
      labels[r] = ds.labels[first + r];
    }
    yield { x, labels, valid, index: b, indices };
  }
}
