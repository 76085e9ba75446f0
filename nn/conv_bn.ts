/**
 * Conv (no bias, "same" padding for odd kernels) → BatchNorm → the plugged
 * activation at a feature-map site, torchvision's `Conv2dNormActivation`;
 * `act: null` leaves the activation out (MobileNetV2's linear bottleneck,
 * ShuffleNetV2's depthwise convs). The models differ only in the conv's
 * weight initialisation, which the caller passes.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import type { BuildContext } from "../plugin/context.ts";
import { batchNorm2d } from "./batch_norm.ts";
import { conv2d, type Conv2dLayerOptions } from "./conv2d.ts";
import { type ActivationFactory, applyActivation, featureMapSite } from "./sites.ts";

/** Kernel, stride, groups and init of `convBnAct`'s convolution. */
export type ConvBnOptions = Pick<Conv2dLayerOptions, "stride" | "groups" | "init" | "weightInit">;

/** `x [B, C, H, W]` → conv(`out`, `kernel`) → BN → activation (when `act`). */
export function convBnAct(
  ctx: BuildContext,
  x: Tensor,
  out: number,
  kernel: number,
  act: ActivationFactory | null,
  opts: ConvBnOptions = {},
): Tensor {
  let h = conv2d(ctx.scope("conv"), x, out, {
    ...opts,
    kernel,
    padding: (kernel - 1) / 2,
  });
  h = batchNorm2d(ctx.scope("bn"), h);
  return act ? applyActivation(ctx.scope("act"), act, featureMapSite(out), h) : h;
}
