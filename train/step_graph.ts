/**
 * Assembles ONE step graph from a model: input normalisation, forward,
 * cross-entropy plus every plugin's extra loss terms, and — in the train
 * phase — the backward graph, the taps plugins asked for (their state
 * updates), and buffer updates. The optimizer is appended by `adamw.ts`.
 * @module
 */
import { grad } from "../core/autodiff.ts";
import { ActlabError } from "../core/errors.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import type { Shape } from "../core/host_tensor.ts";
import { add, constant, div, maximum, mul, sub } from "../core/ops.ts";
import { BuildContext, type BuildRecord, type Phase } from "../plugin/context.ts";
import { crossEntropy } from "./loss.ts";

/** What the step graph needs of a model. */
export interface StepModel {
  /** Trace the model: `x` [B, ...inputShape] (normalised) → logits [B, numClasses]. */
  build(ctx: BuildContext, x: Tensor): Tensor;
}

/** Options of `buildStepGraph`. */
export interface StepGraphOptions {
  readonly model: StepModel;
  readonly phase: Phase;
  readonly batchSize: number;
  /** Per-sample input shape, e.g. [1, 28, 28]. */
  readonly inputShape: Shape;
  readonly numClasses: number;
  /** Per-channel mean/std applied in-graph to raw inputs (omit for none). */
  readonly normalize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly labelSmoothing?: number;
}

/** The assembled graph and what the engine needs to drive it. */
export interface StepGraph {
  /** The step graph. */
  readonly graph: Graph;
  /** What the model declared while tracing (params, buffers, feeds, losses, metrics). */
  readonly record: BuildRecord;
  /** Train or eval. */
  readonly phase: Phase;
  /** Feed names: `x` (f32 [B, ...inputShape]), `labels` (i32 [B]), plus host feeds in `record.hostFeeds`. */
  readonly x: Tensor;
  /** The i32 [B] labels feed. */
  readonly labels: Tensor;
  /** The model's logits [B, numClasses]. */
  readonly logits: Tensor;
  /** Total loss (cross-entropy + coefficients · extra terms). */
  readonly loss: Tensor;
  /** Each loss term before its coefficient, by name (`ce` first). */
  readonly lossTerms: ReadonlyMap<string, Tensor>;
  /** Gradients of the total loss per parameter name (train phase only). */
  readonly grads: ReadonlyMap<string, Tensor>;
}

/** Build the step graph and declare outputs `loss`, `logits`, `loss.<term>`, `metric.<name>`. */
export function buildStepGraph(opts: StepGraphOptions): StepGraph {
  const { batchSize: b, inputShape, numClasses } = opts;
  if (!Number.isInteger(b) || b < 1) {
    throw new ActlabError(
      `batch size must be a positive integer, got ${b}`,
      "pass --batch-size N with N >= 1",
    );
  }
  const graph = new Graph();
  const x = graph.input("x", [b, ...inputShape], "f32");
  const labels = graph.input("labels", [b], "i32");
  const ctx = new BuildContext({ graph, phase: opts.phase, batchSize: b, numClasses, labels });
  let input: Tensor = x;
  if (opts.normalize) {
    const c = inputShape[0];
    const { mean, std } = opts.normalize;
    if (mean.length !== c || std.length !== c) {
      throw new ActlabError(
        `normalisation has ${mean.length} means / ${std.length} stds for ${c} input channels`,
        "give one mean and one std per channel",
      );
    }
    const bshape = [c, ...inputShape.slice(1).map(() => 1)];
    const m = constant(x, { dtype: "f32", shape: bshape, data: Float32Array.from(mean) });
    const s = constant(x, {
      dtype: "f32",
      shape: bshape,
      data: Float32Array.from(std.map((v) => 1 / v)),
    });
    input = mul(sub(x, m), s);
  }
  const logits = opts.model.build(ctx, input);
  if (logits.rank !== 2 || logits.shape[0] !== b || logits.shape[1] !== numClasses) {
    throw new ActlabError(
      `the model returned logits of shape [${logits.shape}], expected [${b},${numClasses}]`,
      "the model's head must output [batch, numClasses]",
    );
  }
  const lossTerms = new Map<string, Tensor>();
  const ce = crossEntropy(logits, labels, opts.labelSmoothing ?? 0);
  lossTerms.set("ce", ce);
  let loss = ce;
  for (const term of ctx.record.losses) {
    lossTerms.set(term.name, term.value);
    loss = add(loss, mul(term.value, term.coefficient));
  }
  for (const pooled of ctx.record.pooledLosses.values()) {
    const num = pooled.numerators.reduce((a, t) => add(a, t));
    const den = pooled.denominators.reduce((a, t) => add(a, t));
    // Σ over all sites / count; 0 when nothing contributes (den = 0 ⇒ num = 0).
    const value = div(num, maximum(den, 1));
    lossTerms.set(pooled.name, value);
    loss = add(loss, mul(value, pooled.coefficient));
  }
  const grads = new Map<string, Tensor>();
  if (opts.phase === "train") {
    const params = ctx.record.params;
    const taps = ctx.record.taps;
    const r = grad(graph, loss, params.map((p) => p.tensor), { taps: taps.map((t) => t.tensor) });
    params.forEach((p, i) => grads.set(p.name, r.grads[i]));
    taps.forEach((t, i) => t.onGrad(r.taps[i]));
    for (const buf of ctx.record.buffers) {
      if (buf.update) graph.setStateUpdate(buf.name, buf.update);
    }
  }
  graph.output("loss", loss);
  graph.output("logits", logits);
  for (const [name, t] of lossTerms) graph.output(`loss.${name}`, t);
  for (const [name, t] of ctx.record.metrics) graph.output(`metric.${name}`, t);
  return {
    graph,
    record: ctx.record,
    phase: opts.phase,
    x,
    labels,
    logits,
    loss,
    lossTerms,
    grads,
  };
}
