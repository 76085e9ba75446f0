/**
 * Unary f32 ops on oneDNN's eltwise primitive (forward, no workspace):
 * `neg` (linear with α = −1, β = −0, so that −(+0) = −0 as in IEEE),
 * `abs`, `square` and `sqrt` — bit-exact with the reference (one correctly
 * rounded f32 operation each; the reference's float64 value rounded once is
 * the same) — and `exp`, `log` and `tanh`, which oneDNN evaluates with its own
 * polynomial approximations: within a few ulp of the reference, not bit-exact.
 * i32 nodes run the reference kernels.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { type OnednnEnv, ownPrimitive, registerOnednnKernel } from "../kernel.ts";
import { memoryDesc } from "../memory.ts";
import { ARG, opDescBuffer, PROP } from "../primitive.ts";
import { check } from "../status.ts";

/** dnnl_alg_kind_t of each op, with its α and β (dnnl_types.h, oneDNN 2.6). */
const ALGS = {
  neg: [0x7f, -1, -0], // dnnl_eltwise_linear: α·x + β
  abs: [0x5f, 0, 0],
  square: [0x4f, 0, 0],
  sqrt: [0x6f, 0, 0],
  exp: [0xbf, 0, 0],
  log: [0xef, 0, 0],
  tanh: [0x2f, 0, 0],
} as const;

/** Ops whose oneDNN result equals the reference's bit for bit. */
export const EXACT_ELTWISE: readonly string[] = ["neg", "abs", "square", "sqrt"];

function eltwise(op: keyof typeof ALGS) {
  const [alg, alpha, beta] = ALGS[op];
  return (env: OnednnEnv, node: Node): KernelRun | null => {
    if (node.dtype !== "f32") return null;
    const what = `${op} node ${node.id}: [${node.shape}]`;
    const md = memoryDesc(env.ctx, node.shape);
    const desc = opDescBuffer();
    check(
      env.ctx.lib.symbols.dnnl_eltwise_forward_desc_init(
        desc,
        PROP.forwardInference,
        alg,
        md,
        alpha,
        beta,
      ),
      "dnnl_eltwise_forward_desc_init",
      what,
    );
    const p = ownPrimitive(env, desc, [
      { arg: ARG.SRC, md },
      { arg: ARG.DST, md },
    ], what);
    return (out, [x]) => p.run([x, out]);
  };
}

for (const op of Object.keys(ALGS) as (keyof typeof ALGS)[]) {
  registerOnednnKernel(op, eltwise(op));
}
