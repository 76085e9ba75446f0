/**
 * Host kernels of the elementwise ops: binary arithmetic, comparisons,
 * `where`, `cast`, `threshold`, `pow` and the unary math ops, each one
 * generated loop (strided.ts) per dtype and broadcast layout. Every
 * expression is the reference kernel's closure written out
 * (backends/reference/kernels/elementwise.ts) — evaluated in JS doubles and
 * stored once into the output's typed array, as there — or an equivalent
 * without a branch: a comparison as `+(a < b)` (1 or 0), and the selects
 * (`threshold`, `where`, `maximum`, `minimum`) as the chosen operand's bits
 * under a −1/0 mask, which is exactly the value the reference stores (a
 * float32 survives its round trip through a double; `threshold`'s 0 is +0,
 * all-zero bits). So results are the reference's bit for bit, NaN and −0
 * included (a NaN's payload aside: V8 does not keep it stable across its
 * own tiers either, see the test); i32 nodes take the
 * reference's integer variants (`(a + b) | 0`, `Math.imul`, truncating
 * division with x/0 = 0), chosen by the same rule (the output or the first
 * input is i32). `cast` to f32 is left to the reference (`out.set`, already
 * a native conversion).
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { type HostKernel, registerHostKernel } from "../kernel.ts";
import { broadcastNest } from "./nest.ts";
import { type Formula, stridedKernel } from "./strided.ts";

/** Select `a` where the mask `m` is −1, `b` where it is 0, as bits. */
const SELECT = "(aI & m) | (bI & ~m)";

/** [float formula, i32 formula where the reference has one] of `a` and `b`. */
const BINARY: Record<string, [Formula, Formula?]> = {
  add: [{ expr: "a + b" }, { expr: "(a + b) | 0" }],
  sub: [{ expr: "a - b" }, { expr: "(a - b) | 0" }],
  mul: [{ expr: "a * b" }, { expr: "Math.imul(a, b)" }],
  div: [{ expr: "a / b" }, { expr: "b === 0 ? 0 : Math.trunc(a / b)" }],
  // `(a >= b) | (a !== a)`: the reference's `a >= b || Number.isNaN(a)`, branch-free.
  maximum: [{
    expr: "a >= b || Number.isNaN(a) ? a : b",
    pre: "const m = -((a >= b) | (a !== a));",
    bits: SELECT,
  }],
  minimum: [{
    expr: "a <= b || Number.isNaN(a) ? a : b",
    pre: "const m = -((a <= b) | (a !== a));",
    bits: SELECT,
  }],
  // `+(a < b)` is the reference's `a < b ? 1 : 0` (1 or 0), without a branch.
  lt: [{ expr: "+(a < b)" }],
  le: [{ expr: "+(a <= b)" }],
  gt: [{ expr: "+(a > b)" }],
  ge: [{ expr: "+(a >= b)" }],
  eq: [{ expr: "+(a === b)" }],
};

/** [float formula, i32 formula where the reference has one] of `x`. */
const UNARY: Record<string, [Formula, Formula?]> = {
  neg: [{ expr: "-x" }, { expr: "-x | 0" }],
  abs: [{ expr: "Math.abs(x)" }, { expr: "Math.abs(x) | 0" }],
  // The reference's `x > 0 ? 1 : x < 0 ? -1 : 0` (NaN and ±0 give +0), branch-free.
  sign: [{ expr: "+(x > 0) - +(x < 0)" }],
  square: [{ expr: "x * x" }, { expr: "Math.imul(x, x)" }],
  sqrt: [{ expr: "Math.sqrt(x)" }],
  rsqrt: [{ expr: "1 / Math.sqrt(x)" }],
  exp: [{ expr: "Math.exp(x)" }],
  log: [{ expr: "Math.log(x)" }],
  erf: [{ expr: "erf(x)" }],
  tanh: [{ expr: "Math.tanh(x)" }],
  sigmoid: [{ expr: "x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))" }],
  softplus: [{ expr: "Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))" }],
};

function unaryHost(node: Node, [x]: readonly Node[], op: string, f: Formula, p = 0) {
  const nest = broadcastNest(node.shape, [x.shape]);
  return stridedKernel(op, f, ["x"], [node.dtype, x.dtype], nest, p);
}

/** The host kernel of each elementwise op (registered below; the tests call them directly). */
export const ELEMENTWISE_HOST_KERNELS: Record<string, HostKernel> = {};
const kernels = ELEMENTWISE_HOST_KERNELS;

for (const [op, [f, intF]] of Object.entries(BINARY)) {
  kernels[op] = (node, inputs) => {
    const [na, nb] = inputs;
    const expr = (node.dtype === "i32" || na.dtype === "i32") && intF ? intF : f;
    const nest = broadcastNest(node.shape, [na.shape, nb.shape]);
    return stridedKernel(op, expr, ["a", "b"], [node.dtype, na.dtype, nb.dtype], nest);
  };
}

for (const [op, [f, intF]] of Object.entries(UNARY)) {
  kernels[op] = (node, inputs) =>
    unaryHost(node, inputs, op, node.dtype === "i32" && intF ? intF : f);
}

kernels.where = (node, [nc, na, nb]) => {
  const nest = broadcastNest(node.shape, [nc.shape, na.shape, nb.shape]);
  // The mask is −1 where c is nonzero (the reference's truthiness), else 0.
  return stridedKernel(
    "where",
    { expr: "c ? a : b", pre: "const m = -(c !== 0);", bits: SELECT },
    ["c", "a", "b"],
    [node.dtype, nc.dtype, na.dtype, nb.dtype],
    nest,
  );
};

kernels.cast = (node, inputs) => {
  if (node.dtype === "bool") return unaryHost(node, inputs, "cast", { expr: "+(x !== 0)" });
  if (node.dtype === "i32") return unaryHost(node, inputs, "cast", { expr: "Math.trunc(x)" });
  return null;
};

kernels.threshold = (node, inputs) => {
  const { tau, inclusive } = attrsOf(node, "threshold");
  // `x > tau ? x : 0` leaves NaN at 0 (every comparison with NaN is false);
  // as bits: x's bits under the mask −1 where x passes, else +0's bits (0).
  return inclusive
    ? unaryHost(
      node,
      inputs,
      "threshold_ge",
      { expr: "x >= p ? x : 0", bits: "xI & -(x >= p)" },
      tau,
    )
    : unaryHost(
      node,
      inputs,
      "threshold_gt",
      { expr: "x > p ? x : 0", bits: "xI & -(x > p)" },
      tau,
    );
};

kernels.pow = (node, inputs) =>
  unaryHost(node, inputs, "pow", { expr: "x ** p" }, attrsOf(node, "pow").exponent);

for (const [op, k] of Object.entries(kernels)) registerHostKernel(op, k);
