/**
 * `softmax` of f32 tensors on oneDNN's softmax (v2) primitive, forward
 * inference, over the op's axis on the plain layout (algorithm
 * `softmax_accurate`: oneDNN subtracts the row maximum first, like the
 * reference). oneDNN evaluates `exp` with its own vectorised approximation
 * and sums in float32, so results agree with the reference to a few ulp, not
 * bit for bit — the host kernel (host/softmax.ts) is bit-exact but bound by
 * `Math.exp` at ≈ 25 ns per element, which made softmax the largest op of a
 * vit_micro step (attention). oneDNN 2.6 does not propagate a NaN through a
 * row (measured: a row with one NaN came out partly 0), so a tensor holding
 * any non-finite value runs the host kernel instead — NaN and ±∞ keep the
 * reference's semantics, which the divergence checks rely on; the scan costs
 * one pass over the input. `log_softmax` (the loss, on [batch, classes]) stays
 * on the bit-exact host kernel: its cost is negligible and oneDNN's is off by
 * ≈ 1e-6 where the exact answer is 0.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { softmaxHostKernels } from "../host/softmax.ts";
import { type OnednnEnv, ownPrimitive, registerOnednnKernel } from "../kernel.ts";
import { memoryDesc } from "../memory.ts";
import { ARG, opDescBuffer, PROP } from "../primitive.ts";
import { check } from "../status.ts";
import { scans } from "../wasm/scan.ts";

const SOFTMAX_ACCURATE = 0x30000; // dnnl_alg_kind_t dnnl_softmax_accurate

registerOnednnKernel("softmax", (env: OnednnEnv, node: Node, inputs: readonly Node[]) => {
  if (node.dtype !== "f32") return null;
  const exact = softmaxHostKernels.softmax(node, inputs);
  if (exact === null) return null;
  const op = "softmax";
  const rank = node.shape.length;
  const axis = attrsOf(node, op).axis;
  const what = `${op} node ${node.id}: [${node.shape}] over axis ${axis}`;
  const md = memoryDesc(env.ctx, node.shape);
  const desc = opDescBuffer();
  check(
    env.ctx.lib.symbols.dnnl_softmax_v2_forward_desc_init(
      desc,
      PROP.forwardInference,
      SOFTMAX_ACCURATE,
      md,
      md,
      axis < 0 ? axis + rank : axis,
    ),
    "dnnl_softmax_v2_forward_desc_init",
    what,
  );
  const p = ownPrimitive(env, desc, [
    { arg: ARG.SRC, md },
    { arg: ARG.DST, md },
  ], what);
  const { hasNonFinite } = scans(env.wasm);
  const run: KernelRun = (out, ins) =>
    hasNonFinite(ins[0]) ? exact(out, ins) : p.run([ins[0], out]);
  return run;
});
