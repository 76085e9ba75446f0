/**
 * SELU with PyTorch's constants.
 * @module
 */
import { mul } from "../core/ops.ts";
import { eluOf } from "./elu.ts";
import type { ActivationPlugin } from "../plugin/types.ts";
import { statelessActivation } from "./stateless.ts";

/** SELU's α (torch.nn.SELU). */
export const SELU_ALPHA = 1.6732632423543772848170429916717;
/** SELU's scale λ (torch.nn.SELU). */
export const SELU_SCALE = 1.0507009873554804934193349852946;

/** The `selu` plugin. */
export const seluActivation: ActivationPlugin = statelessActivation(
  "selu",
  "SELU: scale·(x > 0 ? x : alpha·(exp(x) - 1))",
  (x) => mul(eluOf(x, SELU_ALPHA), SELU_SCALE),
);
