/**
 * ReLU: max(x, 0), with gradient 0 at x = 0 (as PyTorch).
 * @module
 */
import { threshold } from "../core/ops.ts";
import type { ActivationPlugin } from "../plugin/types.ts";
import { statelessActivation } from "./stateless.ts";

/** The `relu` plugin. */
export const reluActivation: ActivationPlugin = statelessActivation(
  "relu",
  "ReLU: max(x, 0)",
  // `threshold` rather than `maximum`: maximum sends a tie's gradient to x, PyTorch gives 0
  // at 0; and rather than `where(x > 0, x, 0)`: one fast kernel on every backend.
  (x) => threshold(x, 0),
);
