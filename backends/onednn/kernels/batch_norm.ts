/**
 * Batch normalisation's composites (core/ops/batch_norm.ts) on oneDNN's
 * batch normalisation primitives, plain layout (`ncsp_bnorm` for
 * [B, C, ...]), weight and bias as oneDNN's scale and shift:
 * - `batch_norm` with its `batch_moments` (the pair nn/batch_norm.ts
 *   builds): one forward-training call writing the output and both
 *   statistics, into rows 0 (mean) and 1 (variance) of the moments node's
 *   buffer, whose own kernel then runs nothing (`pairBatchNorms`);
 *   otherwise `batch_moments` alone (forward training, its output to
 *   scratch, unused: oneDNN has no statistics-only mode) and `batch_norm`
 *   alone (forward with the given statistics, `use_global_stats`);
 * - `batch_norm_grad` with its `batch_norm_param_grad` (the pair the VJP
 *   builds): one backward call writing the input's gradient and the weight's
 *   and bias's, the latter straight into the parameter-gradient node's
 *   buffer, which the planner allocates with it (`batchNormSiblings`, the
 *   planner's siblings) — the affine part's three passes of the decomposed
 *   graph (g·w, Σ g·x̂, Σ g) happen inside oneDNN's own two;
 *   `batch_norm_param_grad` alone runs the backward call with unit scale,
 *   its input gradient to scratch.
 * oneDNN sums in float32 in its own order, so results agree with the
 * reference's decompositions to float32 rounding, not bit for bit.
 * @module
 */
import type { Graph, Node } from "../../../core/graph.ts";
import { sizeOf, type TensorData } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { liveNodes } from "../../../core/plan.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import type { DnnlContext } from "../engine.ts";
import {
  type OnednnEnv,
  ownBackwardPrimitive,
  ownPrimitive,
  registerOnednnKernel,
} from "../kernel.ts";
import { memoryDesc } from "../memory.ts";
import { ARG, opDescBuffer, type PrimitiveArg, primitiveDesc, PROP } from "../primitive.ts";
import { check } from "../status.ts";
import { onednnComposite } from "./composites.ts";

const USE_GLOBAL_STATS = 0x1; // dnnl_normalization_flags_t
const SCALE_SHIFT = 0x8 | 0x10; // dnnl_use_scale | dnnl_use_shift

function forwardDesc(ctx: DnnlContext, prop: number, md: Uint8Array, eps: number, flags: number) {
  const desc = opDescBuffer();
  check(
    ctx.lib.symbols.dnnl_batch_normalization_forward_desc_init(desc, prop, md, eps, flags),
    "dnnl_batch_normalization_forward_desc_init",
    `batch norm [prop ${prop}, flags ${flags}]`,
  );
  return desc;
}

/** Mean and variance rows of a [2, C] moments buffer, as oneDNN's two statistics arguments. */
function rows(m: TensorData, c: number): [TensorData, TensorData] {
  return [m.subarray(0, c), m.subarray(c, 2 * c)];
}

/** The `shared` key marking a `batch_moments` node its `batch_norm` computes. */
function pairedKey(momentsId: number): string {
  return `batch_moments ${momentsId} computed by its batch_norm`;
}

/**
 * Mark each `batch_norm` of `graph` that computes its own `batch_moments` in
 * the same forward-training call (one pass over x where the pair would read
 * it twice and write a discarded output): when nothing reads the moments
 * before the `batch_norm` runs (every other reader comes later in the
 * schedule, which follows node ids).
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
    if (n.op !== "batch_norm" || !onednnComposite(n, graph)) continue;
    const m = graph.nodes[n.inputs[1]];
    const readLater = (firstOtherReader.get(m.id) ?? Infinity) > n.id;
    if (
      m.op === "batch_moments" && m.inputs[0] === n.inputs[0] && readLater &&
      onednnComposite(m, graph)
    ) shared.set(pairedKey(m.id), true);
  }
}

/**
 * The planner's siblings for `graph`: each live `batch_norm_param_grad` →
 * the earlier live `batch_norm_grad` of the same x, moments and output
 * gradient, whose backward call computes it.
 */
export function batchNormSiblings(graph: Graph, outputs?: readonly string[]): Map<number, number> {
  const live = liveNodes(graph, outputs);
  const grads = new Map<string, number>();
  const siblings = new Map<number, number>();
  const key = (x: number, m: number, g: number) => `${x} ${m} ${g}`;
  for (const n of graph.nodes) {
    if (!live[n.id] || !onednnComposite(n, graph)) continue;
    if (n.op === "batch_norm_grad") grads.set(key(n.inputs[0], n.inputs[1], n.inputs[3]), n.id);
    if (n.op === "batch_norm_param_grad") {
      const by = grads.get(key(n.inputs[0], n.inputs[1], n.inputs[2]));
      if (by !== undefined) siblings.set(n.id, by);
    }
  }
  return siblings;
}

/** x, statistics and per-channel descriptors of a batch-norm node over input `x`. */
function descs(env: OnednnEnv, x: Node) {
  const c = x.shape[1];
  return { c, md: memoryDesc(env.ctx, x.shape), stat: memoryDesc(env.ctx, [c]) };
}

