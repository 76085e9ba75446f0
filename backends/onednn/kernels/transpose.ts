/**
 * `transpose` of f32 tensors on oneDNN's reorder primitive: the source is
 * described as the output's shape with the input's strides permuted (a view
 * of the input in the output's axis order), the destination as the plain
 * output. A reorder only moves bytes, so the result is bit-exact. It runs
 * multi-threaded and blocked, where the host kernel (host/movement.ts)
 * declines short rows and small blocks — attention's
 * `[B, T, H, D] → [B, H, T, D]` with D = 32 — to the reference's
 * index-table loop.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { type OnednnEnv, ownPrimitive, registerOnednnKernel } from "../kernel.ts";
import { memoryDesc, rowMajorStrides } from "../memory.ts";
import { ARG, reorderDesc } from "../primitive.ts";

registerOnednnKernel("transpose", (env: OnednnEnv, node: Node, [xn]: readonly Node[]) => {
  if (node.dtype !== "f32" || node.shape.length === 0) return null;
  const { perm } = attrsOf(node, "transpose");
  const inStrides = rowMajorStrides(xn.shape);
  const what = `transpose node ${node.id}: [${xn.shape}] perm [${perm}]`;
  const src = memoryDesc(env.ctx, node.shape, perm.map((p) => inStrides[p]));
  const dst = memoryDesc(env.ctx, node.shape);
  const p = ownPrimitive(env, { pd: reorderDesc(env.ctx, src, dst, what) }, [
    { arg: ARG.SRC, md: src },
    { arg: ARG.DST, md: dst },
  ], what);
  const run: KernelRun = (out, [x]) => p.run([x, out]);
  return run;
});
