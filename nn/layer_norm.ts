/**
 * Layer normalisation over the last axis with a learnable affine (ones/zeros,
 * no weight decay), as `nn.LayerNorm(C)`.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import { add, layerNorm as layerNormOp, mul } from "../core/ops.ts";
import type { BuildContext } from "../plugin/context.ts";
import { constantInit, zerosInit } from "./init.ts";

/** Options of `layerNorm`. */
export interface LayerNormOptions {
  /** Added to the variance (default 1e-5, PyTorch's; ViT uses 1e-6). */
  readonly eps?: number;
}

/** Normalise `x [..., C]` over C and apply `weight [C]` and `bias [C]`. */
export function layerNorm(ctx: BuildContext, x: Tensor, opts: LayerNormOptions = {}): Tensor {
  const c = x.shape[x.rank - 1];
  const weight = ctx.param("weight", [c], constantInit(1), { decay: false });
  const bias = ctx.param("bias", [c], zerosInit(), { decay: false });
  return add(mul(layerNormOp(x, 1, opts.eps ?? 1e-5), weight), bias);
}
