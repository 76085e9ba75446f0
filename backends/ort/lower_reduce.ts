/**
 * Lowering of reductions. From opset 18 every ONNX reduction takes its axes
 * as an int64 input; an empty axis list is the identity here (the catalogue
 * only produces one for rank-0 inputs), never ONNX's "reduce everything".
 * @module
 */
import { attrsOf } from "../../core/ops/attrs.ts";
import { int } from "./attrs.ts";
import { registerLowering } from "./lowering.ts";

const REDUCTIONS = [["sum", "ReduceSum"], ["mean", "ReduceMean"], ["max", "ReduceMax"]] as const;

for (const [op, onnxOp] of REDUCTIONS) {
  registerLowering(op, ({ b, node, x }) => {
    const { axes, keepdims } = attrsOf(node, op);
    if (axes.length === 0) return x[0];
    return b.op(onnxOp, [x[0], b.i64(axes)], { keepdims: int(keepdims ? 1 : 0) });
  });
}
