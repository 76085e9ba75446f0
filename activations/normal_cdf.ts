/**
 * The standard normal CDF Φ(z) = ½(1 + erf(z/√2)), shared by GELU and RAA.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import { add, erf, mul } from "../core/ops.ts";

/** Φ(z) elementwise. */
export function normalCdf(z: Tensor): Tensor {
  return mul(add(erf(mul(z, Math.SQRT1_2)), 1), 0.5);
}
