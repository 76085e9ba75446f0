/**
 * `shufflenet_v2`: ShuffleNetV2 ×1.0 (Ma et al. 2018) as torchvision 0.14
 * builds it (`torchvision/models/shufflenetv2.py`, `shufflenet_v2_x1_0`).
 *
 * **ImageNet geometry** (inputs above 32 px, or `geometry: "imagenet"`; 224
 * px is the reference): `Conv3×3(24, s2) → BN → act → MaxPool(3, s2, p1)`,
 * three stages of 4/8/4 units with 116/232/464 output channels, `Conv1×1(1024)
 * → BN → act`, spatial mean, `Linear(1024, n)`. A unit of stride 1 splits the
 * channels in half, keeps one half and sends the other through `Conv1×1 → BN
 * → act → depthwise Conv3×3 → BN → Conv1×1 → BN → act`; a unit of stride 2
 * (the first of each stage) sends the whole input through that branch (with
 * the depthwise stride 2) and through `depthwise Conv3×3(s2) → BN → Conv1×1 →
 * BN → act`; the two halves are concatenated and channel-shuffled with 2
 * groups (nn/channel_shuffle.ts: reshape/transpose). 2,278,604 parameters at
 * 1000 classes (torchvision's).
 *
 * **CIFAR geometry** (inputs up to 32 px, or `geometry: "cifar"`): the widely
 * used adaptation of kuangliu/pytorch-cifar (`models/shufflenetv2.py`): the
 * stem conv has stride 1 and there is no max-pool, so the network
 * downsamples 3 times (32 → 4 px before conv5's pool) instead of 5 (32 → 1).
 * The units stay torchvision's. 1,263,854 parameters at 10 classes (the
 * ImageNet count less the 1000-class head, plus a 10-class one).
 *
 * Input sizes: every stride-2 layer must see a map of at least 2 px (at least
 * 17 px for the ImageNet geometry, 5 px for the CIFAR one); smaller inputs are
 * an error naming the sizes accepted (models/geometry.ts).
 *
 * Init as torchvision (which sets none): PyTorch's defaults, U(±1/√fan_in)
 * for conv and linear weights and the linear bias; BN ones/zeros.
 *
 * Options: `geometry` (auto | imagenet | cifar), `channels` (torchvision's
 * `stages_out_channels`: stem, three stages, conv5; ×0.5 is [24, 48, 96, 192,
 * 1024]; stage widths must be even), `repeats` (`stages_repeats`, [4, 8, 4]),
 * `width` (actlab's multiplier of all five `channels`, stage widths rounded
 * to even; not torchvision's ×0.5 family, which `channels` gives exactly).
 * Tiny test models use e.g. channels [4, 8, 8, 16, 16], repeats [2, 1, 1].
 *
 * Activation sites: where torchvision has ReLU — after the stem BN, after
 * the first and the last BN of the main branch, after the last BN of the
 * stride-2 side branch, after conv5's BN; all `nchw`/`avg`: DPA pools the
 * spatial mean (featureMapSite). Response sites: each stage's output.
 * @module
 */
import { concat, maxPool2d, slice } from "../core/ops.ts";
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import type { BuildContext } from "../plugin/context.ts";
import { channelShuffle } from "../nn/channel_shuffle.ts";
import { convBnAct } from "../nn/conv_bn.ts";
import { linear } from "../nn/linear.ts";
import { globalAvgPool2d } from "../nn/pooling.ts";
import { type ActivationFactory, featureMapSite, observeResponse } from "../nn/sites.ts";
import { checkStridedInput, geometryOption, scaled } from "./geometry.ts";
import { listOption, type ModelDefinition, numberOption } from "./registry.ts";

const NAME = "shufflenet_v2";

/** Conv (PyTorch default init, no bias) → BN (→ activation at a site when `act`). */
function convBn(
  ctx: BuildContext,
  x: Tensor,
  out: number,
  kernel: number,
  stride: number,
  groups: number,
  act: ActivationFactory | null,
): Tensor {
  return convBnAct(ctx, x, out, kernel, act, { stride, groups, init: "torch" });
}

