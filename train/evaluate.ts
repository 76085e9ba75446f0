/**
 * One pass of the eval graph over a dataset: top-1/top-5 over every image
 * (the padded rows of the last batch are ignored), mean loss and the
 * activation metrics.
 * @module
 */
import { evalBatches } from "../data/loader.ts";
import type { Dataset } from "../data/dataset.ts";
import { crossEntropySum, MeanTracker, topKCorrect } from "./metrics.ts";
import type { Session } from "./session.ts";

/** Evaluation results. */
export interface EvalResult {
  /** Top-1 accuracy (0–1). */
  readonly top1: number;
  /** Top-5 accuracy (0–1; top-K when there are fewer than 5 classes). */
  readonly top5: number;
  /** Mean cross-entropy (no label smoothing) over all images. */
  readonly loss: number;
  /** Mean activation sparsity over all activation sites. */
  readonly sparsity: number;
  /** Images evaluated. */
  readonly images: number;
  /** Wall-clock seconds of the pass. */
  readonly seconds: number;
}

/** Mean of every output named `metric.<site>.<suffix>` in `out`. */
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

/** Evaluate the session's eval graph (state must be synced first) on `ds`. */
export async function evaluate(session: Session, ds: Dataset, step: number): Promise<EvalResult> {
  const t0 = performance.now();
  const k = ds.numClasses;
  const tracker = new MeanTracker();
  let top1 = 0, top5 = 0, images = 0, lossSum = 0;
  for (const batch of evalBatches(ds, { batchSize: session.config.evalBatchSize })) {
    const out = await session.evalExe.run(session.evalFeeds(batch.x, batch.labels, step));
    const logits = out.logits.data;
    top1 += topKCorrect(logits, batch.labels, k, 1, batch.valid);
    top5 += topKCorrect(logits, batch.labels, k, Math.min(5, k), batch.valid);
    images += batch.valid;
    // From the logits on the host: the graph's batch mean would include the padded rows.
    lossSum += crossEntropySum(logits, batch.labels, k, batch.valid);
    tracker.add("sparsity", meanMetric(out, "sparsity"), batch.valid);
  }
  return {
    top1: top1 / images,
    top5: top5 / images,
    loss: lossSum / images,
    sparsity: tracker.mean("sparsity"),
    images,
    seconds: (performance.now() - t0) / 1000,
  };
}
