/**
 * `alexnet`: AlexNet as torchvision 0.14 builds it (the one-GPU variant of
 * Krizhevsky 2014, "One weird trick…", without local response norm).
 *
 * **ImageNet geometry** (inputs above 32 px; 224 px is the reference):
 * `Conv(64, 11, s4, p2) → act → MaxPool(3, s2) → Conv(192, 5, p2) → act →
 * MaxPool(3, s2) → Conv(384, 3) → act → Conv(256, 3) → act → Conv(256, 3) →
 * act → MaxPool(3, s2)`, `AdaptiveAvgPool2d(6)`, classifier `Dropout →
 * Linear(9216, 4096) → act → Dropout → Linear(4096, 4096) → act →
 * Linear(4096, n)`. 61,100,840 parameters at 1000 classes (torchvision's).
 * The adaptive pool is the identity at 224 px (a 6×6 map) and an exact
 * average pool where the map is a multiple of 6; other sizes are an error
 * naming the sizes accepted.
 *
 * **CIFAR geometry** (inputs up to 32 px; 29–32 px reach a 1×1 map): the
 * widely used adaptation of bearpaw/pytorch-classification
 * (`models/cifar/alexnet.py`): `Conv(64, 11, s4, p5) → act → MaxPool(2) →
 * Conv(192, 5, p2) → act → MaxPool(2) → Conv(384, 3) → act → Conv(256, 3) →
 * act → Conv(256, 3) → act → MaxPool(2)`, then `Linear(256, n)`: no hidden
 * linears and no dropout (the `dropout` option has no effect here).
 * 2,472,266 parameters at 10 classes.
 *
 * Init as torchvision (and bearpaw): PyTorch's defaults, U(±1/√fan_in) for
 * conv and linear weights and biases.
 *
 * Options: `dropout` (torchvision's 0.5; 0 disables), `width` (multiplies
 * every conv and hidden-linear width; tiny test models use e.g. 1/16).
 *
 * Activation sites: after every convolution, `nchw`/`avg` (pooled by spatial
 * mean), and after each hidden linear (ImageNet geometry), `features`.
 * Response sites: the output of each of the three max-pools.
 * @module
 */
import { maxPool2d } from "../core/ops.ts";
import type { Tensor } from "../core/graph.ts";
import { ActlabError } from "../core/errors.ts";
import type { BuildContext } from "../plugin/context.ts";
import { conv2d } from "../nn/conv2d.ts";
import { dropout } from "../nn/dropout.ts";
import { linear } from "../nn/linear.ts";
import { adaptiveAvgPool2d, flatten } from "../nn/pooling.ts";
import { applyActivation, featureMapSite, featureSite, observeResponse } from "../nn/sites.ts";
import { checkAdaptiveInput, scaled, windowOut } from "./geometry.ts";
import { type ModelDefinition, type ModelSites, numberOption } from "./registry.ts";

/** One conv layer: output channels, kernel, stride, padding; `pool` after it. */
interface ConvSpec {
  readonly c: number;
  readonly k: number;
  readonly s: number;
  readonly p: number;
  readonly pool: boolean;
}

function features(cifar: boolean): ConvSpec[] {
  return [
    { c: 64, k: 11, s: 4, p: cifar ? 5 : 2, pool: true },
    { c: 192, k: 5, s: 1, p: 2, pool: true },
    { c: 384, k: 3, s: 1, p: 1, pool: false },
    { c: 256, k: 3, s: 1, p: 1, pool: false },
    { c: 256, k: 3, s: 1, p: 1, pool: true },
  ];
}

/** torchvision: MaxPool(3, s2); bearpaw's CIFAR variant: MaxPool(2, s2). */
function poolKernel(cifar: boolean): number {
  return cifar ? 2 : 3;
}

/** Side of the feature map an `n`-px side reaches. */
function featureSize(n: number, cifar: boolean): number {
  for (const l of features(cifar)) {
    n = windowOut(n, l.k, l.s, l.p);
    if (l.pool) n = windowOut(n, poolKernel(cifar), 2);
  }
  return n;
}

function trunk(
  ctx: BuildContext,
  x: Tensor,
  cifar: boolean,
  width: number,
  sites: ModelSites,
): Tensor {
  let h = x;
  features(cifar).forEach((l, i) => {
    const layer = ctx.scope(`features.${i}`);
    const c = scaled(l.c, width);
    h = conv2d(layer.scope("conv"), h, c, {
      kernel: l.k,
      stride: l.s,
      padding: l.p,
      bias: true,
      init: "torch",
    });
    h = applyActivation(layer.scope("act"), sites.activation, featureMapSite(c), h);
    if (l.pool) {
      h = maxPool2d(h, { kernel: poolKernel(cifar), stride: 2 });
      observeResponse(layer.scope("response"), sites.regulariser, featureMapSite(c), h);
    }
  });
  return h;
}

/** The `alexnet` model definition. */
export const alexnetModel: ModelDefinition = {
  name: "alexnet",
  description: "AlexNet (torchvision); bearpaw's CIFAR variant (linear head) for inputs <= 32 px",
  defaults: { dropout: 0.5, width: 1 },
  create(config, sites) {
    const rate = numberOption(config, "alexnet", "dropout", { min: 0, max: 1, maxExclusive: true });
    const width = numberOption(config, "alexnet", "width", { min: 1 / 64, max: 4 });
    const [, h0, w0] = config.inputShape;
    const cifar = Math.max(h0, w0) <= 32;
    if (cifar && Math.min(featureSize(h0, true), featureSize(w0, true)) < 1) {
      throw new ActlabError(
        `model "alexnet": the CIFAR geometry shrinks a ${h0}x${w0} input below 1 pixel`,
        "use 29 to 32 px inputs (CIFAR's 32x32), or an ImageNet-size input (e.g. 224x224)",
      );
    }
    if (!cifar) {
      checkAdaptiveInput(
        "alexnet",
        config.inputShape,
        (n) => featureSize(n, false),
        6,
        32,
      );
    }
    const hidden = scaled(4096, width);
    return (ctx, x) => {
      let h = trunk(ctx, x, cifar, width, sites);
      if (cifar) return linear(ctx.scope("classifier"), flatten(h), config.numClasses);
      h = flatten(adaptiveAvgPool2d(h, [6, 6]));
      const site = featureSite(hidden);
      for (const i of [0, 1]) {
        const block = ctx.scope(`classifier.${i}`);
        h = dropout(block.scope("drop"), h, rate);
        h = linear(block.scope("fc"), h, hidden);
        h = applyActivation(block.scope("act"), sites.activation, site, h);
      }
      return linear(ctx.scope("classifier.2"), h, config.numClasses);
    };
  },
};
