/**
 * The first transform of a graph model, for either kind of node input:
 * features `x` f32 [N, F] → dropout → x·Wᵀ (a linear layer without bias), or
 * identity features `x` i32 node ids [N, 1] → rows of a learned [N, H] table
 * (X·W for one-hot X, as a gather: never a dense N×N input). Both declare
 * `weight` in the caller's scope, so a checkpoint names it the same way.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import { gather, reshape } from "../core/ops.ts";
import { dropout } from "../nn/dropout.ts";
import { linear } from "../nn/linear.ts";
import type { BuildContext, Initializer } from "../plugin/context.ts";

/** x → [N, out]: features times a weight, or the node ids' embedding rows (see the module header). */
export function nodeInput(
  ctx: BuildContext,
  x: Tensor,
  out: number,
  init: Initializer,
  inputDropout: number,
): Tensor {
  const n = x.shape[0];
  if (x.dtype === "i32") {
    const table = ctx.param("weight", [n, out], init, { decay: true });
    return gather(table, reshape(x, [n]), 0);
  }
  const dropped = dropout(ctx.scope("drop"), x, inputDropout);
  return linear(ctx, dropped, out, { bias: false, weightInit: init });
}
