/**
 * tfjs kernel for matmul. TF.js's batched matmul mishandles broadcasting
 * between batch shapes of different rank (e.g. [2,1,·,·] × [3,·,·]), so the
 * batch axes are made explicit: a plain 2-D right operand folds the left
 * operand's batch into its rows (no copy of the weights); otherwise both
 * operands are broadcast to the full batch and flattened to one batch axis.
 * @module
 */
import { sizeOf } from "../../../core/host_tensor.ts";
import { registerTfKernel } from "../kernel.ts";
import { expandTo } from "./movement.ts";

registerTfKernel("matmul", ({ tf }, node, [an, bn]) => {
  const transA = node.attrs.transA as boolean;
  const transB = node.attrs.transB as boolean;
  const out = [...node.shape];
  const batch = out.slice(0, -2);
  const nb = sizeOf(batch);
  if (an.shape.length === 2 && bn.shape.length === 2) {
    return ([a, b]) => tf.matMul(a, b, transA, transB);
  }
  if (bn.shape.length === 2 && !transA) {
    const k = an.shape[an.shape.length - 1];
    return ([a, b]) => tf.reshape(tf.matMul(tf.reshape(a, [-1, k]), b, false, transB), out);
  }
  const full = (s: readonly number[]) => [nb, s[s.length - 2], s[s.length - 1]];
  const expand = (t: typeof an.shape) => [...batch, ...t.slice(-2)];
  return ([a, b]) => {
    const a3 = tf.reshape(expandTo(tf, a, expand(an.shape)), full(an.shape));
    const b3 = tf.reshape(expandTo(tf, b, expand(bn.shape)), full(bn.shape));
    return tf.reshape(tf.matMul(a3, b3, transA, transB), out);
  };
});