registerOnednnKernel("batch_moments", (env: OnednnEnv, node: Node, [x]: readonly Node[]) => {
  if (node.dtype !== "f32") return null;
  if (env.shared.get(pairedKey(node.id))) {
    const nothing: KernelRun = () => {};
    return nothing;
  }
  const { c, md, stat } = descs(env, x);
  const p = ownPrimitive(env, forwardDesc(env.ctx, PROP.forwardTraining, md, 1e-5, 0), [
    { arg: ARG.SRC, md },
    { arg: ARG.DST, md },
    { arg: ARG.MEAN, md: stat },
    { arg: ARG.VARIANCE, md: stat },
  ], `batch_moments node ${node.id}: [${x.shape}]`);
  const scratch = env.scratch.reserve([4 * sizeOf(x.shape)]);
  const run: KernelRun = (out, [xd]) => p.run([xd, scratch()[0], ...rows(out, c)]);
  return run;
});

registerOnednnKernel("batch_norm", (env: OnednnEnv, node: Node, [x, m]: readonly Node[]) => {
  if (node.dtype !== "f32") return null;
  const { eps } = attrsOf(node, "batch_norm");
  const { c, md, stat } = descs(env, x);
  const what = `batch_norm node ${node.id}: [${x.shape}]`;
  const args: PrimitiveArg[] = [
    { arg: ARG.SRC, md },
    { arg: ARG.MEAN, md: stat },
    { arg: ARG.VARIANCE, md: stat },
    { arg: ARG.SCALE, md: stat },
    { arg: ARG.SHIFT, md: stat },
    { arg: ARG.DST, md },
  ];
  // Paired: forward training computes the statistics into the moments node's buffer.
  const paired = env.shared.get(pairedKey(m.id)) === true;
  const desc = paired
    ? forwardDesc(env.ctx, PROP.forwardTraining, md, eps, SCALE_SHIFT)
    : forwardDesc(env.ctx, PROP.forwardInference, md, eps, SCALE_SHIFT | USE_GLOBAL_STATS);
  const p = ownPrimitive(env, desc, args, paired ? `${what}, with its moments` : what);
  const run: KernelRun = (out, [xd, md2, w, b]) => p.run([xd, ...rows(md2, c), w, b, out]);
  return run;
});

/** A backward primitive (input, scale and shift gradients) for input `x`. */
function backward(env: OnednnEnv, x: Node, eps: number, what: string) {
  const ctx = env.ctx;
  const { c, md, stat } = descs(env, x);
  const hint = primitiveDesc(
    ctx,
    forwardDesc(ctx, PROP.forwardTraining, md, eps, SCALE_SHIFT),
    `${what} (hint)`,
  );
  const p = ownBackwardPrimitive(
    env,
    hint,
    (desc) => [
      ctx.lib.symbols.dnnl_batch_normalization_backward_desc_init(
        desc,
        PROP.backward,
        md,
        md,
        eps,
        SCALE_SHIFT,
      ),
      "dnnl_batch_normalization_backward_desc_init",
    ],
    [
      { arg: ARG.SRC, md },
      { arg: ARG.MEAN, md: stat },
      { arg: ARG.VARIANCE, md: stat },
      { arg: ARG.DIFF_DST, md },
      { arg: ARG.SCALE, md: stat },
      { arg: ARG.SHIFT, md: stat },
      { arg: ARG.DIFF_SRC, md },
      { arg: ARG.DIFF_SCALE, md: stat },
      { arg: ARG.DIFF_SHIFT, md: stat },
    ],
    what,
  );
  // oneDNN 2.6 checks that the shift is bound, though the gradients do not read it.
  const shift = new Float32Array(c);
  return { p, c, shift };
}

registerOnednnKernel("batch_norm_grad", (env: OnednnEnv, node: Node, inputs: readonly Node[]) => {
  if (node.dtype !== "f32") return null;
  const [x] = inputs;
  const { eps } = attrsOf(node, "batch_norm_grad");
  const { p, c, shift } = backward(env, x, eps, `batch_norm_grad node ${node.id}: [${x.shape}]`);
  // A fifth input is the sibling batch_norm_param_grad node, written here; else scratch.
  const sibling = inputs.length > 4;
  const scratch = sibling ? null : env.scratch.reserve([8 * c]);
  const run: KernelRun = (out, [xd, m, w, g, pg]) => {
    const params = pg ?? new Float32Array(scratch!()[0].buffer, scratch!()[0].byteOffset, 2 * c);
    p.run([xd, ...rows(m, c), g, w, shift, out, ...rows(params, c)]);
  };
  return run;
});

registerOnednnKernel(
  "batch_norm_param_grad",
  (env: OnednnEnv, node: Node, [x]: readonly Node[]) => {
    if (node.dtype !== "f32") return null;
    const { eps } = attrsOf(node, "batch_norm_param_grad");
    const { p, c, shift } = backward(
      env,
      x,
      eps,
      `batch_norm_param_grad node ${node.id}: [${x.shape}]`,
    );
    // Alone: unit scale (the parameters' gradients do not depend on it), input gradient to scratch.
    const ones = new Float32Array(c).fill(1);
    const scratch = env.scratch.reserve([4 * sizeOf(x.shape)]);
    const run: KernelRun = (out, [xd, m, g]) =>
      p.run([xd, ...rows(m, c), g, ones, shift, scratch()[0], ...rows(out, c)]);
    return run;
  },
);
