/**
 * tfjs kernels for elementwise ops. TF.js broadcasts like numpy; where its
 * semantics differ from the catalogue's they are pinned here: i32 division
 * truncates toward zero with x/0 = 0 (TF.js floors), a cast to bool is a
 * comparison with zero, and `where` broadcasts its three operands explicitly.
 * (`maximum`/`minimum` ties do not matter to forward values; their
 * gradients are catalogue ops of their own.)
 * @module
 */
import { attrsOf } from "../../../core/ops/attrs.ts";
import { registerTfKernel, type T, tfDtype } from "../kernel.ts";
import { expandTo } from "./movement.ts";
import type { TfModule } from "../loader.ts";

type Bin = (tf: TfModule, a: T, b: T) => T;

function binary(op: string, f: Bin): void {
  registerTfKernel(op, ({ tf }) => ([a, b]) => f(tf, a, b));
}

binary("add", (tf, a, b) => tf.add(a, b));
binary("sub", (tf, a, b) => tf.sub(a, b));
binary("mul", (tf, a, b) => tf.mul(a, b));
binary("maximum", (tf, a, b) => tf.maximum(a, b));
binary("minimum", (tf, a, b) => tf.minimum(a, b));
binary("lt", (tf, a, b) => tf.less(a, b));
binary("le", (tf, a, b) => tf.lessEqual(a, b));
binary("gt", (tf, a, b) => tf.greater(a, b));
binary("ge", (tf, a, b) => tf.greaterEqual(a, b));
binary("eq", (tf, a, b) => tf.equal(a, b));

registerTfKernel("div", ({ tf }, node) => {
  if (node.dtype !== "i32") return ([a, b]) => tf.div(a, b);
  // Truncating integer division, x/0 = 0 (the reference's rule); exact below 2^24.
  return ([a, b]) => {
    const q = tf.cast(tf.div(tf.cast(a, "float32"), tf.cast(b, "float32")), "int32");
    return tf.where(tf.equal(b, 0), tf.zerosLike(q), q);
  };
});

registerTfKernel("where", ({ tf }, node) => {
  const shape = [...node.shape];
  return ([c, a, b]) =>
    tf.where(expandTo(tf, c, shape), expandTo(tf, a, shape), expandTo(tf, b, shape));
});

registerTfKernel("cast", ({ tf }, node, [x]) => {
  const to = tfDtype(node.dtype);
  // Same dtype: a copy, so the node owns its own tensor.
  if (node.dtype === x.dtype) return ([a]) => tf.clone(a);
  // Nonzero → true. TF.js's WASM Cast to bool truncates to a byte instead (−1.7 → 255, −0.2 → 0).
  if (node.dtype === "bool") return ([a]) => tf.notEqual(a, tf.scalar(0, a.dtype));
  return ([a]) => tf.cast(a, to);
});

// x where it passes, else 0: a select, so NaN gives 0 as the catalogue says.
registerTfKernel("threshold", ({ tf }, node) => {
  const { tau, inclusive } = attrsOf(node, "threshold");
  return ([x]) => {
    const pass = inclusive ? tf.greaterEqual(x, tf.scalar(tau)) : tf.greater(x, tf.scalar(tau));
    return tf.where(pass, x, tf.zerosLike(x));
  };
});

registerTfKernel("pow", ({ tf }, node) => {
  const p = attrsOf(node, "pow").exponent;
  if (p === 2) return ([x]) => tf.square(x);
  if (p === 1) return ([x]) => tf.clone(x);
  return ([x]) => tf.pow(x, tf.scalar(p));
});

type Un = (tf: TfModule, x: T) => T;

function unary(op: string, f: Un): void {
  registerTfKernel(op, ({ tf }) => ([x]) => f(tf, x));
}

unary("neg", (tf, x) => tf.neg(x));
unary("abs", (tf, x) => tf.abs(x));
unary("sign", (tf, x) => tf.sign(x));
unary("square", (tf, x) => tf.square(x));
unary("sqrt", (tf, x) => tf.sqrt(x));
unary("rsqrt", (tf, x) => tf.rsqrt(x));
unary("exp", (tf, x) => tf.exp(x));
unary("log", (tf, x) => tf.log(x));
unary("erf", (tf, x) => tf.erf(x));
unary("tanh", (tf, x) => tf.tanh(x));
unary("sigmoid", (tf, x) => tf.sigmoid(x));
// log(1 + e^x) = max(x, 0) + log1p(e^-|x|): stable, and the reference's formula.
unary("softplus", (tf, x) => tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x))))));
