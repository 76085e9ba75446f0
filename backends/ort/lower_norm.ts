/**
 * Lowering of softmax, log_softmax (Softmax / LogSoftmax, opset-13 single-axis
 * semantics) and layer_norm (LayerNormalization with a ones scale and no bias).
 * @module
 */
import { float, int } from "./attrs.ts";
import { registerLowering } from "./lowering.ts";

registerLowering(
  "softmax",
  ({ b, node, x }) => b.op("Softmax", x, { axis: int(node.attrs.axis as number) }),
);
registerLowering(
  "log_softmax",
  ({ b, node, x }) => b.op("LogSoftmax", x, { axis: int(node.attrs.axis as number) }),
);

registerLowering("layer_norm", ({ b, node, x }) => {
  const k = node.attrs.numAxes as number;
  const rank = node.shape.length;
  const scale = b.scalar(1, "f32", node.shape.slice(rank - k));
  return b.op("LayerNormalization", [x[0], scale], {
    axis: int(rank - k),
    epsilon: float(node.attrs.eps as number),
  });
});
