/**
 * RandAugment as the DPA/DNRT authors configure it: timm's
 * `rand_augment_transform('rand-m9-mstd0.5-inc1', hparams)`
 * (`timm/data/auto_augment.py`; `auto_augment='rand-m9-mstd0.5-inc1'`,
 * `interpolation='random'` in horrible-dong/DPA `qtcls/datasets/__init__.py`).
 *
 * - Ops: `_RAND_INCREASING_TRANSFORMS` (inc1) — AutoContrast, Equalize,
 *   Invert, Rotate, PosterizeIncreasing, SolarizeIncreasing, SolarizeAdd,
 *   Color/Contrast/Brightness/SharpnessIncreasing, ShearX, ShearY,
 *   TranslateXRel, TranslateYRel; `inc0` gives the plain set.
 * - Per image: 2 ops drawn uniformly WITH replacement (`np.random.choice`,
 *   `replace=True` without weights); each applies with probability 0.5
 *   (`AugmentOp(prob=0.5)`: skipped when random() > 0.5).
 * - Magnitude per applied op: gauss(9, 0.5) clipped to [0, 10].
 * - Level → argument (m = magnitude / 10): Rotate ±30m°; Shear ±0.3m;
 *   TranslateRel ±0.45m of the side; Posterize(inc) 4 − int(4m) bits;
 *   Solarize(inc) threshold 256 − int(256m); SolarizeAdd int(110m); enhance
 *   (inc) max(0.1, 1 ± 0.9m); plain: Posterize int(4m), Solarize int(256m),
 *   enhance 1.8m + 0.1. "±" is `_randomly_negate` (negate when random() > 0.5).
 * - Geometric ops draw bilinear or bicubic per call (timm's
 *   `_RANDOM_INTERPOLATION`, since `interpolation='random'` sets no
 *   `hparams['interpolation']`) and fill with `img_mean` =
 *   min(255, round(255·mean_c)) of the dataset's normalisation mean.
 *
 * Draw order within one op: apply?, magnitude, sign, interpolation — not
 * Python's, since actlab draws from its own keyed RNG; only the
 * distributions are timm's.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { rotate, shearX, shearY, translateXRel, translateYRel } from "./affine.ts";
import {
  autoContrast,
  brightness,
  color,
  contrast,
  equalize,
  invert,
  posterize,
  sharpness,
  solarize,
  solarizeAdd,
} from "./color_ops.ts";
import type { Draws } from "./draws.ts";
import { pyRound, type U8Image } from "./image.ts";
import type { Interpolation } from "./resample.ts";

/** timm's RandAugment op names. */
export type RandOpName =
  | "AutoContrast"
  | "Equalize"
  | "Invert"
  | "Rotate"
  | "Posterize"
  | "PosterizeIncreasing"
  | "Solarize"
  | "SolarizeIncreasing"
  | "SolarizeAdd"
  | "Color"
  | "ColorIncreasing"
  | "Contrast"
  | "ContrastIncreasing"
  | "Brightness"
  | "BrightnessIncreasing"
  | "Sharpness"
  | "SharpnessIncreasing"
  | "ShearX"
  | "ShearY"
  | "TranslateXRel"
  | "TranslateYRel";

/** timm's `_RAND_TRANSFORMS` (inc0). */
export const RAND_TRANSFORMS: readonly RandOpName[] = [
  "AutoContrast",
  "Equalize",
  "Invert",
  "Rotate",
  "Posterize",
  "Solarize",
  "SolarizeAdd",
  "Color",
  "Contrast",
  "Brightness",
  "Sharpness",
  "ShearX",
  "ShearY",
  "TranslateXRel",
  "TranslateYRel",
];

/** timm's `_RAND_INCREASING_TRANSFORMS` (inc1, the authors' set). */
export const RAND_INCREASING_TRANSFORMS: readonly RandOpName[] = [
  "AutoContrast",
  "Equalize",
  "Invert",
  "Rotate",
  "PosterizeIncreasing",
  "SolarizeIncreasing",
  "SolarizeAdd",
  "ColorIncreasing",
  "ContrastIncreasing",
  "BrightnessIncreasing",
  "SharpnessIncreasing",
  "ShearX",
  "ShearY",
  "TranslateXRel",
  "TranslateYRel",
];

/** A parsed RandAugment config string. */
export interface RandAugmentConfig {
  /** Magnitude on timm's 0–10 scale. */
  readonly magnitude: number;
  /** Std of the per-op magnitude noise (0 = fixed). */
  readonly magnitudeStd: number;
  /** Ops applied per image. */
  readonly numLayers: number;
  /** The op set. */
  readonly ops: readonly RandOpName[];
}

/** Parse timm's `rand-m9-mstd0.5-inc1` form (sections m, n, mstd, inc; `w` and `mmax` are refused). */
export function parseRandAugment(spec: string): RandAugmentConfig {
  const parts = spec.split("-");
  const bad = (why: string): never => {
    throw new ActlabError(
      `augment: bad RandAugment spec "${spec}": ${why}`,
      'use timm\'s form, e.g. "rand-m9-mstd0.5-inc1"',
    );
  };
  if (parts[0] !== "rand") bad('it must start with "rand"');
  let magnitude = 10, magnitudeStd = 0, numLayers = 2, inc = false;
  for (const p of parts.slice(1)) {
    const m = /^([a-z]+)(\d.*)$/.exec(p);
    if (!m) bad(`section "${p}" has no value`);
    const [, key, val] = m!;
    const num = Number(val);
    if (!Number.isFinite(num)) bad(`section "${p}" is not a number`);
    if (key === "m") magnitude = Math.trunc(num);
    else if (key === "n") numLayers = Math.trunc(num);
    else if (key === "mstd") magnitudeStd = num;
    else if (key === "inc") inc = val !== "0" && val !== "";
    else bad(`section "${key}" is not supported`);
  }
  return {
    magnitude,
    magnitudeStd,
    numLayers,
    ops: inc ? RAND_INCREASING_TRANSFORMS : RAND_TRANSFORMS,
  };
}

