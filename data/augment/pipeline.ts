/**
 * The augmentation pipelines on one decoded sample, and their keys.
 *
 * `paper` — the DPA/DNRT authors' training transform (horrible-dong/DPA
 * `qtcls/datasets/__init__.py`, `_build_timm_aug_kwargs` → timm
 * `create_transform` → `transforms_imagenet_train`):
 * RandomResizedCrop(scale 0.08–1, ratio 3/4–4/3, random bilinear/bicubic)
 * → horizontal flip p 0.5 → RandAugment `rand-m9-mstd0.5-inc1` → to [0, 1]
 * → (Normalize, in actlab's graph) → RandomErasing(p 0.25, pixel mode),
 * written in raw units so that it is N(0, 1) after the graph's
 * normalisation (see `random_erasing.ts`). `color_jitter=0.4` in their
 * kwargs is inert: timm skips colour jitter when auto_augment is set.
 * Evaluation: resize to floor(size/0.875) bilinear + centre crop
 * (`eval_transform.ts`).
 *
 * `weak` — flip p 0.5 + normalisation only (the "weak augmentation"
 * setting of the papers' figures). Its evaluation transform is the paper's
 * (an assumption: the authors change only the training kwargs, so paper and
 * weak arms differ in training augmentation alone).
 *
 * Determinism: every draw of a sample comes from
 * `sampleKey(seed, epoch, index)` (index = the sample's index in its
 * dataset split), split into one key per stage (crop, flip, RandAugment,
 * erasing). So a sample's pixels do not depend on batch size, batch
 * position, worker count or resume point, and paired arms (same seed) see
 * the same pixels.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { Rng } from "../../core/rng.ts";
import { Draws } from "./draws.ts";
import { evalTransform } from "./eval_transform.ts";
import { hflip, type U8Image } from "./image.ts";
import { fillColour, PAPER_RAND_AUGMENT, randAugment } from "./rand_augment.ts";
import { randomErase } from "./random_erasing.ts";
import { randomResizedCrop } from "./random_resized_crop.ts";

/** The named pipelines: `paper` (the authors' recipe) and `weak` (flip only). */
export type AugmentMode = "paper" | "weak";

/** Every pipeline name. */
export const AUGMENT_MODES: readonly AugmentMode[] = ["paper", "weak"];

/** Per-channel normalisation (0–1 scale) the graph applies; erasing and the fill colour need it. */
export interface Normalisation {
  /** Per-channel mean. */
  readonly mean: readonly number[];
  /** Per-channel standard deviation. */
  readonly std: readonly number[];
}

/** Domain tag of the pipelines' keys ("augp"), apart from the loader's other uses of the seed. */
const TAG_PIPELINE = 0x61756770;

/** The key of sample `index` in epoch `epoch` under `seed`. */
export function sampleKey(seed: number, epoch: number, index: number): Rng {
  return Rng.fromSeed(seed).fold(TAG_PIPELINE).fold(epoch).fold(index);
}

/** u8 → f32 in [0, 1] (the loader's table: v/255 rounded once). */
const TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** Write `img` as f32 in [0, 1] into `dst` at `off`. */
export function toUnit(img: U8Image, dst: Float32Array, off: number): void {
  const d = img.data;
  for (let p = 0; p < d.length; p++) dst[off + p] = TO_UNIT[d[p]];
}

function checkOut(img: U8Image, outH: number, outW: number, norm: Normalisation): void {
  if (norm.mean.length !== img.c || norm.std.length !== img.c) {
    throw new ActlabError(
      `augment: ${norm.mean.length} means / ${norm.std.length} stds for a ${img.c}-channel image`,
      "give one mean and one std per channel",
    );
  }
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH >= 1 && outW >= 1)) {
    throw new ActlabError(`augment: bad output size ${outH}×${outW}`, "pass integer sizes ≥ 1");
  }
}

/**
 * The authors' training transform of one image into `dst` at `off`
 * (c·outH·outW floats, raw scale; erased pixels may leave [0, 1]).
 */
export function paperTrainSample(
  img: U8Image,
  outH: number,
  outW: number,
  norm: Normalisation,
  key: Rng,
  dst: Float32Array,
  off: number,
): void {
  checkOut(img, outH, outW, norm);
  const [kCrop, kFlip, kRand, kErase] = key.split(4);
  let x = randomResizedCrop(img, outH, outW, new Draws(kCrop)).image;
  if (new Draws(kFlip).random() < 0.5) x = hflip(x);
  x = randAugment(x, PAPER_RAND_AUGMENT, fillColour(norm.mean), new Draws(kRand));
  toUnit(x, dst, off);
  randomErase(dst, off, [x.c, outH, outW], norm.mean, norm.std, new Draws(kErase), kErase.fold(1));
}

/** The weak training transform (flip p 0.5) of one image into `dst` at `off`; sizes are kept. */
export function weakTrainSample(img: U8Image, key: Rng, dst: Float32Array, off: number): void {
  const [, kFlip] = key.split(2);
  toUnit(new Draws(kFlip).random() < 0.5 ? hflip(img) : img, dst, off);
}

/** The evaluation transform (resize to size/0.875 bilinear + centre crop) into `dst` at `off`. */
export function evalSample(
  img: U8Image,
  outH: number,
  outW: number,
  dst: Float32Array,
  off: number,
): void {
  if (outH !== outW) {
    throw new ActlabError(
      `augment: the eval transform makes square images, asked for ${outH}×${outW}`,
      "use a square input size",
    );
  }
  toUnit(evalTransform(img, outH, "bilinear"), dst, off);
}

/** One training sample under `mode`, into `dst` at `off`. */
export function trainSample(
  mode: AugmentMode,
  img: U8Image,
  outH: number,
  outW: number,
  norm: Normalisation,
  key: Rng,
  dst: Float32Array,
  off: number,
): void {
  if (mode === "paper") return paperTrainSample(img, outH, outW, norm, key, dst, off);
  if (mode === "weak") {
    if (img.h !== outH || img.w !== outW) {
      throw new ActlabError(
        `augment: weak augmentation keeps the size, but the ${img.h}×${img.w} image must become ${outH}×${outW}`,
        "resize the images to the input size first, or use --augment paper",
      );
    }
    return weakTrainSample(img, key, dst, off);
  }
  throw new ActlabError(
    `augment: unknown mode "${mode}"`,
    `use one of: ${AUGMENT_MODES.join(", ")}`,
  );
}
