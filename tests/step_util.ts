/**
 * Test helpers that drive a traced build the way the training engine does
 * (`train/step_graph.ts`): add the plugins' loss terms to a task loss,
 * differentiate, hand the taps their gradients, wire buffer updates into the
 * graph's state, and compute host feeds and initial state per step.
 */
import { grad } from "../core/autodiff.ts";
import type { Tensor } from "../core/graph.ts";
import { fullHost, type HostTensor } from "../core/host_tensor.ts";
import { add, div, maximum, mul } from "../core/ops.ts";
import type { BatchInfo, BuildContext, BuildRecord, RandomSource } from "../plugin/context.ts";

/** What `finishTrainStep` appended. */
export interface FinishedStep {
  /** task + Σ coefficient·term + Σ coefficient·pooled. */
  readonly total: Tensor;
  /** d total / d wrt. */
  readonly grads: Tensor[];
  /** Each extra term (before its coefficient) by name; pooled ones as Σnum / max(Σden, 1). */
  readonly terms: Map<string, Tensor>;
}

/** Total loss, backward, taps and buffer updates for a train-phase build. */
export function finishTrainStep(
  ctx: BuildContext,
  taskLoss: Tensor,
  wrt: readonly Tensor[],
): FinishedStep {
  const { record, graph } = ctx;
  const terms = new Map<string, Tensor>();
  let total = taskLoss;
  for (const t of record.losses) {
    terms.set(t.name, t.value);
    total = add(total, mul(t.value, t.coefficient));
  }
  for (const p of record.pooledLosses.values()) {
    const num = p.numerators.reduce((a, t) => add(a, t));
    const den = p.denominators.reduce((a, t) => add(a, t));
    const value = div(num, maximum(den, 1));
    terms.set(p.name, value);
    total = add(total, mul(value, p.coefficient));
  }
  const r = grad(graph, total, wrt, { taps: record.taps.map((t) => t.tensor) });
  record.taps.forEach((t, i) => t.onGrad(r.taps[i]));
  for (const b of record.buffers) if (b.update) graph.setStateUpdate(b.name, b.update);
  return { total, grads: r.grads, terms };
}

/** Values of every host feed of `record` for one step. */
export function hostFeedValues(record: BuildRecord, batch: BatchInfo): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [key, spec] of record.hostFeeds) out[key] = spec.compute(batch);
  return out;
}

function noRandom(name: string): RandomSource {
  const fail = (): never => {
    throw new Error(`parameter ${name} needs a random source: pass one to initialState`);
  };
  return { uniform: fail, normal: fail, truncatedNormal: fail };
}

/** Initial state: buffers filled with their init value, parameters from their initialisers. */
export function initialState(
  record: BuildRecord,
  random?: RandomSource,
): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const b of record.buffers) {
    out[b.name] = fullHost(b.tensor.dtype, b.tensor.shape, b.initValue);
  }
  for (const p of record.params) {
    const data = p.init(p.tensor.shape, random ?? noRandom(p.name));
    out[p.name] = { dtype: "f32", shape: p.tensor.shape, data };
  }
  return out;
}
