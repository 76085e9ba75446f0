/**
 * Lowering of elementwise ops. ONNX's numpy broadcasting matches the
 * catalogue's, so binary ops map one to one; the exceptions are spelled out.
 * @module
 */
import { attrsOf } from "../../core/ops/attrs.ts";
import { aFloat, DataType } from "./onnx_proto.ts";
import { int } from "./attrs.ts";
import { onnxType } from "./onnx_builder.ts";
import { type LowerArgs, registerLowering } from "./lowering.ts";
import { scatterAddSliceGrad } from "./lower_scatter_add.ts";

function direct(op: string, onnxOp: string): void {
  registerLowering(op, ({ b, x }) => b.op(onnxOp, x));
}

registerLowering("add", (args) => scatterAddSliceGrad(args) ?? args.b.op("Add", args.x));
direct("sub", "Sub");
direct("mul", "Mul");
direct("maximum", "Max");
direct("minimum", "Min");
direct("where", "Where");
direct("neg", "Neg");
direct("abs", "Abs");
direct("sign", "Sign");
direct("sqrt", "Sqrt");
direct("exp", "Exp");
direct("log", "Log");
direct("erf", "Erf");
direct("tanh", "Tanh");
direct("sigmoid", "Sigmoid");
// ORT's Softplus is the stable form (x + log1p(e^-x) for x > 0), like the catalogue's.
direct("softplus", "Softplus");

// ThresholdedRelu passes x > alpha and leaves NaN at 0, exactly as the catalogue's
// `threshold`; x >= τ is x > (the float32 just below τ) for every float32 x.
registerLowering("threshold", ({ b, node, x }) => {
  const { tau, inclusive } = attrsOf(node, "threshold");
  const alpha = inclusive ? float32Below(tau) : tau;
  return b.op("ThresholdedRelu", x, { alpha: aFloat(alpha) });
});

/** The largest float32 below `v` (a finite float32). */
export function float32Below(v: number): number {
  const bits = new DataView(new ArrayBuffer(4));
  bits.setFloat32(0, v);
  const u = bits.getUint32(0);
  if (v === 0) bits.setUint32(0, 0x80000001); // -0 and +0: the negative subnormal closest to 0
  else bits.setUint32(0, v > 0 ? u - 1 : u + 1);
  return bits.getFloat32(0);
}

registerLowering("div", ({ b, node, x }) => {
  if (node.dtype !== "i32") return b.op("Div", x);
  // Integer division by zero would trap in ORT; the catalogue defines it as 0.
  const zero = b.scalar(0, "i32");
  const isZero = b.op("Equal", [x[1], zero]);
  const safe = b.op("Where", [isZero, b.scalar(1, "i32"), x[1]]);
  const q = b.op("Div", [x[0], safe]);
  return b.op("Where", [isZero, zero, q]);
});

// Less/Greater have no bool kernels; 0/1 integers order the same way.
function comparison(op: string, onnxOp: string): void {
  registerLowering(op, ({ b, x, ins }: LowerArgs) => {
    const xs = ins[0].dtype === "bool" && onnxOp !== "Equal"
      ? x.map((v) => b.op("Cast", [v], { to: int(DataType.INT32) }))
      : x;
    return b.op(onnxOp, xs);
  });
}
comparison("lt", "Less");
comparison("le", "LessOrEqual");
comparison("gt", "Greater");
comparison("ge", "GreaterOrEqual");
comparison("eq", "Equal");

registerLowering("cast", ({ b, node, x, ins }) => {
  if (ins[0].dtype === node.dtype) return x[0];
  // ONNX Cast truncates float → int toward zero and maps nonzero → true, as the catalogue does.
  return b.op("Cast", x, { to: int(onnxType(node.dtype)) });
});

registerLowering("pow", ({ b, node, x }) => {
  const p = attrsOf(node, "pow").exponent;
  if (p === 1) return x[0];
  if (p === 2) return b.op("Mul", [x[0], x[0]]);
  if (p === 0.5) return b.op("Sqrt", x);
  if (p === -1) return b.op("Reciprocal", x);
  return b.op("Pow", [x[0], b.scalar(p, "f32")]);
});

registerLowering("square", ({ b, x }) => b.op("Mul", [x[0], x[0]]));
registerLowering("rsqrt", ({ b, x }) => b.op("Reciprocal", [b.op("Sqrt", x)]));
