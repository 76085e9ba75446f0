/**
 * tfjs kernel for matmul. Two TF.js behaviours shape it:
 *
 * - Its batched matmul mishandles broadcasting between batch shapes of
 *   different rank (e.g. [2,1,·,·] × [3,·,·]), so batch axes are made
 *   explicit: a 2-D right operand folds the left operand's batch into its
 *   rows (no copy of the weights); otherwise both operands are broadcast to
 *   the full batch and flattened to one batch axis.
 * - On WASM only a single, untransposed product reaches XNNPACK: a transpose
 *   flag or a batch falls back to a loop ~5–25× slower (measured: 96×1040 ·
 *   1040×288 with transA 75 ms, with an explicit transpose 3 ms). So on WASM
 *   transposes are materialised, and batches of large products run as one
 *   2-D product per batch entry (small ones, like attention's per-head
 *   products, stay batched: per-call overhead wins there).
 * @module
 */
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { registerTfKernel, type T } from "../kernel.ts";
import type { TfModule } from "../loader.ts";
import { expandTo } from "./movement.ts";

/** Products at least this large (m·k·n) run one per batch entry on WASM. */
const LOOP_MIN_WORK = 1 << 18;

/** `t` with its last two axes swapped, materialised. */
function swapLast(tf: TfModule, t: T): T {
  const r = t.shape.length;
  return tf.transpose(t, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
}

registerTfKernel("matmul", ({ tf, flavour }, node, [an, bn]) => {
  const wasm = flavour === "wasm";
  const { transA, transB } = attrsOf(node, "matmul");
  // On WASM the flags are applied up front and the products below run untransposed.
  const tA = wasm ? false : transA;
  const tB = wasm ? false : transB;
  const prep = (a: T, b: T): [T, T] =>
    wasm ? [transA ? swapLast(tf, a) : a, transB ? swapLast(tf, b) : b] : [a, b];
  const out = [...node.shape];
  const batch = out.slice(0, -2);
  const nb = sizeOf(batch);
  const [m, n] = out.slice(-2);
  const ra = an.shape.length, rb = bn.shape.length;
  const k = transA ? an.shape[ra - 2] : an.shape[ra - 1];
  if (ra === 2 && rb === 2) {
    return (ins) => {
      const [a, b] = prep(ins[0], ins[1]);
      return tf.matMul(a, b, tA, tB);
    };
  }
  if (rb === 2 && !transA) {
    return (ins) => {
      const [a, b] = prep(ins[0], ins[1]);
      return tf.reshape(tf.matMul(tf.reshape(a, [-1, k]), b, false, tB), out);
    };
  }
  const loop = wasm && m * k * n >= LOOP_MIN_WORK && nb > 1;
  return (ins) => {
    const [a, b] = prep(ins[0], ins[1]);
    const full = (t: T) => [nb, t.shape[t.shape.length - 2], t.shape[t.shape.length - 1]];
    const expand = (t: T) => [...batch, ...t.shape.slice(-2)];
    const a3 = tf.reshape(expandTo(tf, a, expand(a)), full(a));
    const b3 = tf.reshape(expandTo(tf, b, expand(b)), full(b));
    if (!loop) return tf.reshape(tf.matMul(a3, b3, tA, tB), out);
    const as = tf.unstack(a3), bs = tf.unstack(b3);
    return tf.reshape(tf.stack(as.map((x, i) => tf.matMul(x, bs[i]))), out);
  };
});
