/**
 * Reference kernels for slice, slice_grad, concat, pad, gather, scatter_add
 * and one_hot. Static index tables are built at prepare time; gather and
 * scatter_add check their (runtime) indices on every run.
 * @module
 */
import { ActlabError } from "../../../core/errors.ts";
import type { Node } from "../../../core/graph.ts";
import { type Shape, sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { stridesOf } from "../../../core/shape.ts";
import { registerKernel } from "../kernel.ts";

/**
 * For each element of a `shape`-sized box, the flat index it has inside a
 * tensor with `strides`, the box starting at `base` and stepping `step[ax]`.
 */
function boxIndex(
  shape: Shape,
  strides: readonly number[],
  base: number,
  step: readonly number[],
): Int32Array {
  const n = sizeOf(shape);
  const idx = new Int32Array(n);
  const rank = shape.length;
  const st = strides.map((s, ax) => s * step[ax]);
  const counter = new Array<number>(rank).fill(0);
  let at = base;
  for (let i = 0; i < n; i++) {
    idx[i] = at;
    for (let ax = rank - 1; ax >= 0; ax--) {
      counter[ax]++;
      at += st[ax];
      if (counter[ax] < shape[ax]) break;
      at -= st[ax] * shape[ax];
      counter[ax] = 0;
    }
  }
  return idx;
}

/** Where each element of a slice of `big` (starts/steps, slice shape `small`) lives in `big`. */
function sliceIndex(
  big: Shape,
  small: Shape,
  starts: readonly number[],
  steps: readonly number[],
): Int32Array {
  const st = stridesOf(big);
  const base = starts.reduce((acc, s, ax) => acc + s * st[ax], 0);
  return boxIndex(small, st, base, steps);
}

registerKernel("slice", (node, [x]) => {
  const { starts, steps } = attrsOf(node, "slice");
  const idx = sliceIndex(x.shape, node.shape, starts, steps);
  return (out, [a]) => {
    for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]];
  };
});

registerKernel("slice_grad", (node, [dy]) => {
  const { starts, steps } = attrsOf(node, "slice_grad");
  const idx = sliceIndex(node.shape, dy.shape, starts, steps);
  return (out, [g]) => {
    out.fill(0);
    for (let i = 0; i < idx.length; i++) out[idx[i]] = g[i];
  };
});

registerKernel("concat", (node, inputs) => {
  const axis = attrsOf(node, "concat").axis;
  // Each input is `outer` contiguous chunks that land side by side in the output rows.
  const outer = sizeOf(node.shape.slice(0, axis));
  const row = sizeOf(node.shape.slice(axis));
  const chunks = inputs.map((x) => sizeOf(x.shape.slice(axis)));
  const offsets = chunks.map((_, i) => chunks.slice(0, i).reduce((s, c) => s + c, 0));
  return (out, ins) => {
    for (let k = 0; k < ins.length; k++) {
      const src = ins[k], c = chunks[k], off = offsets[k];
      if (c === 0) continue;
      for (let o = 0; o < outer; o++) out.set(src.subarray(o * c, o * c + c), o * row + off);
    }
  };
});

registerKernel("pad", (node, [x]) => {
  const { before, value } = attrsOf(node, "pad");
  const idx = sliceIndex(node.shape, x.shape, before, before.map(() => 1));
  return (out, [a]) => {
    out.fill(value);
    for (let i = 0; i < idx.length; i++) out[idx[i]] = a[i];
  };
});

/** Loop bounds of gather/scatter_add around the indexed axis of the "big" tensor. */
function axisGeometry(big: Shape, axis: number) {
  return {
    outer: sizeOf(big.slice(0, axis)),
    dim: big[axis],
    inner: sizeOf(big.slice(axis + 1)),
  };
}

function badIndex(op: string, v: number, j: number, idxShape: Shape, axis: number, dim: number) {
  const pos = idxShape.length === 0
    ? ""
    : ` at [${stridesOf(idxShape).map((s, ax) => Math.floor(j / s) % idxShape[ax])}]`;
  return new ActlabError(
    `${op}: index ${v}${pos} of the indices is out of range for axis ${axis} of size ${dim}`,
    `indices must lie in [0, ${dim - 1}]; check labels/token ids against the table size`,
  );
}

function checkIndices(op: "gather" | "scatter_add", node: Node, idxNode: Node, dim: number) {
  const axis = attrsOf(node, op).axis;
  return (ids: ArrayLike<number>) => {
    for (let j = 0; j < ids.length; j++) {
      const v = ids[j];
      if (v < 0 || v >= dim) throw badIndex(op, v, j, idxNode.shape, axis, dim);
    }
  };
}

registerKernel("gather", (node, [x, ind]) => {
  const { outer, dim, inner } = axisGeometry(x.shape, attrsOf(node, "gather").axis);
  const nIdx = sizeOf(ind.shape);
  const check = checkIndices("gather", node, ind, dim);
  return (out, [a, ids]) => {
    check(ids);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < nIdx; j++) {
        const src = (o * dim + ids[j]) * inner;
        const dst = (o * nIdx + j) * inner;
        if (inner >= 32) out.set(a.subarray(src, src + inner), dst);
        else for (let t = 0; t < inner; t++) out[dst + t] = a[src + t];
      }
    }
  };
});

registerKernel("scatter_add", (node, [, ind]) => {
  const { outer, dim, inner } = axisGeometry(node.shape, attrsOf(node, "scatter_add").axis);
  const nIdx = sizeOf(ind.shape);
  const check = checkIndices("scatter_add", node, ind, dim);
  return (out, [u, ids]) => {
    check(ids);
    out.fill(0);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < nIdx; j++) {
        const dst = (o * dim + ids[j]) * inner;
        const src = (o * nIdx + j) * inner;
        for (let t = 0; t < inner; t++) out[dst + t] += u[src + t];
      }
    }
  };
});

registerKernel("one_hot", (node) => {
  const depth = attrsOf(node, "one_hot").depth;
  return (out, [ids]) => {
    out.fill(0);
    for (let j = 0; j < ids.length; j++) {
      const v = ids[j];
      if (v >= 0 && v < depth) out[j * depth + v] = 1;
    }
  };
});
