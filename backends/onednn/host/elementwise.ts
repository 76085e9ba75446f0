/**
 * Host kernels of the elementwise ops: binary arithmetic, comparisons,
 * `where`, `cast`, `threshold`, `pow` and the unary math ops, each one
 * generated loop (strided.ts) per dtype and broadcast layout. Every
 * expression is the reference kernel's closure written out
 * (backends/reference/kernels/elementwise.ts) — evaluated in JS doubles and
 * stored once into the output's typed array, as there — so results are the
 * reference's bit for bit, NaN and −0 included; i32 nodes take the
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
import { stridedKernel } from "./strided.ts";

/** [float expression, i32 expression where the reference has one] of `a` and `b`. */
const BINARY: Record<string, [string, string?]> = {
  add: ["a + b", "(a + b) | 0"],
  sub: ["a - b", "(a - b) | 0"],
  mul: ["a * b", "Math.imul(a, b)"],
  div: ["a / b", "b === 0 ? 0 : Math.trunc(a / b)"],
  maximum: ["a >= b || Number.isNaN(a) ? a : b"],
  minimum: ["a <= b || Number.isNaN(a) ? a : b"],
  lt: ["a < b ? 1 : 0"],
  le: ["a <= b ? 1 : 0"],
  gt: ["a > b ? 1 : 0"],
  ge: ["a >= b ? 1 : 0"],
  eq: ["a === b ? 1 : 0"],
};

/** [float expression, i32 expression where the reference has one] of `x`. */
const UNARY: Record<string, [string, string?]> = {
  neg: ["-x", "-x | 0"],
  abs: ["Math.abs(x)", "Math.abs(x) | 0"],
  sign: ["x > 0 ? 1 : x < 0 ? -1 : 0"],
  square: ["x * x", "Math.imul(x, x)"],
  sqrt: ["Math.sqrt(x)"],
  rsqrt: ["1 / Math.sqrt(x)"],
  exp: ["Math.exp(x)"],
  log: ["Math.log(x)"],
  erf: ["erf(x)"],
  tanh: ["Math.tanh(x)"],
  sigmoid: ["x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))"],
  softplus: ["Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))"],
};

function unaryHost(node: Node, [x]: readonly Node[], op: string, expr: string, p = 0) {
  const nest = broadcastNest(node.shape, [x.shape]);
  return stridedKernel(op, expr, ["x"], [node.dtype, x.dtype], nest, p);
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
  return stridedKernel(
    "where",
    "c ? a : b",
    ["c", "a", "b"],
    [node.dtype, nc.dtype, na.dtype, nb.dtype],
    nest,
  );
};

kernels.cast = (node, inputs) => {
  if (node.dtype === "bool") return unaryHost(node, inputs, "cast", "x !== 0 ? 1 : 0");
  if (node.dtype === "i32") return unaryHost(node, inputs, "cast", "Math.trunc(x)");
  return null;
};

kernels.threshold = (node, inputs) => {
  const { tau, inclusive } = attrsOf(node, "threshold");
  // `x > tau ? x : 0` leaves NaN at 0 (every comparison with NaN is false).
  return inclusive
    ? unaryHost(node, inputs, "threshold_ge", "x >= p ? x : 0", tau)
    : unaryHost(node, inputs, "threshold_gt", "x > p ? x : 0", tau);
};

kernels.pow = (node, inputs) =>
  unaryHost(node, inputs, "pow", "x ** p", attrsOf(node, "pow").exponent);

for (const [op, k] of Object.entries(kernels)) registerHostKernel(op, k);
