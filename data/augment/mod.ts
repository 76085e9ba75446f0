/**
 * The DPA/DNRT authors' augmentation (timm's `create_transform` as they
 * configure it), ported op by op with Pillow's arithmetic: RandomResizedCrop
 * with random interpolation, flip, RandAugment `rand-m9-mstd0.5-inc1`,
 * random erasing, the eval resize + centre crop, and the `weak` mode. Every
 * function works on one decoded 8-bit CHW image (`U8Image`).
 * @module
 */
export {
  type AffineData,
  affineTransform,
  rotate,
  shearX,
  shearY,
  translateXRel,
  translateYRel,
} from "./affine.ts";
export {
  autoContrast,
  blend,
  brightness,
  color,
  contrast,
  equalize,
  invert,
  posterize,
  sharpness,
  smooth,
  solarize,
  solarizeAdd,
} from "./color_ops.ts";
export { Draws } from "./draws.ts";
export { centerCrop, CROP_PCT, evalTransform, resizeShorter } from "./eval_transform.ts";
export {
  applyLut,
  cropImage,
  filledImage,
  hflip,
  pyRound,
  toGrey,
  type U8Image,
  u8Image,
} from "./image.ts";
export {
  AUGMENT_MODES,
  type AugmentMode,
  evalSample,
  type Normalisation,
  paperTrainSample,
  sampleKey,
  toUnit,
  trainSample,
  weakTrainSample,
} from "./pipeline.ts";
export {
  applyRandOp,
  drawRandAugment,
  fillColour,
  levelArg,
  PAPER_RAND_AUGMENT,
  parseRandAugment,
  RAND_INCREASING_TRANSFORMS,
  RAND_TRANSFORMS,
  randAugment,
  type RandAugmentConfig,
  type RandOpCall,
  type RandOpName,
} from "./rand_augment.ts";
export { eraseBox, type EraseOptions, randomErase } from "./random_erasing.ts";
export {
  type CropBox,
  randomResizedCrop,
  resizedCrop,
  rrcBox,
  type RrcOptions,
} from "./random_resized_crop.ts";
export { type Interpolation, INTERPOLATIONS, resize } from "./resample.ts";
