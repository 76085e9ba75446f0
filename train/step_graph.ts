/**
 * Assembles ONE step graph from a model and a task: the task's feeds, forward,
 * the task's loss (default cross-entropy) plus every plugin's extra loss terms, and — in the train
 * phase — the backward graph, the taps plugins asked for (their state
 * updates), and buffer updates. The optimizer is appended by `adamw.ts`.
 * @module
 */
import { grad } from "../core/autodiff.ts";
import { ActlabError } from "../core/errors.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { add, div, maximum, mul } from "../core/ops.ts";
import { BuildContext, type BuildRecord, type Phase } from "../plugin/context.ts";
import { crossEntropy } from "./loss.ts";
import type { Task, TaskInputs } from "./task.ts";

/** What the step graph needs of a model. */
export interface StepModel {
  /**
   * Trace the model: `x` is the task's primary input (normalised images
   * [B, C, H, W] for the image task) → logits [B, numClasses]. `inputs` holds
   * every feed the task declared, for models that need more than `x`.
   */
  build(ctx: BuildContext, x: Tensor, inputs?: Readonly<Record<string, Tensor>>): Tensor;
}

/** Options of `buildStepGraph`. */
export interface StepGraphOptions {
  /** The model to trace. */
  readonly model: StepModel;
  /** The task: declares the feeds and (optionally) the loss. */
  readonly task: Task;
  /** Train (with backward, taps and buffer updates) or eval. */
  readonly phase: Phase;
  /** Static batch size. */
  readonly batchSize: number;
  /** Label smoothing of the default cross-entropy (default 0). */
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
  /** Static batch size. */
  readonly batchSize: number;
  /** What the task declared: the model input, every task feed by name, the labels. */
  readonly inputs: TaskInputs;
  /** The i32 [B] labels feed. */
  readonly labels: Tensor;
  /** The model's logits [B, numClasses]. */
  readonly logits: Tensor;
  /** Total loss (task loss + coefficients · extra terms). */
  readonly loss: Tensor;
  /** Each loss term before its coefficient, by name (`ce` first). */
  readonly lossTerms: ReadonlyMap<string, Tensor>;
  /** Gradients of the total loss per parameter name (train phase only). */
  readonly grads: ReadonlyMap<string, Tensor>;
}

/** Build the step graph and declare outputs `loss`, `logits`, `loss.<term>`, `metric.<name>`. */
export function buildStepGraph(opts: StepGraphOptions): StepGraph {
  const { batchSize: b, task } = opts;
  const numClasses = task.numClasses;
  if (!Number.isInteger(b) || b < 1) {
    throw new ActlabError(
      `batch size must be a positive integer, got ${b}`,
      "pass --batch-size N with N >= 1",
    );
  }
  const graph = new Graph();
  const inputs = task.inputs(graph, b);
  const labels = inputs.labels;
  const ctx = new BuildContext({
    graph,
    phase: opts.phase,
    batchSize: b,
    numClasses,
    labels,
    partialLabels: task.partialLabels,
  });
  const logits = opts.model.build(ctx, inputs.x, inputs.feeds);
  if (logits.rank !== 2 || logits.shape[0] !== b || logits.shape[1] !== numClasses) {
    throw new ActlabError(
      `the model returned logits of shape [${logits.shape}], expected [${b},${numClasses}]`,
      "the model's head must output [batch, numClasses]",
    );
  }
  const lossTerms = new Map<string, Tensor>();
  const smoothing = opts.labelSmoothing ?? 0;
  const ce = task.loss
    ? task.loss(logits, inputs, smoothing)
    : crossEntropy(logits, labels, smoothing);
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
    batchSize: b,
    inputs,
    labels,
    logits,
    loss,
    lossTerms,
    grads,
  };
}
