/**
 * `sum` and `mean` of f32 tensors on oneDNN's reduction primitive. The
 * destination keeps every reduced axis as size 1 — the same bytes as
 * `keepdims: false`. oneDNN accumulates in float32 in its own order where
 * the reference accumulates in float64, so results agree to f32 rounding,
 * not bit for bit. A reduction that only drops size-1 axes (a copy, which
 * oneDNN rejects) runs the reference kernel, and so does one for which
 * oneDNN 2.6 has only its `ref:any` implementation — on plain layouts that is
 * every partial reduction (batch-norm statistics over N, H, W; a middle
 * axis), measured 3–10× slower than the TypeScript kernel; its jit kernels
 * cover whole-tensor reductions (DNNL_VERBOSE=1 shows which one runs) and
 * reductions of trailing axes, but the latter are slow on short rows: per
 * element, 1 thread, rows of 49–96 took 2.5–9.5 ns against 1.2 ns on the
 * host kernel (host/reduce.ts, bit-identical with the reference); rows of
 * 1024 took 0.4 ns against 1.1. So a partial reduction whose contiguous
 * reduced run is shorter than MIN_ROW is declined too, to the host kernel.
 * `max` stays on the reference kernel (its NaN propagation and tie rule).
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { sameShape } from "../../../core/shape.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { type OnednnEnv, ownFastPrimitive, registerOnednnKernel } from "../kernel.ts";
import { memoryDesc } from "../memory.ts";
import { ARG, opDescBuffer } from "../primitive.ts";
import { check } from "../status.ts";

/** Shortest contiguous reduced run a partial reduction must have to run on oneDNN (see header). */
const MIN_ROW = 256;

/** Product of the trailing reduced axes (after the last kept axis of size > 1), or null if none is kept. */
function reducedRow(shape: readonly number[], axes: readonly number[]): number | null {
  let row = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (!axes.includes(i) && shape[i] > 1) return row;
    if (axes.includes(i)) row *= shape[i];
  }
  return null;
}

const ALG = { sum: 0x2fff4, mean: 0x2fff6 } as const; // dnnl_reduction_sum / _mean (2.6)

function reduction(op: keyof typeof ALG) {
  return (env: OnednnEnv, node: Node, [xn]: readonly Node[]): KernelRun | null => {
    const { axes } = attrsOf(node, op);
    const kept = xn.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    // oneDNN takes no reduction whose every reduced axis has size 1 (a copy).
    if (xn.dtype !== "f32" || sameShape(kept, xn.shape)) return null;
    const row = reducedRow(xn.shape, axes);
    if (row !== null && row < MIN_ROW) return null;
    const what = `${op} node ${node.id}: [${xn.shape}] over axes [${axes}]`;
    const src = memoryDesc(env.ctx, xn.shape);
    const dst = memoryDesc(env.ctx, kept);
    const desc = opDescBuffer();
    check(
      env.ctx.lib.symbols.dnnl_reduction_desc_init(desc, ALG[op], src, dst, 0, 0),
      "dnnl_reduction_desc_init",
      what,
    );
    const p = ownFastPrimitive(env, desc, [
      { arg: ARG.SRC, md: src },
      { arg: ARG.DST, md: dst },
    ], what);
    if (p === null) return null;
    return (out, [x]) => p.run([x, out]);
  };
}

registerOnednnKernel("sum", reduction("sum"));
registerOnednnKernel("mean", reduction("mean"));
