/**
 * The normalisation composites (core/ops/batch_norm.ts, `layer_norm_grad`)
 * on oneDNN's batch and layer normalisation primitives, on plain row-major
 * layouts (`ncsp_bnorm` for [B, C, ...]; layer norm over the trailing axes
 * merged into one, oneDNN normalising the last axis of [rows, cols]):
 * - `batch_norm` with its `batch_moments` (the pair nn/batch_norm.ts builds):
 *   one forward-training call writing the output and both statistics, into
 *   rows 0 (mean) and 1 (variance) of the moments node's buffer, whose own
 *   kernel then runs nothing (`pairBatchNorms`);
 * - otherwise `batch_moments` alone: forward training, its normalised result
 *   to scratch, unused (oneDNN has no statistics-only mode), and
 *   `batch_norm` alone: forward with the given statistics
 *   (`use_global_stats`);
 * - `batch_norm_grad`: backward data with the statistics (`y` is not read:
 *   oneDNN recomputes what it needs from x);
 * - `layer_norm_grad`: layer normalisation forward training into scratch for
 *   the row statistics (the graph does not keep them), then backward data;
 * - `layer_norm` itself (not a composite): forward training, the statistics
 *   into scratch — in place of the bit-exact host kernel (host/layer_norm.ts),
 *   which ran ≈ 2.4 ms per vit_micro call at batch 128 on one core.
 * oneDNN sums in float32 with its own order and vectorised formulas, so
 * results agree with the reference's float64-accumulated decompositions to
 * float32 rounding, not bit for bit. A node takes these kernels when
 * `onednnComposite` says so at expansion time (otherwise the graph holds its
 * decomposition instead); `ACTLAB_ONEDNN_COMPOSITES=off` decomposes all.
 * @module
 */
import type { Graph, Node } from "../../../core/graph.ts";
import { sizeOf, type TensorData } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { envVar } from "../../../core/env.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import type { DnnlContext } from "../engine.ts";
import { type OnednnEnv, ownPrimitive, registerOnednnKernel } from "../kernel.ts";
import { memoryDesc } from "../memory.ts";
import { ARG, opDescBuffer, primitiveDesc } from "../primitive.ts";
import { check } from "../status.ts";

const FORWARD_TRAINING = 64; // dnnl_prop_kind_t
const FORWARD_INFERENCE = 96;
const BACKWARD_DATA = 160;
const USE_GLOBAL_STATS = 0x1; // dnnl_normalization_flags_t

/** The composite ops these kernels run. */
const COMPOSITES: ReadonlySet<string> = new Set([
  "batch_moments",
  "batch_norm",
  "batch_norm_grad",
  "layer_norm_grad",
]);

/**
 * Whether onednn-cpu runs composite `node` on these kernels (else it is
 * expanded): f32, non-empty, batch norm on [B, C] up to 5 axes (oneDNN's
 * limit).
 */
export function onednnComposite(node: Node): boolean {
  if (!COMPOSITES.has(node.op) || envVar("ACTLAB_ONEDNN_COMPOSITES") === "off") return false;
  if (node.dtype !== "f32" || sizeOf(node.shape) === 0) return false;
  return node.op === "layer_norm_grad" || node.op === "batch_moments" ||
    (node.shape.length >= 2 && node.shape.length <= 5);
}

function bnormDesc(ctx: DnnlContext, prop: number, md: Uint8Array, eps: number, flags: number) {
  const desc = opDescBuffer();
  check(
    ctx.lib.symbols.dnnl_batch_normalization_forward_desc_init(desc, prop, md, eps, flags),
    "dnnl_batch_normalization_forward_desc_init",
    `batch norm [prop ${prop}, flags ${flags}]`,
  );
  return desc;
}

