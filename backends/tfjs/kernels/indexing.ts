/**
 * tfjs kernels for slice, slice_grad, concat, pad, gather, scatter_add and
 * one_hot. `scatter_add` is a `scatterND` (which accumulates repeated
 * indices) with the indexed axis moved to the front, because the WASM
 * backend has no `UnsortedSegmentSum`. Out-of-range indices are checked on
 * the host by the executable when the indices are a feed (TF.js's WASM
 * kernels do not check).
 * @module
 */
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { registerTfKernel, type T } from "../kernel.ts";
import type { TfModule } from "../loader.ts";

/**
 * Insert `step − 1` zeros between the elements of `x` along `axis` (the
 * transpose of a strided read): reshape to [..., n, 1, ...], pad the new
 * axis to `step`, merge, and drop the trailing zeros.
 */
export function spread(tf: TfModule, x: T, axis: number, step: number): T {
  if (step === 1) return x;
  const s = x.shape;
  const n = s[axis];
  if (n === 0) return x;
  const expanded = tf.reshape(x, [...s.slice(0, axis), n, 1, ...s.slice(axis + 1)]);
  const pads = expanded.shape.map((_, ax): [number, number] =>
    ax === axis + 1 ? [0, step - 1] : [0, 0]
  );
  const merged = tf.reshape(tf.pad(expanded, pads), [
    ...s.slice(0, axis),
    n * step,
    ...s.slice(axis + 1),
  ]);
  const begin = s.map(() => 0);
  const size = merged.shape.map((d, ax) => (ax === axis ? (n - 1) * step + 1 : d));
  return tf.slice(merged, begin, size);
}

registerTfKernel("slice", ({ tf }, node) => {
  const a = attrsOf(node, "slice");
  const starts = [...a.starts];
  const steps = [...a.steps];
  const size = [...node.shape];
  if (size.some((d) => d === 0)) return ([x]) => tf.zeros(size, x.dtype);
  if (steps.every((s) => s === 1)) return ([x]) => tf.slice(x, starts, size);
  const ends = starts.map((s, ax) => s + (size[ax] - 1) * steps[ax] + 1);
  return ([x]) => tf.stridedSlice(x, starts, ends, steps);
});

registerTfKernel("slice_grad", ({ tf }, node, [dy]) => {
  const shape = [...node.shape];
  const { starts, steps } = attrsOf(node, "slice_grad");
  if (sizeOf(dy.shape) === 0) return ([g]) => tf.zeros(shape, g.dtype);
  return ([g]) => {
    let t = g;
    steps.forEach((s, ax) => (t = spread(tf, t, ax, s)));
    const pads = shape.map((d, ax): [number, number] => [starts[ax], d - starts[ax] - t.shape[ax]]);
    return tf.pad(t, pads);
  };
});

registerTfKernel("concat", ({ tf }, node) => {
  const axis = attrsOf(node, "concat").axis;
  return (xs) => tf.concat(xs as T[], axis);
});

registerTfKernel("pad", ({ tf }, node, [x]) => {
  const { before, after, value } = attrsOf(node, "pad");
  const pads = before.map((b, ax): [number, number] => [b, after[ax]]);
  // TF.js pads numbers only: pad bools as i32 and convert back.
  if (x.dtype === "bool") {
    return ([a]) => tf.cast(tf.pad(tf.cast(a, "int32"), pads, value), "bool");
  }
  return ([a]) => tf.pad(a, pads, value);
});

registerTfKernel("gather", ({ tf }, node) => {
  const axis = attrsOf(node, "gather").axis;
  return ([x, idx]) => tf.gather(x, idx, axis);
});

registerTfKernel("scatter_add", ({ tf }, node, [upd, ind]) => {
  const axis = attrsOf(node, "scatter_add").axis;
  const out = node.shape;
  const k = ind.shape.length;
  const r = upd.shape.length;
  // Updates with the index axes first: [idx..., prefix..., suffix...].
  const permU = [
    ...Array.from({ length: k }, (_, i) => axis + i),
    ...Array.from({ length: axis }, (_, i) => i),
    ...Array.from({ length: r - axis - k }, (_, i) => axis + k + i),
  ];
  // Output with the indexed axis first, and the permutation that puts it back.
  const front = [out[axis], ...out.slice(0, axis), ...out.slice(axis + 1)];
  const back = out.map((_, i) => (i < axis ? i + 1 : i === axis ? 0 : i));
  if (sizeOf(ind.shape) === 0) return ([u]) => tf.zeros([...out], u.dtype);
  return ([u, idx]) => {
    const ut = axis === 0 ? u : tf.transpose(u, permU);
    const s = tf.scatterND(tf.reshape(idx, [...ind.shape, 1]), ut, front);
    return axis === 0 ? s : tf.transpose(s, back);
  };
});

registerTfKernel("one_hot", ({ tf }, node) => {
  const depth = attrsOf(node, "one_hot").depth;
  return ([idx]) => tf.cast(tf.oneHot(idx as Parameters<TfModule["oneHot"]>[0], depth), "float32");
});
