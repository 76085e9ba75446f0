/**
 * `mobilenet_v2`: MobileNetV2 (Sandler et al. 2018) as torchvision 0.14
 * builds it (`torchvision/models/mobilenetv2.py`, width multiple 1.0).
 *
 * **ImageNet geometry** (inputs above 32 px, or `geometry: "imagenet"`;
 * 224 px is the reference): stem `Conv3×3(32, s2) → BN → act`, then
 * inverted-residual stages `(t, c, n, s)` = (1, 16, 1, 1), (6, 24, 2, 2),
 * (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1,
 * 1) — each block `[Conv1×1(in·t) → BN → act] → depthwise Conv3×3(s) (groups
 * = channels) → BN → act → Conv1×1(c) → BN` (linear bottleneck; the expand
 * conv only where t ≠ 1), plus the input where the stride is 1 and the
 * widths agree — then `Conv1×1(1280) → BN → act`, spatial mean, `Dropout(0.2)
 * → Linear(1280, n)`. Channels are `_make_divisible(c·width, 8)` as
 * torchvision. 3,504,872 parameters at 1000 classes (torchvision's).
 *
 * **CIFAR geometry** (inputs up to 32 px, or `geometry: "cifar"`): the widely
 * used adaptation of kuangliu/pytorch-cifar (`models/mobilenetv2.py`): the
 * stem has stride 1 and the first stride-2 stage (c = 24) stride 1, so the
 * network downsamples 3 times (32 → 4 px before the pool) instead of 5 (32
 * → 1). Only the strides are taken from there; the blocks stay
 * torchvision's (kuangliu adds a 1×1-conv shortcut where the width changes
 * at stride 1 and an expand conv at t = 1; we keep the reference
 * architecture and change geometry only). 2,236,682 parameters at 10
 * classes (the ImageNet count less the 1000-class head, plus a 10-class one).
 *
 * Input sizes: every stride-2 layer must see a map of at least 2 px (at least
 * 17 px for the ImageNet geometry, 5 px for the CIFAR one); smaller inputs are
 * an error naming the sizes accepted (models/geometry.ts).
 *
 * Init as torchvision: convs Kaiming normal (fan_out), BN ones/zeros, the
 * classifier N(0, 0.01) with zero bias.
 *
 * Options: `geometry` (auto | imagenet | cifar), `width` (torchvision's
 * `width_mult`), `divisor` (its `round_nearest`, 8), `lastChannel` (1280;
 * scaled by max(1, width) as torchvision), `repeats` (blocks per stage, the
 * seven n above), `dropout` (0.2). Tiny test models use e.g. width 1/8,
 * divisor 4, lastChannel 32, repeats [1, 2, 1, 1, 1, 1, 1].
 *
 * Activation sites: where torchvision has ReLU6 — after the stem BN, after
 * each expand and each depthwise BN, after the last conv's BN; all
 * `nchw`/`avg`: DPA pools the spatial mean (featureMapSite). The original
 * network is `--activation relu6`. Response sites: each stage's output.
 * @module
 */
import { add } from "../core/ops.ts";
import type { Tensor } from "../core/graph.ts";
import type { BuildContext } from "../plugin/context.ts";
import { convBnAct } from "../nn/conv_bn.ts";
import { dropout } from "../nn/dropout.ts";
import { kaimingNormalInit, normalInit, zerosInit } from "../nn/init.ts";
import { linear } from "../nn/linear.ts";
import { globalAvgPool2d } from "../nn/pooling.ts";
import { type ActivationFactory, featureMapSite, observeResponse } from "../nn/sites.ts";
import { checkStridedInput, geometryOption } from "./geometry.ts";
import { listOption, type ModelDefinition, numberOption } from "./registry.ts";

const NAME = "mobilenet_v2";

