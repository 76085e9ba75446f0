/**
 * tfjs kernels for movement and source ops: reshape, transpose, broadcast_to,
 * full, identity, stop_gradient. (`input`, `state` and `constant` are
 * handled by the executable.)
 * @module
 */
import { registerTfKernel, tfDtype } from "../kernel.ts";

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
  return ([a]) => tf.broadcastTo(a, shape);
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
