/**
 * The transformer MLP block (timm `Mlp`): `fc1 → activation → dropout → fc2
 * → dropout`, with the model's activation plugged in at the hidden layer.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import type { BuildContext } from "../plugin/context.ts";
import { dropout } from "./dropout.ts";
import { linear, type LinearInit } from "./linear.ts";
import { type ActivationFactory, applyActivation } from "./sites.ts";
import type { Site } from "../plugin/types.ts";

/** Options of `mlpBlock`. */
export interface MlpBlockOptions {
  /** Hidden width. */
  readonly hidden: number;
  /** The activation for the hidden layer's site. */
  readonly activation: ActivationFactory;
  /** Site layout and pooling of the hidden layer (default tokens / token, as in ViT). */
  readonly site?: Omit<Site, "channels">;
  /** Dropout after the activation and after fc2 (default 0). */
  readonly drop?: number;
  /** Linear init recipe (default `"vit"`). */
  readonly init?: LinearInit;
}

/**
 * `x [..., C] → [..., C]`; declares `fc1.*`, `fc2.*` and whatever the
 * activation declares under `act.*`.
 */
export function mlpBlock(ctx: BuildContext, x: Tensor, opts: MlpBlockOptions): Tensor {
  const c = x.shape[x.rank - 1];
  const init = opts.init ?? "vit";
  const drop = opts.drop ?? 0;
  let y = linear(ctx.scope("fc1"), x, opts.hidden, { init });
  const site: Site = {
    layout: opts.site?.layout ?? "tokens",
    pooling: opts.site?.pooling ?? "token",
    channels: opts.hidden,
  };
  y = applyActivation(ctx.scope("act"), opts.activation, site, y);
  y = dropout(ctx.scope("drop1"), y, drop);
  y = linear(ctx.scope("fc2"), y, c, { init });
  return dropout(ctx.scope("drop2"), y, drop);
}