function lnormDesc(ctx: DnnlContext, md: Uint8Array, stat: Uint8Array, eps: number) {
  const desc = opDescBuffer();
  check(
    ctx.lib.symbols.dnnl_layer_normalization_forward_desc_init(
      desc,
      FORWARD_TRAINING,
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

/** Mean and variance rows of a [2, C] moments buffer, as oneDNN's two statistics arguments. */
function rows(m: TensorData, c: number): [TensorData, TensorData] {
  return [m.subarray(0, c), m.subarray(c, 2 * c)];
}

/** The `shared` key marking a `batch_moments` node its `batch_norm` computes (see `pairBatchNorms`). */
function pairedKey(momentsId: number): string {
  return `batch_moments ${momentsId} computed by its batch_norm`;
}

/**
 * Mark each `batch_norm` of `graph` that can compute its own `batch_moments`
 * in the same primitive call — forward training writes the normalised
 * output and both statistics in one pass over x, where the pair would read x
 * twice and write a discarded output — when nothing reads the moments before
 * the `batch_norm` runs (every other reader comes later in the schedule,
 * which follows node ids). The moments node then runs nothing.
 */
export function pairBatchNorms(graph: Graph, shared: Map<string, unknown>): void {
  const firstOtherReader = new Map<number, number>();
  for (const n of graph.nodes) {
    n.inputs.forEach((i, k) => {
      if (graph.nodes[i].op !== "batch_moments" || (n.op === "batch_norm" && k === 1)) return;
      firstOtherReader.set(i, Math.min(firstOtherReader.get(i) ?? Infinity, n.id));
    });
  }
  for (const n of graph.nodes) {
    if (n.op !== "batch_norm" || !onednnComposite(n)) continue;
    const m = graph.nodes[n.inputs[1]];
    const readLater = (firstOtherReader.get(m.id) ?? Infinity) > n.id;
    if (
      m.op === "batch_moments" && m.inputs[0] === n.inputs[0] && readLater && onednnComposite(m)
    ) {
      shared.set(pairedKey(m.id), true);
    }
  }
}

registerOnednnKernel("batch_moments", (env: OnednnEnv, node: Node, [x]: readonly Node[]) => {
  if (!onednnComposite(node)) return null;
  if (env.shared.get(pairedKey(node.id))) {
    const nothing: KernelRun = () => {};
    return nothing;
  }
  const c = x.shape[1];
  const what = `batch_moments node ${node.id}: [${x.shape}]`;
  const md = memoryDesc(env.ctx, x.shape);
  const stat = memoryDesc(env.ctx, [c]);
  const p = ownPrimitive(env, bnormDesc(env.ctx, FORWARD_TRAINING, md, 1e-5, 0), [
    { arg: ARG.SRC, md },
    { arg: ARG.DST, md },
    { arg: ARG.MEAN, md: stat },
    { arg: ARG.VARIANCE, md: stat },
  ], what);
  const scratch = env.scratch.reserve([4 * sizeOf(x.shape)]);
  const run: KernelRun = (out, [xd]) => p.run([xd, scratch()[0], ...rows(out, c)]);
  return run;
});

registerOnednnKernel("batch_norm", (env: OnednnEnv, node: Node, [x, m]: readonly Node[]) => {
  if (!onednnComposite(node)) return null;
  const c = x.shape[1];
  const { eps } = attrsOf(node, "batch_norm");
  const what = `batch_norm node ${node.id}: [${x.shape}]`;
  const md = memoryDesc(env.ctx, x.shape);
  const stat = memoryDesc(env.ctx, [c]);
  if (env.shared.get(pairedKey(m.id))) {
    // Forward training: the statistics go straight into the moments node's buffer.
    const p = ownPrimitive(env, bnormDesc(env.ctx, FORWARD_TRAINING, md, eps, 0), [
      { arg: ARG.SRC, md },
      { arg: ARG.DST, md },
      { arg: ARG.MEAN, md: stat },
      { arg: ARG.VARIANCE, md: stat },
    ], `${what}, with its moments`);
    const run: KernelRun = (out, [xd, md2]) => p.run([xd, out, ...rows(md2, c)]);
    return run;
  }
  const p = ownPrimitive(env, bnormDesc(env.ctx, FORWARD_INFERENCE, md, eps, USE_GLOBAL_STATS), [
    { arg: ARG.SRC, md },
    { arg: ARG.MEAN, md: stat },
    { arg: ARG.VARIANCE, md: stat },
    { arg: ARG.DST, md },
  ], what);
  const run: KernelRun = (out, [xd, md2]) => p.run([xd, ...rows(md2, c), out]);
  return run;
});

registerOnednnKernel("batch_norm_grad", (env: OnednnEnv, node: Node, [x]: readonly Node[]) => {
  if (!onednnComposite(node)) return null;
  const c = x.shape[1];
  const { eps } = attrsOf(node, "batch_norm_grad");
  const what = `batch_norm_grad node ${node.id}: [${x.shape}]`;
  const ctx = env.ctx;
  const md = memoryDesc(ctx, x.shape);
  const stat = memoryDesc(ctx, [c]);
  const hint = primitiveDesc(ctx, bnormDesc(ctx, FORWARD_TRAINING, md, eps, 0), `${what} (hint)`);
  const desc = opDescBuffer();
  const status = ctx.lib.symbols.dnnl_batch_normalization_backward_desc_init(
    desc,
    BACKWARD_DATA,
    md,
    md,
    eps,
    0,
  );
  if (status !== 0) ctx.lib.symbols.dnnl_primitive_desc_destroy(hint);
  check(status, "dnnl_batch_normalization_backward_desc_init", what);
  const p = ownPrimitive(
    env,
    desc,
    [
      { arg: ARG.SRC, md },
      { arg: ARG.MEAN, md: stat },
      { arg: ARG.VARIANCE, md: stat },
      { arg: ARG.DIFF_DST, md },
      { arg: ARG.DIFF_SRC, md },
    ],
    what,
    hint,
  );
  const run: KernelRun = (out, [xd, m, _y, g]) => p.run([xd, ...rows(m, c), g, out]);
  return run;
});

registerOnednnKernel("layer_norm_grad", (env: OnednnEnv, node: Node, [x]: readonly Node[]) => {
  if (!onednnComposite(node)) return null;
  const { numAxes, eps } = attrsOf(node, "layer_norm_grad");
  const cols = sizeOf(x.shape.slice(x.shape.length - numAxes));
  const n = sizeOf(x.shape) / cols;
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
  const desc = opDescBuffer();
  const status = ctx.lib.symbols.dnnl_layer_normalization_backward_desc_init(
    desc,
    BACKWARD_DATA,
    md,
    md,
    stat,
    eps,
    0,
  );
  if (status !== 0) ctx.lib.symbols.dnnl_primitive_desc_destroy(hint);
  check(status, "dnnl_layer_normalization_backward_desc_init", what);
  const backward = ownPrimitive(
    env,
    desc,
    [
      { arg: ARG.SRC, md },
      { arg: ARG.MEAN, md: stat },
      { arg: ARG.VARIANCE, md: stat },
      { arg: ARG.DIFF_DST, md },
      { arg: ARG.DIFF_SRC, md },
    ],
    what,
    hint,
  );
  const scratch = env.scratch.reserve([4 * n * cols, 4 * n, 4 * n]);
  const run: KernelRun = (out, [xd, _y, g]) => {
    const [dst, mu, variance] = scratch();
    forward.run([xd, dst, mu, variance]);
    backward.run([xd, mu, variance, g, out]);
  };
  return run;
});

registerOnednnKernel("layer_norm", (env: OnednnEnv, node: Node, [x]: readonly Node[]) => {
  if (node.dtype !== "f32" || envVar("ACTLAB_ONEDNN_COMPOSITES") === "off") return null;
  const { numAxes, eps } = attrsOf(node, "layer_norm");
  const cols = sizeOf(x.shape.slice(x.shape.length - numAxes));
  const n = sizeOf(x.shape) / cols;
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
