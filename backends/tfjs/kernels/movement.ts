/**
 * tfjs kernels for movement and source ops: reshape, transpose, broadcast_to,
 * full, identity, stop_gradient. (`input`, `state` and `constant` are
 * handled by the executable.)
 * @module
 */
import { registerTfKernel, type T, tfDtype } from "../kernel.ts";
import type { TfModule } from "../loader.ts";

/**
 * `t` broadcast to `shape`. TF.js's `broadcastTo` is a `Tile`, ~20× slower
 * on WASM than a broadcasting add of zeros, which gives the same values
 * (x + 0 = x; a −0 becomes +0). Bools go through int32.
 */
export function expandTo(tf: TfModule, t: T, shape: readonly number[]): T {
  if (t.shape.join() === shape.join()) return t;
  if (t.dtype === "bool") {
    return tf.cast(tf.add(tf.zeros([...shape], "int32"), tf.cast(t, "int32")), "bool");
  }
  return tf.add(tf.zeros([...shape], t.dtype), t);
}

registerTfKernel("reshape", ({ tf }, node) => {
  const shape = [...node.shape];
  return ([x]) => tf.reshape(x, shape);
});

registerTfKernel("transpose", ({ tf }, node) => {
  const perm = [...(node.attrs.perm as number[])];
  return ([x]) => tf.transpose(x, perm);
});

registerTfKernel("broadcast_to", ({ tf }, node, [x]) => {
  const shape = [...node.shape];
  if (shape.join() === x.shape.join()) return ([a]) => tf.clone(a);
  return ([a]) => expandTo(tf, a, shape);
});

// A `full` node has no inputs: its tensor is made once and copied (cheaply:
// a clone shares the data) so that every run's value can be disposed alone.
registerTfKernel("full", ({ tf, keep }, node) => {
  const value = keep(tf.fill([...node.shape], node.attrs.value as number, tfDtype(node.dtype)));
  return () => tf.clone(value);
});

for (const op of ["identity", "stop_gradient"]) {
  registerTfKernel(op, ({ tf }) => ([x]) => tf.clone(x));
}
