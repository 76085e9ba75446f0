/**
 * ELU with α = 1, and the negative branch shared with SELU.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import { exp, gt, minimum, mul, sub, where } from "../core/ops.ts";
import type { ActivationPlugin } from "../plugin/types.ts";
import { statelessActivation } from "./stateless.ts";

/** x > 0 ? x : α(eˣ − 1). */
export function eluOf(x: Tensor, alpha: number): Tensor {
  // exp of min(x, 0): the unused branch must stay finite, or its zero gradient becomes 0·∞ = NaN.
  return where(gt(x, 0), x, mul(sub(exp(minimum(x, 0)), 1), alpha));
}

/** The `elu` plugin. */
export const eluActivation: ActivationPlugin = statelessActivation(
  "elu",
  "ELU (alpha 1): x > 0 ? x : exp(x) - 1",
  (x) => eluOf(x, 1),
);
