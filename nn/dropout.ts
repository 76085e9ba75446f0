/**
 * Dropout and drop-path (stochastic depth). Masks are not drawn in the graph:
 * the host computes each mask once per step as a feed, from the run's seed,
 * the step and the layer's key, so every backend applies the same masks and
 * a step can be replayed exactly. Masks hold 0 or 1/(1 − rate) (inverted
 * dropout, and timm's `scale_by_keep`), so the eval phase is the identity.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { type HostTensor, type Shape, sizeOf } from "../core/host_tensor.ts";
import { mul } from "../core/ops.ts";
import { hashName, Rng } from "../core/rng.ts";
import type { BuildContext } from "../plugin/context.ts";

/** Domain word separating dropout keys from other uses of the run's seed. */
const DROPOUT_DOMAIN = hashName("actlab.dropout");

function checkRate(where: string, rate: number): void {
  if (!(rate >= 0 && rate < 1)) {
    throw new ActlabError(
      `${where}: drop rate must be in [0, 1), got ${rate}`,
      "pass a probability such as 0.1 (0 disables it)",
    );
  }
}

/**
 * The mask of feed `key` at `step` for a run seeded with `seed`: each element
 * kept (value 1/(1 − rate)) with probability 1 − rate, else 0.
 * A pure function of its arguments.
 */
export function dropoutMask(
  seed: number,
  step: number,
  key: string,
  shape: Shape,
  rate: number,
): HostTensor {
  checkRate(`dropout mask "${key}"`, rate);
  const rng = Rng.fromSeed(seed).fold(DROPOUT_DOMAIN).fold(step).fold(hashName(key));
  const keep = rng.bernoulli(sizeOf(shape), 1 - rate);
  const data = new Float32Array(keep.length);
  const scale = 1 / (1 - rate);
  for (let i = 0; i < keep.length; i++) data[i] = keep[i] ? scale : 0;
  return { dtype: "f32", shape: [...shape], data };
}

function masked(ctx: BuildContext, x: Tensor, rate: number, maskShape: Shape): Tensor {
  if (!ctx.training || rate === 0) return x;
  const key = ctx.qualify("mask");
  const mask = ctx.hostFeed(
    key,
    maskShape,
    "f32",
    (batch) => dropoutMask(batch.seed, batch.step, key, maskShape, rate),
  );
  return mul(x, mask);
}

/**
 * Inverted dropout of every element of `x` (train phase; identity in eval).
 * The mask feed is named `<scope>.mask`: use one scope per dropout layer.
 */
export function dropout(ctx: BuildContext, x: Tensor, rate: number): Tensor {
  checkRate(`dropout "${ctx.prefix}"`, rate);
  return masked(ctx, x, rate, x.shape);
}

/**
 * Drop-path (stochastic depth, timm `drop_path`): zero whole samples of a
 * residual branch `x [B, ...]` with probability `rate`, scaling kept ones.
 */
export function dropPath(ctx: BuildContext, x: Tensor, rate: number): Tensor {
  checkRate(`drop path "${ctx.prefix}"`, rate);
  return masked(ctx, x, rate, x.shape.map((d, i) => (i === 0 ? d : 1)));
}
