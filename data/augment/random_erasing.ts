/**
 * Random erasing as the DPA/DNRT authors use it: timm's
 * `RandomErasing(probability=0.25, mode='pixel', max_count=1)`
 * (`timm/data/random_erasing.py`; `re_prob=0.25, re_mode='pixel',
 * re_count=1` in horrible-dong/DPA `qtcls/datasets/__init__.py`). With
 * probability p, up to 10 attempts of area ∈ U(0.02, 1/3)·H·W and
 * log-aspect ∈ U(log 0.3, log 1/0.3), h = round(√(area·aspect)),
 * w = round(√(area/aspect)) (Python's round-half-even; note h and w take the
 * aspect the other way round from RandomResizedCrop); the first box with
 * h < H and w < W is placed uniformly (`random.randint(0, H − h)`) and filled
 * with per-pixel N(0, 1) noise.
 *
 * Where it sits: timm erases AFTER `Normalize`, so its noise is N(0, 1) in
 * normalised units. actlab feeds raw pixels in [0, 1] and normalises in the
 * graph ((x − mean_c)/std_c, `tasks/image.ts`), so this op writes
 * mean_c + std_c·z into the raw float image: after the graph's
 * normalisation the erased pixels are exactly the N(0, 1) draws z (up to
 * float32 rounding). That is why erasing runs on the float output, after
 * the 8-bit ops, and needs the dataset's mean/std.
 * @module
 */
import type { Rng } from "../../core/rng.ts";
import type { Draws } from "./draws.ts";
import { pyRound } from "./image.ts";
import type { CropBox } from "./random_resized_crop.ts";

/** Random-erasing settings (defaults: the authors' p 0.25, area 0.02–1/3, aspect 0.3–1/0.3). */
export interface EraseOptions {
  /** Probability of erasing an image (default 0.25). */
  readonly probability?: number;
  /** Smallest erased area fraction (default 0.02). */
  readonly minArea?: number;
  /** Largest erased area fraction (default 1/3). */
  readonly maxArea?: number;
  /** Smallest aspect ratio (default 0.3; the largest is its inverse). */
  readonly minAspect?: number;
}

/**
 * The erase box for an `height`×`width` image given uniform draws `u()`
 * (two per attempt, then two for the position), or null when no attempt
 * fits. The probability draw is the caller's.
 */
export function eraseBox(
  height: number,
  width: number,
  u: () => number,
  o: EraseOptions = {},
): CropBox | null {
  const a0 = o.minArea ?? 0.02, a1 = o.maxArea ?? 1 / 3;
  const l0 = Math.log(o.minAspect ?? 0.3), l1 = Math.log(1 / (o.minAspect ?? 0.3));
  const area = height * width;
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = (a0 + (a1 - a0) * u()) * area;
    const aspect = Math.exp(l0 + (l1 - l0) * u());
    const h = pyRound(Math.sqrt(target * aspect));
    const w = pyRound(Math.sqrt(target / aspect));
    if (w < width && h < height) {
      const top = Math.min(height - h, Math.floor(u() * (height - h + 1)));
      const left = Math.min(width - w, Math.floor(u() * (width - w + 1)));
      return { top, left, height: h, width: w };
    }
  }
  return null;
}

/**
 * Erase one box of the raw float image `x` (CHW at `off`, values in [0, 1])
 * with probability p: pixel (c, y, x) of the box becomes mean_c + std_c·z,
 * z ~ N(0, 1) per pixel, the z drawn in one go from `noise` (its
 * `normal` stream, channel-major over the box). Returns the box, or null when
 * nothing was erased.
 */
export function randomErase(
  x: Float32Array,
  off: number,
  shape: readonly [number, number, number],
  mean: readonly number[],
  std: readonly number[],
  draws: Draws,
  noise: Rng,
  o: EraseOptions = {},
): CropBox | null {
  const p = o.probability ?? 0.25;
  if (draws.random() > p) return null; // timm: `if random.random() > self.probability: return`
  const [c, h, w] = shape;
  const box = eraseBox(h, w, () => draws.random(), o);
  if (!box) return null;
  const z = noise.normal(c * box.height * box.width);
  let k = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let y = box.top; y < box.top + box.height; y++) {
      const row = off + (ch * h + y) * w;
      for (let xx = box.left; xx < box.left + box.width; xx++) {
        x[row + xx] = mean[ch] + std[ch] * z[k++];
      }
    }
  }
  return box;
}
