/**
 * The ResNet basic block (He et al. 2016): conv3×3 → BN → activation →
 * conv3×3 → BN, plus the shortcut, → activation. Both activations are
 * feature-map sites. The caller chooses the shortcut (torchvision's 1×1
 * conv + BN projection, or the CIFAR ResNets' option A) and the conv init.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import { add } from "../core/ops.ts";
import type { BuildContext, Initializer } from "../plugin/context.ts";
import { batchNorm2d } from "./batch_norm.ts";
import { conv2d } from "./conv2d.ts";
import { type ActivationFactory, applyActivation, featureMapSite } from "./sites.ts";

/** How a basic block forms its shortcut from the block input (`ctx` is the block's scope). */
export type Shortcut = (ctx: BuildContext, x: Tensor, planes: number, stride: number) => Tensor;

/** One basic block with `planes` output channels; `stride` on the first conv. */
export function basicBlock(
  ctx: BuildContext,
  x: Tensor,
  planes: number,
  stride: number,
  activation: ActivationFactory,
  shortcut: Shortcut,
  weightInit?: Initializer,
): Tensor {
  const site = featureMapSite(planes);
  let h = conv2d(ctx.scope("conv1"), x, planes, { kernel: 3, stride, padding: 1, weightInit });
  h = batchNorm2d(ctx.scope("bn1"), h);
  h = applyActivation(ctx.scope("act1"), activation, site, h);
  h = conv2d(ctx.scope("conv2"), h, planes, { kernel: 3, padding: 1, weightInit });
  h = batchNorm2d(ctx.scope("bn2"), h);
  return applyActivation(
    ctx.scope("act2"),
    activation,
    site,
    add(h, shortcut(ctx, x, planes, stride)),
  );
}