/** torchvision's `inverted_residual_setting`: expand ratio t, channels c, blocks n, stride s. */
const SETTING: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** torchvision's `_make_divisible`: the nearest multiple of `divisor`, not below 90 % of `v`. */
export function makeDivisible(v: number, divisor: number): number {
  let out = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

/** Conv → BN (→ activation at a site when `act`), torchvision's `Conv2dNormActivation`. */
function convBn(
  ctx: BuildContext,
  x: Tensor,
  out: number,
  kernel: number,
  stride: number,
  groups: number,
  act: ActivationFactory | null,
): Tensor {
  return convBnAct(ctx, x, out, kernel, act, {
    stride,
    groups,
    weightInit: kaimingNormalInit("fan_out"),
  });
}

/** One inverted residual block (torchvision `InvertedResidual`). */
function invertedResidual(
  ctx: BuildContext,
  x: Tensor,
  out: number,
  stride: number,
  expand: number,
  act: ActivationFactory,
): Tensor {
  const inp = x.shape[1];
  const hidden = Math.round(inp * expand);
  let h = x;
  if (expand !== 1) h = convBn(ctx.scope("expand"), h, hidden, 1, 1, 1, act);
  h = convBn(ctx.scope("dw"), h, hidden, 3, stride, hidden, act);
  h = convBn(ctx.scope("project"), h, out, 1, 1, 1, null);
  return stride === 1 && inp === out ? add(x, h) : h;
}

/** The `mobilenet_v2` model definition. */
export const mobilenetV2Model: ModelDefinition = {
  name: NAME,
  description:
    "MobileNetV2 (torchvision; inverted residuals, ReLU6 sites); CIFAR strides (kuangliu) <= 32 px",
  defaults: {
    geometry: "auto",
    width: 1,
    divisor: 8,
    lastChannel: 1280,
    repeats: SETTING.map((s) => s[2]),
    dropout: 0.2,
  },
  create(config, sites) {
    const geometry = geometryOption(NAME, config.options.geometry, config.inputShape);
    const width = numberOption(config, NAME, "width", { min: 1 / 64, max: 4 });
    const divisor = numberOption(config, NAME, "divisor", { integer: true, min: 1 });
    const last = numberOption(config, NAME, "lastChannel", { integer: true, min: 1 });
    const repeats = listOption(config, NAME, "repeats", {
      integer: true,
      min: 1,
      minLength: SETTING.length,
      maxLength: SETTING.length,
    });
    const rate = numberOption(config, NAME, "dropout", { min: 0, max: 1, maxExclusive: true });
    const cifar = geometry === "cifar";
    // CIFAR: the stem and the first stride-2 stage (index 1) keep stride 1 (kuangliu).
    const strides = SETTING.map(([, , , s], i) => (cifar && i === 1 ? 1 : s));
    const stemStride = cifar ? 1 : 2;
    const downsamplings = strides.filter((s) => s === 2).length + (stemStride === 2 ? 1 : 0);
    checkStridedInput(NAME, config.inputShape, geometry, downsamplings);
    const stem = makeDivisible(32 * width, divisor);
    const lastChannel = makeDivisible(last * Math.max(1, width), divisor);
    return (ctx, x) => {
      let h = convBn(ctx.scope("features.0"), x, stem, 3, stemStride, 1, sites.activation);
      let layer = 1;
      SETTING.forEach(([t, c], s) => {
        const out = makeDivisible(c * width, divisor);
        for (let b = 0; b < repeats[s]; b++) {
          const stride = b === 0 ? strides[s] : 1;
          h = invertedResidual(
            ctx.scope(`features.${layer++}`),
            h,
            out,
            stride,
            t,
            sites.activation,
          );
        }
        observeResponse(
          ctx.scope(`stage${s + 1}.response`),
          sites.regulariser,
          featureMapSite(out),
          h,
        );
      });
      h = convBn(ctx.scope(`features.${layer}`), h, lastChannel, 1, 1, 1, sites.activation);
      h = dropout(ctx.scope("classifier.0"), globalAvgPool2d(h), rate);
      return linear(ctx.scope("classifier.1"), h, config.numClasses, {
        weightInit: normalInit(0.01),
        biasInit: zerosInit(),
      });
    };
  },
};
