/**
 * Softplus: ln(1 + eˣ) (β = 1), via the catalogue's stable op.
 * @module
 */
import { softplus } from "../core/ops.ts";
import type { ActivationPlugin } from "../plugin/types.ts";
import { statelessActivation } from "./stateless.ts";

/** The `softplus` plugin. */
export const softplusActivation: ActivationPlugin = statelessActivation(
  "softplus",
  "Softplus: ln(1 + exp(x))",
  softplus,
);
