/**
 * RandomResizedCrop as the DPA/DNRT authors use it: timm's
 * `RandomResizedCropAndInterpolation(size, scale=(0.08, 1), ratio=(3/4, 4/3),
 * interpolation='random')` (`timm/data/transforms.py`; configured in
 * horrible-dong/DPA `qtcls/datasets/__init__.py`, `_build_timm_aug_kwargs`),
 * whose box search is torchvision's `RandomResizedCrop.get_params`:
 * up to 10 attempts of area ∈ U(scale)·H·W and log-aspect ∈ U(log ratio),
 * w = round(√(area·aspect)), h = round(√(area/aspect)) (Python's
 * round-half-even); the first box that fits (0 < w ≤ W, 0 < h ≤ H) is placed
 * uniformly; otherwise the centre crop of the largest box within `ratio`.
 * (timm's own `get_params` tests w ≤ W and h ≤ H without torchvision's
 * 0 < guard; the two differ only when a box rounds to 0 px, i.e. on images
 * of a few pixels.) The box is then cropped and resized to the output size with bilinear or
 * bicubic, chosen uniformly per image (`random.choice` of timm's
 * `_RANDOM_INTERPOLATION`), with PIL's resampling (`resample.ts`).
 * @module
 */
import type { Draws } from "./draws.ts";
import { cropImage, pyRound, type U8Image } from "./image.ts";
import { type Interpolation, resize } from "./resample.ts";

/** A crop box in pixels. */
export interface CropBox {
  /** First row. */
  readonly top: number;
  /** First column. */
  readonly left: number;
  /** Rows. */
  readonly height: number;
  /** Columns. */
  readonly width: number;
}

/** RandomResizedCrop settings (defaults: the authors' scale 0.08–1, ratio 3/4–4/3). */
export interface RrcOptions {
  /** Area fraction range (default [0.08, 1]). */
  readonly scale?: readonly [number, number];
  /** Aspect ratio w/h range (default [3/4, 4/3]). */
  readonly ratio?: readonly [number, number];
}

/**
 * The box for an `height`×`width` image, drawing from `u()` (uniform in
 * [0, 1)): two draws per attempt, then two for the position of a box that
 * fits. Pure given the draws.
 */
export function rrcBox(
  height: number,
  width: number,
  u: () => number,
  o: RrcOptions = {},
): CropBox {
  const [s0, s1] = o.scale ?? [0.08, 1];
  const [r0, r1] = o.ratio ?? [3 / 4, 4 / 3];
  const area = height * width;
  const l0 = Math.log(r0), l1 = Math.log(r1);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = (s0 + (s1 - s0) * u()) * area;
    const aspect = Math.exp(l0 + (l1 - l0) * u());
    const w = pyRound(Math.sqrt(target * aspect));
    const h = pyRound(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = Math.min(height - h, Math.floor(u() * (height - h + 1)));
      const left = Math.min(width - w, Math.floor(u() * (width - w + 1)));
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width, h = height;
  if (inRatio < Math.min(r0, r1)) h = pyRound(w / Math.min(r0, r1));
  else if (inRatio > Math.max(r0, r1)) w = pyRound(h * Math.max(r0, r1));
  return {
    top: Math.floor((height - h) / 2),
    left: Math.floor((width - w) / 2),
    height: h,
    width: w,
  };
}

/** Crop `box` and resize it to `outH`×`outW` (torchvision's `F.resized_crop` on a PIL image). */
export function resizedCrop(
  img: U8Image,
  box: CropBox,
  outH: number,
  outW: number,
  interp: Interpolation,
): U8Image {
  return resize(cropImage(img, box.top, box.left, box.height, box.width), outH, outW, interp);
}

/** One RandomResizedCrop with random interpolation, from `draws`. */
export function randomResizedCrop(
  img: U8Image,
  outH: number,
  outW: number,
  draws: Draws,
  o: RrcOptions = {},
): { image: U8Image; box: CropBox; interp: Interpolation } {
  const box = rrcBox(img.h, img.w, () => draws.random(), o);
  const interp: Interpolation = draws.random() < 0.5 ? "bilinear" : "bicubic";
  return { image: resizedCrop(img, box, outH, outW, interp), box, interp };
}
