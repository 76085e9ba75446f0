/** Reference kernels for elementwise ops (broadcasting via index tables). @module */
import type { Node } from "../../../core/graph.ts";
import type { TensorData } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { registerKernel } from "../kernel.ts";
import { broadcastIndex } from "./broadcast.ts";
import { erf } from "./math.ts";

type Fn2 = (a: number, b: number) => number;

function binaryKernel(f: Fn2, intF?: Fn2) {
  return (node: Node, [na, nb]: readonly Node[]) => {
    const fn = node.dtype === "i32" || na.dtype === "i32" ? intF ?? f : f;
    const ia = broadcastIndex(na.shape, node.shape);
    const ib = broadcastIndex(nb.shape, node.shape);
    return (out: TensorData, [a, b]: readonly TensorData[]) => {
      const n = out.length;
      if (!ia && !ib) { for (let i = 0; i < n; i++) out[i] = fn(a[i], b[i]); }
      else if (!ia) { for (let i = 0; i < n; i++) out[i] = fn(a[i], b[ib![i]]); }
      else if (!ib) { for (let i = 0; i < n; i++) out[i] = fn(a[ia[i]], b[i]); }
      else for (let i = 0; i < n; i++) out[i] = fn(a[ia[i]], b[ib[i]]);
    };
  };
}

registerKernel("add", binaryKernel((a, b) => a + b, (a, b) => (a + b) | 0));
registerKernel("sub", binaryKernel((a, b) => a - b, (a, b) => (a - b) | 0));
registerKernel("mul", binaryKernel((a, b) => a * b, (a, b) => Math.imul(a, b)));
registerKernel("div", binaryKernel((a, b) => a / b, (a, b) => (b === 0 ? 0 : Math.trunc(a / b))));
registerKernel("maximum", binaryKernel((a, b) => (a >= b || Number.isNaN(a) ? a : b)));
registerKernel("minimum", binaryKernel((a, b) => (a <= b || Number.isNaN(a) ? a : b)));
registerKernel("lt", binaryKernel((a, b) => (a < b ? 1 : 0)));
registerKernel("le", binaryKernel((a, b) => (a <= b ? 1 : 0)));
registerKernel("gt", binaryKernel((a, b) => (a > b ? 1 : 0)));
registerKernel("ge", binaryKernel((a, b) => (a >= b ? 1 : 0)));
registerKernel("eq", binaryKernel((a, b) => (a === b ? 1 : 0)));

registerKernel("where", (node, [nc, na, nb]) => {
  const ic = broadcastIndex(nc.shape, node.shape);
  const ia = broadcastIndex(na.shape, node.shape);
  const ib = broadcastIndex(nb.shape, node.shape);
  return (out, [c, a, b]) => {
    for (let i = 0; i < out.length; i++) {
      out[i] = c[ic ? ic[i] : i] ? a[ia ? ia[i] : i] : b[ib ? ib[i] : i];
    }
  };
});

registerKernel("cast", (node) => {
  const to = node.dtype;
  return (out, [x]) => {
    if (to === "bool") { for (let i = 0; i < out.length; i++) out[i] = x[i] !== 0 ? 1 : 0; }
    else if (to === "i32") { for (let i = 0; i < out.length; i++) out[i] = Math.trunc(x[i]); }
    else out.set(x);
  };
});

function unaryKernel(f: (x: number) => number, intF?: (x: number) => number) {
  return (node: Node) => {
    const fn = node.dtype === "i32" ? intF ?? f : f;
    return (out: TensorData, [x]: readonly TensorData[]) => {
      for (let i = 0; i < out.length; i++) out[i] = fn(x[i]);
    };
  };
}

registerKernel("pow", (node) => {
  const p = attrsOf(node, "pow").exponent;
  return unaryKernel((x) => x ** p)(node);
});
registerKernel("threshold", (node) => {
  const { tau, inclusive } = attrsOf(node, "threshold");
  // `x > tau ? x : 0` leaves NaN at 0 (every comparison with NaN is false).
  return inclusive
    ? unaryKernel((x) => (x >= tau ? x : 0))(node)
    : unaryKernel((x) => (x > tau ? x : 0))(node);
});
registerKernel("neg", unaryKernel((x) => -x, (x) => -x | 0));
registerKernel("abs", unaryKernel(Math.abs, (x) => Math.abs(x) | 0));
registerKernel("sign", unaryKernel((x) => (x > 0 ? 1 : x < 0 ? -1 : 0)));
registerKernel("square", unaryKernel((x) => x * x, (x) => Math.imul(x, x)));
registerKernel("sqrt", unaryKernel(Math.sqrt));
registerKernel("rsqrt", unaryKernel((x) => 1 / Math.sqrt(x)));
registerKernel("exp", unaryKernel(Math.exp));
registerKernel("log", unaryKernel(Math.log));
registerKernel("erf", unaryKernel(erf));
registerKernel("tanh", unaryKernel(Math.tanh));
registerKernel(
  "sigmoid",
  unaryKernel((x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))),
);
// log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
registerKernel("softplus", unaryKernel((x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))));