/** The authors' RandAugment. */
export const PAPER_RAND_AUGMENT: RandAugmentConfig = parseRandAugment("rand-m9-mstd0.5-inc1");

/** One op with its drawn parameters: the deterministic part golden tests compare. */
export interface RandOpCall {
  /** Op name. */
  readonly op: RandOpName;
  /** Magnitude after noise and clipping, in [0, 10]. */
  readonly magnitude: number;
  /** Whether `_randomly_negate` negated the level (ops that have a sign). */
  readonly negate: boolean;
  /** Resampling filter of geometric ops. */
  readonly interp: Interpolation;
}

const SIGNED = new Set<RandOpName>([
  "Rotate",
  "ShearX",
  "ShearY",
  "TranslateXRel",
  "TranslateYRel",
  "ColorIncreasing",
  "ContrastIncreasing",
  "BrightnessIncreasing",
  "SharpnessIncreasing",
]);

/** The op argument timm's `LEVEL_TO_ARG` gives for `call` (null for ops without one). */
export function levelArg(call: RandOpCall): number | null {
  const m = call.magnitude / 10;
  const sign = call.negate ? -1 : 1;
  switch (call.op) {
    case "AutoContrast":
    case "Equalize":
    case "Invert":
      return null;
    case "Rotate":
      return sign * m * 30;
    case "Posterize":
      return Math.trunc(m * 4);
    case "PosterizeIncreasing":
      return 4 - Math.trunc(m * 4);
    case "Solarize":
      return Math.trunc(m * 256);
    case "SolarizeIncreasing":
      return 256 - Math.trunc(m * 256);
    case "SolarizeAdd":
      return Math.trunc(m * 110);
    case "Color":
    case "Contrast":
    case "Brightness":
    case "Sharpness":
      return m * 1.8 + 0.1;
    case "ColorIncreasing":
    case "ContrastIncreasing":
    case "BrightnessIncreasing":
    case "SharpnessIncreasing":
      return Math.max(0.1, 1 + sign * m * 0.9);
    case "ShearX":
    case "ShearY":
      return sign * m * 0.3;
    case "TranslateXRel":
    case "TranslateYRel":
      return sign * m * 0.45;
  }
}

/** timm's fill colour `img_mean`: min(255, round(255·mean_c)) per channel. */
export function fillColour(mean: readonly number[]): number[] {
  return mean.map((m) => Math.min(255, pyRound(255 * m)));
}

/** Apply one op with its drawn parameters. */
export function applyRandOp(img: U8Image, call: RandOpCall, fill: readonly number[]): U8Image {
  const v = levelArg(call) as number;
  switch (call.op) {
    case "AutoContrast":
      return autoContrast(img);
    case "Equalize":
      return equalize(img);
    case "Invert":
      return invert(img);
    case "Rotate":
      return rotate(img, v, call.interp, fill);
    case "Posterize":
    case "PosterizeIncreasing":
      return posterize(img, v);
    case "Solarize":
    case "SolarizeIncreasing":
      return solarize(img, v);
    case "SolarizeAdd":
      return solarizeAdd(img, v);
    case "Color":
    case "ColorIncreasing":
      return color(img, v);
    case "Contrast":
    case "ContrastIncreasing":
      return contrast(img, v);
    case "Brightness":
    case "BrightnessIncreasing":
      return brightness(img, v);
    case "Sharpness":
    case "SharpnessIncreasing":
      return sharpness(img, v);
    case "ShearX":
      return shearX(img, v, call.interp, fill);
    case "ShearY":
      return shearY(img, v, call.interp, fill);
    case "TranslateXRel":
      return translateXRel(img, v, call.interp, fill);
    case "TranslateYRel":
      return translateYRel(img, v, call.interp, fill);
  }
}

/** Draw the ops one image gets (skipped ops omitted), in application order. */
export function drawRandAugment(cfg: RandAugmentConfig, draws: Draws): RandOpCall[] {
  const calls: RandOpCall[] = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    const op = cfg.ops[draws.randint(0, cfg.ops.length - 1)];
    const apply = !(draws.random() > 0.5);
    const noisy = cfg.magnitudeStd > 0
      ? draws.gauss(cfg.magnitude, cfg.magnitudeStd)
      : cfg.magnitude;
    const magnitude = Math.max(0, Math.min(noisy, 10));
    const negate = SIGNED.has(op) ? draws.random() > 0.5 : false;
    const interp: Interpolation = draws.random() < 0.5 ? "bilinear" : "bicubic";
    if (apply) calls.push({ op, magnitude, negate, interp });
  }
  return calls;
}

/** RandAugment one image: draw the ops, apply them in order. */
export function randAugment(
  img: U8Image,
  cfg: RandAugmentConfig,
  fill: readonly number[],
  draws: Draws,
): U8Image {
  let out = img;
  for (const call of drawRandAugment(cfg, draws)) out = applyRandOp(out, call, fill);
  return out;
}
