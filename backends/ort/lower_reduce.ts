/**
 * Lowering of reductions. From opset 18 every ONNX reduction takes its axes
 * as an int64 input; an empty axis list is the identity here (the catalogue
 * only produces one for rank-0 inputs), never ONNX's "reduce everything".
 * @module
 */
import { int } from "./attrs.ts";
import { registerLowering } from "./lowering.ts";

for (const [op, onnxOp] of [["sum", "ReduceSum"], ["mean", "ReduceMean"], ["max", "ReduceMax"]]) {
  registerLowering(op, ({ b, node, x }) => {
    const axes = node.attrs.axes as number[];
    if (axes.length === 0) return x[0];
    return b.op(onnxOp, [x[0], b.i64(axes)], { keepdims: int(node.attrs.keepdims ? 1 : 0) });
  });
}
