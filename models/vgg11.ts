/**
 * `vgg11` and `vgg11_bn`: VGG-11 (configuration "A", Simonyan & Zisserman
 * 2015) as torchvision 0.14 builds it, without and with BatchNorm after each
 * convolution.
 *
 * **ImageNet geometry** (inputs above 32 px; 224 px is the reference):
 * conv3×3 blocks `[64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M]`,
 * `AdaptiveAvgPool2d(7)`, classifier `Linear(25088, 4096) → act → Dropout →
 * Linear(4096, 4096) → act → Dropout → Linear(4096, n)`. Parameters at 1000
 * classes: `vgg11` 132,863,336, `vgg11_bn` 132,868,840 (torchvision's). The
 * adaptive pool is the identity at 224 px and an exact average pool where the
 * 1/32 feature map is a multiple of 7 (e.g. 448 px); other sizes are an
 * error naming the sizes accepted.
 *
 * **CIFAR geometry** (inputs up to 32 px; they must be 32×32, five max-pools
 * take them to 1×1): the widely used adaptation of Fu's
 * pytorch-vgg-cifar10 (github.com/chengyangfu/pytorch-vgg-cifar10,
 * `vgg.py`): the same features, no adaptive pool, classifier `Dropout →
 * Linear(512, 512) → act → Dropout → Linear(512, 512) → act → Linear(512,
 * n)`. Parameters at 10 classes: `vgg11` 9,750,922, `vgg11_bn` 9,756,426.
 *
 * Init as torchvision: convs Kaiming normal (fan_out) with zero bias, BN
 * ones/zeros; ImageNet linears N(0, 0.01) with zero bias; the CIFAR
 * classifier keeps PyTorch's `nn.Linear` default (as Fu's code).
 *
 * Options: `dropout` (torchvision's 0.5; 0 disables), `width` (multiplies
 * every conv and hidden-linear width; tiny test models use e.g. 1/32),
 * `convBias` (torchvision's true; before a BN the bias has an exactly-zero
 * gradient, whose rounding noise AdamW turns into ±lr steps, so backend
 * parity tests of `vgg11_bn` turn it off).
 *
 * Activation sites: after every convolution (after its BN in `vgg11_bn`),
 * `nchw`/`avg` (pooled by spatial mean), and after each hidden linear,
 * `features`. Response sites: the output of each of the five max-pools.
 * @module
 */
import { maxPool2d } from "../core/ops.ts";
import { ActlabError } from "../core/errors.ts";
import { batchNorm2d } from "../nn/batch_norm.ts";
import { conv2d } from "../nn/conv2d.ts";
import { dropout } from "../nn/dropout.ts";
import { normalInit, zerosInit } from "../nn/init.ts";
import { linear } from "../nn/linear.ts";
import { adaptiveAvgPool2d, flatten } from "../nn/pooling.ts";
import { applyActivation, featureMapSite, featureSite, observeResponse } from "../nn/sites.ts";
import { checkAdaptiveInput, scaled } from "./geometry.ts";
import { type ModelDefinition, numberOption } from "./registry.ts";

/** torchvision `cfgs["A"]`: conv widths, `0` for a 2×2 max-pool. */
const CONFIG_A = [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0];
const POOLS = 5;

function vgg11Definition(name: "vgg11" | "vgg11_bn", batchNorm: boolean): ModelDefinition {
  return {
    name,
    description: `VGG-11${
      batchNorm ? " with BatchNorm" : ""
    } (torchvision); CIFAR classifier (512-512) for 32 px inputs`,
    defaults: { dropout: 0.5, width: 1, convBias: true },
    create(config, sites) {
      const rate = numberOption(config, name, "dropout", { min: 0, max: 1, maxExclusive: true });
      const width = numberOption(config, name, "width", { min: 1 / 64, max: 4 });
      const convBias = config.options.convBias as boolean;
      const [, h0, w0] = config.inputShape;
      const cifar = Math.max(h0, w0) <= 32;
      if (cifar && (h0 !== 32 || w0 !== 32)) {
        throw new ActlabError(
          `model "${name}": the CIFAR geometry takes 32x32 inputs (five 2x2 max-pools to 1x1), got ${h0}x${w0}`,
          "resize or pad the images to 32x32, or use an ImageNet-size input (e.g. 224x224)",
        );
      }
      if (!cifar) checkAdaptiveInput(name, config.inputShape, (n) => n >> POOLS, 7, 32);
      const hidden = scaled(cifar ? 512 : 4096, width);
      const fc = cifar ? {} : { weightInit: normalInit(0.01), biasInit: zerosInit() };
      return (ctx, x) => {
        let h = x;
        CONFIG_A.forEach((c, i) => {
          const layer = ctx.scope(`features.${i}`);
          if (c === 0) {
            h = maxPool2d(h, { kernel: 2, stride: 2 });
            observeResponse(
              layer.scope("response"),
              sites.regulariser,
              featureMapSite(h.shape[1]),
              h,
            );
            return;
          }
          const out = scaled(c, width);
          h = conv2d(layer.scope("conv"), h, out, {
            kernel: 3,
            padding: 1,
            bias: convBias,
            biasInit: zerosInit(),
          });
          if (batchNorm) h = batchNorm2d(layer.scope("bn"), h);
          h = applyActivation(layer.scope("act"), sites.activation, featureMapSite(out), h);
        });
        if (!cifar) h = adaptiveAvgPool2d(h, [7, 7]);
        h = flatten(h);
        const site = featureSite(hidden);
        for (const i of [0, 1]) {
          const block = ctx.scope(`classifier.${i}`);
          // torchvision: Linear → act → Dropout; Fu's CIFAR classifier: Dropout → Linear → act.
          if (cifar) h = dropout(block.scope("drop"), h, rate);
          h = linear(block.scope("fc"), h, hidden, fc);
          h = applyActivation(block.scope("act"), sites.activation, site, h);
          if (!cifar) h = dropout(block.scope("drop"), h, rate);
        }
        return linear(ctx.scope("classifier.2"), h, config.numClasses, fc);
      };
    },
  };
}

/** The `vgg11` model definition (no BatchNorm). */
export const vgg11Model: ModelDefinition = vgg11Definition("vgg11", false);

/** The `vgg11_bn` model definition (BatchNorm after every convolution). */
export const vgg11BnModel: ModelDefinition = vgg11Definition("vgg11_bn", true);
