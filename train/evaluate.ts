/**
 * One pass of a run's eval graph over its task's evaluation split: the
 * task's metrics (default top-1/top-5/mean cross-entropy over the rows that
 * count; padded rows of the last batch are ignored) and the mean of every
 * per-site metric the plugins report (e.g. activation sparsity).
 * @module
 */
import { MeanTracker } from "./metrics.ts";
import type { Run } from "./run.ts";
import { classificationMetrics } from "./task.ts";

/** Evaluation results. */
export interface EvalResult {
  /** Top-1 accuracy (0–1). */
  readonly top1: number;
  /** Top-5 accuracy (0–1; top-K when there are fewer than 5 classes). */
  readonly top5: number;
  /** Mean cross-entropy (no label smoothing) over all samples. */
  readonly loss: number;
  /** Mean activation sparsity over all activation sites. */
  readonly sparsity: number;
  /** Samples evaluated. */
  readonly images: number;
  /** Wall-clock seconds of the pass. */
  readonly seconds: number;
  /** The backend that ran the pass. */
  readonly backend: string;
  /** Every result by name: the task's metrics and the mean of each per-site plugin metric. */
  readonly metrics: Readonly<Record<string, number>>;
  /** The task accumulator's results alone (top1, top5, loss and any task metric such as `auc`). */
  readonly taskMetrics?: Readonly<Record<string, number>>;
}

/** Mean of every output named `metric.<site>.<suffix>` (or `metric.<suffix>`) in `out`. */
export function meanMetric(
  out: Record<string, { data: ArrayLike<number> }>,
  suffix: string,
): number {
  let sum = 0, n = 0;
  for (const [k, v] of Object.entries(out)) {
    if (k.startsWith("metric.") && k.endsWith(`.${suffix}`) || k === `metric.${suffix}`) {
      sum += v.data[0];
      n++;
    }
  }
  return n === 0 ? NaN : sum / n;
}

/** The names of the per-site metrics in `out` (`metric.<site>.<name>` → `name`), sorted. */
export function metricNames(out: Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const k of Object.keys(out)) {
    if (k.startsWith("metric.")) names.add(k.slice(k.lastIndexOf(".") + 1));
  }
  return [...names].sort();
}

/** Evaluate the run's eval graph (state must be synced first) on its task's evaluation split. */
export async function evaluate(run: Run, step: number): Promise<EvalResult> {
  const t0 = performance.now();
  const scores = run.task.metrics?.() ?? classificationMetrics(run.task.numClasses);
  const tracker = new MeanTracker();
  for await (const batch of run.task.evalBatches(run.config.evalBatchSize)) {
    const out = await run.evalOn(batch, step);
    scores.add(out.logits.data, batch);
    for (const name of metricNames(out)) tracker.add(name, meanMetric(out, name), batch.valid);
  }
  const task = scores.result();
  const plugin = tracker.means();
  return {
    top1: task.top1,
    top5: task.top5,
    loss: task.loss,
    sparsity: plugin.sparsity ?? NaN,
    images: scores.samples,
    seconds: (performance.now() - t0) / 1000,
    backend: run.backend.name,
    metrics: { ...plugin, ...task },
    taskMetrics: task,
  };
}
