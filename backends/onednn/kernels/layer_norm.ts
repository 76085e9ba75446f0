/**
 * Layer normalisation on oneDNN's primitive, over the trailing axes merged
 * into one (oneDNN normalises the last axis of [rows, cols], plain layout):
 * - `layer_norm`: forward training, the row statistics to scratch — in place
 *   of the bit-exact host kernel (host/layer_norm.ts), which ran ≈ 2.4 ms
 *   per vit_micro call at batch 128 on one core;
 * - `layer_norm_grad` (its VJP, a composite): forward training into scratch
 *   for the row statistics (the graph does not keep them), then backward
 *   data (`y` is not read: oneDNN recomputes what it needs from x).
 * oneDNN sums in float32 in its own order, so results agree with the
 * reference to float32 rounding, not bit for bit.
 * `ACTLAB_ONEDNN_COMPOSITES=off` leaves both to the host kernel and the
 * decomposition.
 * @module
 */
import { envVar } from "../../../core/env.ts";
import type { Node } from "../../../core/graph.ts";
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import type { DnnlContext } from "../engine.ts";
import {
  type OnednnEnv,
  ownBackwardPrimitive,
  ownPrimitive,
  registerOnednnKernel,
} from "../kernel.ts";
import { memoryDesc } from "../memory.ts";
import { ARG, opDescBuffer, primitiveDesc, PROP } from "../primitive.ts";
import { check } from "../status.ts";

function lnormDesc(ctx: DnnlContext, md: Uint8Array, stat: Uint8Array, eps: number): Uint8Array {
  const desc = opDescBuffer();
  check(
    ctx.lib.symbols.dnnl_layer_normalization_forward_desc_init(
      desc,
      PROP.forwardTraining,
      md,
      stat,
      eps,
      0,
    ),
    "dnnl_layer_normalization_forward_desc_init",
    "layer norm forward",
  );
  return desc;
}

/** The [rows, cols] view of `x` normalised over its trailing `numAxes` axes. */
function rowsAndCols(x: Node, numAxes: number): [number, number] {
  const cols = sizeOf(x.shape.slice(x.shape.length - numAxes));
  return [sizeOf(x.shape) / cols, cols];
}

registerOnednnKernel("layer_norm", (env: OnednnEnv, node: Node, [x]: readonly Node[]) => {
  if (node.dtype !== "f32" || envVar("ACTLAB_ONEDNN_COMPOSITES") === "off") return null;
  const { numAxes, eps } = attrsOf(node, "layer_norm");
  const [n, cols] = rowsAndCols(x, numAxes);
  const what = `layer_norm node ${node.id}: [${x.shape}] over ${numAxes} axes`;
  const md = memoryDesc(env.ctx, [n, cols]);
  const stat = memoryDesc(env.ctx, [n]);
  const p = ownPrimitive(env, lnormDesc(env.ctx, md, stat, eps), [
    { arg: ARG.SRC, md },
    { arg: ARG.DST, md },
    { arg: ARG.MEAN, md: stat },
    { arg: ARG.VARIANCE, md: stat },
  ], what);
  const scratch = env.scratch.reserve([4 * n, 4 * n]);
  const run: KernelRun = (out, [xd]) => p.run([xd, out, ...scratch()]);
  return run;
});

registerOnednnKernel("layer_norm_grad", (env: OnednnEnv, node: Node, [x]: readonly Node[]) => {
  if (node.dtype !== "f32" || envVar("ACTLAB_ONEDNN_COMPOSITES") === "off") return null;
  const { numAxes, eps } = attrsOf(node, "layer_norm_grad");
  const [n, cols] = rowsAndCols(x, numAxes);
  const what = `layer_norm_grad node ${node.id}: [${x.shape}] over ${numAxes} axes`;
  const ctx = env.ctx;
  const md = memoryDesc(ctx, [n, cols]);
  const stat = memoryDesc(ctx, [n]);
  const forward = ownPrimitive(env, lnormDesc(ctx, md, stat, eps), [
    { arg: ARG.SRC, md },
    { arg: ARG.DST, md },
    { arg: ARG.MEAN, md: stat },
    { arg: ARG.VARIANCE, md: stat },
  ], `${what} (statistics)`);
  const hint = primitiveDesc(ctx, lnormDesc(ctx, md, stat, eps), `${what} (hint)`);
  const backward = ownBackwardPrimitive(
    env,
    hint,
    (desc) => [
      ctx.lib.symbols.dnnl_layer_normalization_backward_desc_init(
        desc,
        PROP.backwardData,
        md,
        md,
        stat,
        eps,
        0,
      ),
      "dnnl_layer_normalization_backward_desc_init",
    ],
    [
      { arg: ARG.SRC, md },
      { arg: ARG.MEAN, md: stat },
      { arg: ARG.VARIANCE, md: stat },
      { arg: ARG.DIFF_DST, md },
      { arg: ARG.DIFF_SRC, md },
    ],
    what,
  );
  const scratch = env.scratch.reserve([4 * n * cols, 4 * n, 4 * n]);
  const run: KernelRun = (out, [xd, _y, g]) => {
    const [dst, mu, variance] = scratch();
    forward.run([xd, dst, mu, variance]);
    backward.run([xd, mu, variance, g, out]);
  };
  return run;
});
