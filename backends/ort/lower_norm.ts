/**
 * Lowering of softmax, log_softmax (Softmax / LogSoftmax, opset-13 single-axis
 * semantics) and layer_norm (LayerNormalization with a ones scale and no bias).
 * @module
 */
import { attrsOf } from "../../core/ops/attrs.ts";
import { float, int } from "./attrs.ts";
import { registerLowering } from "./lowering.ts";

registerLowering(
  "softmax",
  ({ b, node, x }) => b.op("Softmax", x, { axis: int(attrsOf(node, "softmax").axis) }),
);
registerLowering(
  "log_softmax",
  ({ b, node, x }) => b.op("LogSoftmax", x, { axis: int(attrsOf(node, "log_softmax").axis) }),
);

registerLowering("layer_norm", ({ b, node, x }) => {
  const { numAxes: k, eps } = attrsOf(node, "layer_norm");
  const rank = node.shape.length;
  const scale = b.scalar(1, "f32", node.shape.slice(rank - k));
  return b.op("LayerNormalization", [x[0], scale], {
    axis: int(rank - k),
    epsilon: float(eps),
  });
});
