/**
 * Input-geometry helpers shared by the torchvision CNNs: output sizes of
 * convolutions and pools, channel-width multipliers, and the input check of
 * models that end their features in `adaptiveAvgPool2d` (AlexNet, VGG).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { adaptivePoolAccepts } from "../nn/pooling.ts";

/** Spatial output size of a conv/pool window: `⌊(n + 2p − k)/s⌋ + 1`. */
export function windowOut(n: number, kernel: number, stride = 1, padding = 0): number {
  return Math.floor((n + 2 * padding - kernel) / stride) + 1;
}

/** Channels `c` scaled by the width multiplier `width` (at least 1). */
export function scaled(c: number, width: number): number {
  return Math.max(1, Math.round(c * width));
}

/** Input sizes up to `limit` whose feature map `featureOf(size)` the adaptive pool to `out` accepts, as ranges. */
function acceptedSizes(featureOf: (n: number) => number, out: number, limit = 1024): string {
  const ranges: string[] = [];
  let start = -1;
  for (let n = 1; n <= limit + 1; n++) {
    const ok = n <= limit && featureOf(n) >= 1 && adaptivePoolAccepts(featureOf(n), out);
    if (ok && start < 0) start = n;
    if (!ok && start >= 0) {
      ranges.push(start === n - 1 ? `${start}` : `${start}-${n - 1}`);
      start = -1;
    }
  }
  return ranges.join(", ");
}

/**
 * Check that an `[C, H, W]` input reaches the classifier's adaptive average
 * pool to `out × out` with a map it accepts (equal, or a multiple); otherwise
 * throw an error naming the model, the size and the sizes it accepts.
 */
export function checkAdaptiveInput(
  model: string,
  inputShape: readonly number[],
  featureOf: (n: number) => number,
  out: number,
  cifarLimit: number,
): void {
  const [, h, w] = inputShape;
  const bad = [h, w].some((n) => !(featureOf(n) >= 1 && adaptivePoolAccepts(featureOf(n), out)));
  if (bad) {
    throw new ActlabError(
      `model "${model}": a ${h}x${w} input gives a ${featureOf(h)}x${
        featureOf(w)
      } feature map, which the adaptive average pool to ${out}x${out} does not accept ` +
        `(it takes ${out}x${out} or a multiple of it)`,
      `use an input of at most ${cifarLimit} px (the CIFAR geometry) or a height and width ` +
        `in ${acceptedSizes(featureOf, out)} px (ImageNet geometry: 224 is the reference)`,
    );
  }
}

/**
 * The patch size of a ViT-family model for an `[C, H, W]` input: `patchOption`
 * when > 0, else the `vit_tiny` rule — 4 up to 32 px (the authors'
 * `vit_tiny_patch4_32` CIFAR geometry), 16 above (ImageNet, 224 px). A side
 * the patch does not divide is an error naming the model, the size and the
 * sizes it accepts.
 */
export function patchSizeFor(
  model: string,
  inputShape: readonly number[],
  patchOption: number,
): number {
  const [, h, w] = inputShape;
  const patch = patchOption > 0 ? patchOption : Math.max(h, w) <= 32 ? 4 : 16;
  if (h % patch !== 0 || w % patch !== 0) {
    const accepts = patchOption > 0
      ? `sides that are multiples of ${patch} px (patchSize ${patch})`
      : "sides that are multiples of 4 px up to 32 px (CIFAR geometry, patch 4: 32 is the " +
        "reference) or multiples of 16 px above (ImageNet geometry, patch 16: 224 is the reference)";
    throw new ActlabError(
      `model "${model}": patch size ${patch} does not divide the ${h}x${w} input`,
      `it takes ${accepts}; resize the input or pass patchSize dividing both sides`,
    );
  }
  return patch;
}

/**
 * Check that both sides of an `[C, H, W]` input are multiples of `unit` px
 * (what a model's patch and stride chain tiles exactly); otherwise throw an
 * error naming the model, the size, why (`reason`) and the sizes it accepts.
 */
export function checkTiledInput(
  model: string,
  inputShape: readonly number[],
  unit: number,
  reason: string,
): void {
  const [, h, w] = inputShape;
  if (h % unit === 0 && w % unit === 0 && h > 0 && w > 0) return;
  const examples = [1, 2, 3].map((i) => i * unit);
  const at224 = 224 % unit === 0 ? ", 224" : "";
  throw new ActlabError(
    `model "${model}": a ${h}x${w} input is not tiled by ${reason}`,
    `use a height and width that are multiples of ${unit} px (${
      examples.join(", ")
    }, …${at224}), or change the model's patch options`,
  );
}

/** The two input geometries of the torchvision CNNs with CIFAR adaptations; `auto` picks by size. */
export type Geometry = "imagenet" | "cifar";

/**
 * Resolve a `geometry` model option: `imagenet`, `cifar`, or `auto` (CIFAR
 * for inputs of at most 32 px, ImageNet above), with a clear error otherwise.
 */
export function geometryOption(
  model: string,
  value: unknown,
  inputShape: readonly number[],
): Geometry {
  if (value === "imagenet" || value === "cifar") return value;
  if (value !== "auto") {
    throw new ActlabError(
      `model "${model}" option "geometry" = ${JSON.stringify(value)} is not a geometry`,
      "use imagenet (torchvision's strides), cifar (the CIFAR adaptation) or auto (cifar <= 32 px)",
    );
  }
  return Math.max(inputShape[1], inputShape[2]) <= 32 ? "cifar" : "imagenet";
}

/** The size after `k` stride-2 windows that keep `⌈n/2⌉` (kernel 3, padding 1). */
export function halved(n: number, k: number): number {
  for (let i = 0; i < k; i++) n = Math.ceil(n / 2);
  return n;
}

/**
 * Check that every one of a network's `downsamplings` stride-2 layers (each
 * taking n to ⌈n/2⌉) receives a map of at least 2 px: a stride-2 layer on a
 * 1-px map downsamples nothing, so the input is too small for the
 * geometry. Throws an error naming the model, the size, the geometry and the
 * smallest size it accepts.
 */
export function checkStridedInput(
  model: string,
  inputShape: readonly number[],
  geometry: Geometry,
  downsamplings: number,
): void {
  const min = 2 ** (downsamplings - 1) + 1;
  const [, h, w] = inputShape;
  if (Math.min(h, w) < min) {
    throw new ActlabError(
      `model "${model}": a ${h}x${w} input is too small for the ${geometry} geometry, whose ` +
        `${downsamplings} stride-2 layers need at least ${min}x${min} px (the last one would ` +
        `see a 1-px map)`,
      geometry === "imagenet"
        ? `use inputs of at least ${min} px (224 is the reference), or geometry: "cifar" for small images`
        : `use inputs of at least ${min} px (32 is the reference)`,
    );
  }
}
