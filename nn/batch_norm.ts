/**
 * Batch normalisation over every axis but the channel axis 1 (`[B, C]` or
 * `[B, C, H, W]`), with PyTorch's semantics: the train phase normalises with
 * the batch statistics (biased variance) and moves the running statistics
 * with `momentum` (the running variance takes the unbiased batch variance);
 * the train phase runs on the composite ops `batch_moments` / `batch_norm`;
 * the eval phase normalises with the running statistics.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { add, batchMoments, batchNormalize, mul, reshape, rsqrt, slice, sub } from "../core/ops.ts";
import { fmtShape } from "../core/shape.ts";
import type { BuildContext } from "../plugin/context.ts";
import { constantInit, zerosInit } from "./init.ts";

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** Added to the variance (default 1e-5, PyTorch's). */
  readonly eps?: number;
  /** Weight of the new batch statistic in the running average (default 0.1). */
  readonly momentum?: number;
}

/**
 * Normalise `x` per channel and apply `weight` (ones) and `bias` (zeros),
 * neither decayed; buffers `running_mean` (0) and `running_var` (1).
 */
export function batchNorm(ctx: BuildContext, x: Tensor, opts: BatchNormOptions = {}): Tensor {
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  if (x.rank < 2 || !(momentum >= 0 && momentum <= 1) || !(eps > 0)) {
    throw new ActlabError(
      `batch norm "${ctx.prefix}": input ${fmtShape(x.shape)}, momentum ${momentum}, eps ${eps}`,
      "pass an input [B, C, ...] with momentum in [0, 1] and eps > 0",
    );
  }
  const c = x.shape[1];
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  // Per-channel vectors broadcast as [1, C, 1, ...].
  const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const weight = ctx.param("weight", [c], constantInit(1), { decay: false });
  const bias = ctx.param("bias", [c], zerosInit(), { decay: false });
  const runningMean = ctx.buffer("running_mean", [c], 0);
  const runningVar = ctx.buffer("running_var", [c], 1);

  if (!ctx.training) {
    const scale = mul(weight, rsqrt(add(runningVar, eps)));
    const shift = sub(bias, mul(runningMean, scale));
    return add(mul(x, reshape(scale, bshape)), reshape(shift, bshape));
  }
  if (count < 2) {
    throw new ActlabError(
      `batch norm "${ctx.prefix}": training needs more than one value per channel, input ${
        fmtShape(x.shape)
      }`,
      "use a batch size of at least 2",
    );
  }
  // The statistics and the normalisation as composite ops (core/ops/batch_norm.ts): one
  // oneDNN primitive each on onednn-cpu, the same elementwise/reduction ops elsewhere.
  const moments = batchMoments(x);
  const out = batchNormalize(x, moments, weight, bias, eps);
  const muC = reshape(slice(moments, [0, 0], [1, c]), [c]);
  const varC = reshape(slice(moments, [1, 0], [2, c]), [c]);
  ctx.updateBuffer(runningMean, add(mul(runningMean, 1 - momentum), mul(muC, momentum)));
  ctx.updateBuffer(
    runningVar,
    add(mul(runningVar, 1 - momentum), mul(varC, (momentum * count) / (count - 1))),
  );
  return out;
}

/** `batchNorm` for NCHW inputs (PyTorch `BatchNorm2d`). */
export function batchNorm2d(ctx: BuildContext, x: Tensor, opts: BatchNormOptions = {}): Tensor {
  if (x.rank !== 4) {
    throw new ActlabError(
      `batch norm 2d "${ctx.prefix}": expected [B, C, H, W], got ${fmtShape(x.shape)}`,
      "use batchNorm for other ranks",
    );
  }
  return batchNorm(ctx, x, opts);
}
