/**
 * tfjs kernels for movement and source ops: reshape, transpose, broadcast_to,
 * full, identity, stop_gradient. (`input`, `state` and `constant` are
 * handled by the executable.)
 * @module
 */
import { attrsOf } from "../../../core/ops/attrs.ts";
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

/**
 * A transpose of rank ≥ 5 as a sequence of 4-D ones: TF.js's WASM transpose
 * is ~100× slower at rank 5 (50 ms for attention's [B,N,3,H,D] → [3,B,H,N,D]
 * at B=16) than at rank ≤ 4. Each step moves the next wanted axis forward
 * past the axes between: a [before, between, axis, after] view swapped in
 * its middle two, with every group merged into one axis.
 */
export function transposeBy4d(tf: TfModule, x: T, perm: readonly number[]): T {
  let order = perm.map((_, i) => i); // order[j] = original axis now at position j
  let shape = [...x.shape];
  let t = x;
  const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
  for (let target = 0; target < perm.length; target++) {
    const at = order.indexOf(perm[target]);
    if (at === target) continue;
    const view = [
      prod(shape.slice(0, target)),
      prod(shape.slice(target, at)),
      shape[at],
      prod(shape.slice(at + 1)),
    ];
    t = tf.transpose(tf.reshape(t, view), [0, 2, 1, 3]);
    shape = [
      ...shape.slice(0, target),
      shape[at],
      ...shape.slice(target, at),
      ...shape.slice(at + 1),
    ];
    order = [
      ...order.slice(0, target),
      order[at],
      ...order.slice(target, at),
      ...order.slice(at + 1),
    ];
    t = tf.reshape(t, shape);
  }
  return t;
}

registerTfKernel("transpose", ({ tf }, node) => {
  const perm = [...attrsOf(node, "transpose").perm];
  if (perm.length >= 5) return ([x]) => transposeBy4d(tf, x, perm);
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
  const value = keep(tf.fill([...node.shape], attrsOf(node, "full").value, tfDtype(node.dtype)));
  return () => tf.clone(value);
});

for (const op of ["identity", "stop_gradient"]) {
  registerTfKernel(op, ({ tf }) => ([x]) => tf.clone(x));
}
