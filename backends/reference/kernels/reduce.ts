/** Reference kernels for sum / mean / max (float64 accumulation). @module */
import type { Node } from "../../../core/graph.ts";
import { type Shape, sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { stridesOf } from "../../../core/shape.ts";
import { registerKernel } from "../kernel.ts";

/** For each input element, the flat index of the output element it reduces into. */
function reduceIndex(shape: Shape, axes: readonly number[]): Int32Array {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outStrides = stridesOf(kept).map((s, i) => (axes.includes(i) ? 0 : s));
  const n = sizeOf(shape);
  const idx = new Int32Array(n);
  const rank = shape.length;
  const counter = new Array<number>(rank).fill(0);
  let dst = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = dst;
    for (let ax = rank - 1; ax >= 0; ax--) {
      counter[ax]++;
      dst += outStrides[ax];
      if (counter[ax] < shape[ax]) break;
      dst -= outStrides[ax] * shape[ax];
      counter[ax] = 0;
    }
  }
  return idx;
}

function prepare(node: Node, [x]: readonly Node[]) {
  const axes = attrsOf(node, ["sum", "mean", "max"]).axes;
  const count = axes.reduce((c, a) => c * x.shape[a], 1);
  return { idx: reduceIndex(x.shape, axes), count, acc: new Float64Array(sizeOf(node.shape)) };
}

registerKernel("sum", (node, inputs) => {
  const { idx, acc } = prepare(node, inputs);
  return (out, [x]) => {
    acc.fill(0);
    for (let i = 0; i < idx.length; i++) acc[idx[i]] += x[i];
    out.set(acc);
  };
});

registerKernel("mean", (node, inputs) => {
  const { idx, acc, count } = prepare(node, inputs);
  return (out, [x]) => {
    acc.fill(0);
    for (let i = 0; i < idx.length; i++) acc[idx[i]] += x[i];
    for (let i = 0; i < out.length; i++) out[i] = acc[i] / count;
  };
});

registerKernel("max", (node, inputs) => {
  const { idx, acc } = prepare(node, inputs);
  return (out, [x]) => {
    acc.fill(-Infinity);
    for (let i = 0; i < idx.length; i++) {
      const v = x[i];
      if (v > acc[idx[i]] || Number.isNaN(v)) acc[idx[i]] = v;
    }
    out.set(acc);
  };
});
