/**
 * ReLU6: min(max(x, 0), 6), the activation of MobileNetV2 (Sandler et al.
 * 2018; torchvision `mobilenet_v2` uses `nn.ReLU6` at every expand,
 * depthwise and stem/last conv), so the original network is one flag away
 * (`--activation relu6`). Gradient 1 on 0 < x < 6 and 0 elsewhere, the
 * ends included, as PyTorch's `hardtanh_backward`.
 * @module
 */
import { minimum, threshold } from "../core/ops.ts";
import type { ActivationPlugin } from "../plugin/types.ts";
import { statelessActivation } from "./stateless.ts";

/** The `relu6` plugin. */
export const relu6Activation: ActivationPlugin = statelessActivation(
  "relu6",
  "ReLU6: min(max(x, 0), 6) (MobileNetV2)",
  // `minimum` sends a tie's gradient to its first operand: the constant 6, so x = 6 gets 0
  // (PyTorch's rule); `threshold` gives 0 at x = 0.
  (x) => minimum(6, threshold(x, 0)),
);
