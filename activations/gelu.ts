/**
 * GELU in its exact form x·Φ(x) (not the tanh approximation).
 * @module
 */
import { mul } from "../core/ops.ts";
import { normalCdf } from "./normal_cdf.ts";
import type { ActivationPlugin } from "../plugin/types.ts";
import { statelessActivation } from "./stateless.ts";

/** The `gelu` plugin. */
export const geluActivation: ActivationPlugin = statelessActivation(
  "gelu",
  "GELU (exact erf form): x·Φ(x)",
  (x) => mul(x, normalCdf(x)),
);
