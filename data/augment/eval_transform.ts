/**
 * The authors' evaluation transform: timm's `transforms_imagenet_eval`
 * (`timm/data/transforms_factory.py`) with `crop_pct=0.875,
 * interpolation='bilinear'` (horrible-dong/DPA `qtcls/datasets/__init__.py`,
 * `eval_aug_kwargs`): torchvision `Resize(floor(size / crop_pct))` — the
 * shorter side to that length, the longer to int(length·long/short) — then
 * `CenterCrop(size)` with top = round((H − size)/2) (Python's round).
 * For a 32-px CIFAR image this is 32 → 36 → centre 32, as the authors ran it.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { cropImage, pyRound, type U8Image } from "./image.ts";
import { type Interpolation, resize } from "./resample.ts";

/** The authors' crop fraction (`crop_pct`). */
export const CROP_PCT = 0.875;

/** torchvision's `Resize(size)` with an int: the shorter side to `size`, aspect kept. */
export function resizeShorter(img: U8Image, size: number, interp: Interpolation): U8Image {
  const { h, w } = img;
  const short = Math.min(h, w), long = Math.max(h, w);
  if (short === size) return img;
  const newLong = Math.trunc((size * long) / short);
  return h <= w ? resize(img, size, newLong, interp) : resize(img, newLong, size, interp);
}

/** torchvision's `CenterCrop(size)` for an image at least `size` on both sides. */
export function centerCrop(img: U8Image, outH: number, outW: number): U8Image {
  if (outH > img.h || outW > img.w) {
    throw new ActlabError(
      `augment: centre crop ${outH}×${outW} is larger than the ${img.h}×${img.w} image`,
      "resize first (evalTransform does)",
    );
  }
  const top = pyRound((img.h - outH) / 2), left = pyRound((img.w - outW) / 2);
  return cropImage(img, top, left, outH, outW);
}

/** Resize the shorter side to floor(size / cropPct), then centre-crop size×size. */
export function evalTransform(
  img: U8Image,
  size: number,
  interp: Interpolation = "bilinear",
  cropPct: number = CROP_PCT,
): U8Image {
  if (!(cropPct > 0 && cropPct <= 1)) {
    throw new ActlabError(`augment: crop_pct must be in (0, 1], got ${cropPct}`, "e.g. 0.875");
  }
  return centerCrop(resizeShorter(img, Math.floor(size / cropPct), interp), size, size);
}
