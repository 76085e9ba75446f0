/**
 * SiLU (swish): x·σ(x).
 * @module
 */
import { mul, sigmoid } from "../core/ops.ts";
import type { ActivationPlugin } from "../plugin/types.ts";
import { statelessActivation } from "./stateless.ts";

/** The `silu` plugin. */
export const siluActivation: ActivationPlugin = statelessActivation(
  "silu",
  "SiLU: x·sigmoid(x)",
  (x) => mul(x, sigmoid(x)),
);
