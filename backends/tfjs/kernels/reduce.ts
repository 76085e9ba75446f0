/**
 * tfjs kernels for reductions (sum, mean, max), softmax, log-softmax and
 * layer norm. TF.js accumulates in float32 (the reference in float64); the
 * normalisations are written out in the reference's formulas (max-shifted
 * softmaxes, two-pass variance) so they agree to rounding.
 * @module
 */
import { attrsOf } from "../../../core/ops/attrs.ts";
import { registerTfKernel, type T } from "../kernel.ts";
import type { TfModule } from "../loader.ts";

type Reduce = (tf: TfModule, x: T, axes: number[], keep: boolean) => T;

function reduction(op: "sum" | "mean" | "max", f: Reduce): void {
  registerTfKernel(op, ({ tf }, node) => {
    const a = attrsOf(node, op);
    const axes = [...a.axes];
    const keep = a.keepdims;
    const shape = [...node.shape];
    // No axes: the value itself (TF.js would read an empty list as "all axes").
    if (axes.length === 0) return ([x]) => tf.reshape(x, shape);
    return ([x]) => f(tf, x, axes, keep);
  });
}

reduction("sum", (tf, x, a, k) => tf.sum(x, a, k));
reduction("mean", (tf, x, a, k) => tf.mean(x, a, k));
reduction("max", (tf, x, a, k) => tf.max(x, a, k));

function softmaxKernel(log: boolean) {
  return registerTfKernel(log ? "log_softmax" : "softmax", ({ tf }, node) => {
    const axis = attrsOf(node, ["softmax", "log_softmax"]).axis;
    return ([x]) => {
      const shifted = tf.sub(x, tf.max(x, axis, true));
      const e = tf.exp(shifted);
      const s = tf.sum(e, axis, true);
      return log ? tf.sub(shifted, tf.log(s)) : tf.div(e, s);
    };
  });
}
softmaxKernel(false);
softmaxKernel(true);

registerTfKernel("layer_norm", ({ tf }, node) => {
  const { numAxes, eps } = attrsOf(node, "layer_norm");
  const rank = node.shape.length;
  const axes = Array.from({ length: numAxes }, (_, i) => rank - numAxes + i);
  return ([x]) => {
    const c = tf.sub(x, tf.mean(x, axes, true));
    const v = tf.mean(tf.square(c), axes, true);
    return tf.mul(c, tf.rsqrt(tf.add(v, eps)));
  };
});