/** torchvision `InvertedResidual` of ShuffleNetV2: `out` channels, stride 1 or 2. */
function shuffleUnit(
  ctx: BuildContext,
  x: Tensor,
  out: number,
  stride: number,
  act: ActivationFactory,
): Tensor {
  const half = out / 2;
  const [b, c, h, w] = x.shape;
  const main = (ctx2: BuildContext, t: Tensor) => {
    let y = convBn(ctx2.scope("0"), t, half, 1, 1, 1, act);
    y = convBn(ctx2.scope("1"), y, half, 3, stride, half, null);
    return convBn(ctx2.scope("2"), y, half, 1, 1, 1, act);
  };
  let left: Tensor, right: Tensor;
  if (stride === 1) {
    left = slice(x, [0, 0, 0, 0], [b, c / 2, h, w]);
    right = main(ctx.scope("branch2"), slice(x, [0, c / 2, 0, 0], [b, c, h, w]));
  } else {
    const side = ctx.scope("branch1");
    left = convBn(side.scope("0"), x, c, 3, stride, c, null);
    left = convBn(side.scope("1"), left, half, 1, 1, 1, act);
    right = main(ctx.scope("branch2"), x);
  }
  return channelShuffle(concat([left, right], 1), 2);
}

/** The `shufflenet_v2` model definition. */
export const shufflenetV2Model: ModelDefinition = {
  name: NAME,
  description:
    "ShuffleNetV2 x1.0 (torchvision; split + shuffle units); CIFAR stem (kuangliu) <= 32 px",
  defaults: {
    geometry: "auto",
    channels: [24, 116, 232, 464, 1024],
    repeats: [4, 8, 4],
    width: 1,
  },
  create(config, sites) {
    const geometry = geometryOption(NAME, config.options.geometry, config.inputShape);
    const channels = listOption(config, NAME, "channels", {
      integer: true,
      min: 1,
      minLength: 5,
      maxLength: 5,
    });
    const repeats = listOption(config, NAME, "repeats", {
      integer: true,
      min: 1,
      minLength: 3,
      maxLength: 3,
    });
    const width = numberOption(config, NAME, "width", { min: 1 / 64, max: 4 });
    if (width !== 1) {
      // Stage widths stay even (each unit splits them in half).
      channels.forEach((c, i) => {
        channels[i] = i >= 1 && i <= 3
          ? Math.max(2, 2 * Math.round((c * width) / 2))
          : scaled(c, width);
      });
    }
    const odd = channels.slice(1, 4).find((c) => c % 2 !== 0);
    if (odd !== undefined) {
      throw new ActlabError(
        `model "${NAME}" option "channels" = [${channels}] has an odd stage width ${odd}`,
        "each unit splits its channels in half: give the three stage widths as even numbers",
      );
    }
    const cifar = geometry === "cifar";
    checkStridedInput(NAME, config.inputShape, geometry, cifar ? 3 : 5);
    return (ctx, x) => {
      let h = convBn(ctx.scope("conv1"), x, channels[0], 3, cifar ? 1 : 2, 1, sites.activation);
      if (!cifar) h = maxPool2d(h, { kernel: 3, stride: 2, padding: 1 });
      repeats.forEach((n, s) => {
        const stage = ctx.scope(`stage${s + 2}`);
        const out = channels[s + 1];
        for (let u = 0; u < n; u++) {
          h = shuffleUnit(stage.scope(u), h, out, u === 0 ? 2 : 1, sites.activation);
        }
        observeResponse(stage.scope("response"), sites.regulariser, featureMapSite(out), h);
      });
      h = convBn(ctx.scope("conv5"), h, channels[4], 1, 1, 1, sites.activation);
      return linear(ctx.scope("fc"), globalAvgPool2d(h), config.numClasses);
    };
  },
};
