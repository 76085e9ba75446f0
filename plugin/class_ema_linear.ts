/**
 * The per-class sequential EMA of `class_ema.ts` at a cost linear in the
 * batch, for batches too large for the dense [B+K, B+K] matrix (a
 * full-batch graph step with 200 k labelled nodes) and for batches with
 * unlabelled samples (label −1: no class, no memory update, no view).
 *
 * What DPA reads of the dense form is two things, and each has a linear form:
 *
 * - The new memory, `M_new[k] = (1−m)^(n_k)·M_old[k] + Σ_{j∈k} m(1−m)^(n_k−1−r_j)·v[j]`:
 *   a per-class decay [K] times M_old plus a `scatter_add` of per-sample
 *   weighted rows into [K, C] — O(B·C).
 * - Each sample's view, `view[b] = (1−m)^(r_b+1)·M_old[k] + S[b]` with
 *   `S[b] = Σ_{j∈k, r_j≤r_b} m(1−m)^(r_b−r_j)·v[j]`: the recurrence
 *   `S[b] = m·v[b] + (1−m)·S[prev(b)]` along each class's chain, computed as a
 *   log-depth scan (Hillis–Steele): `S ← S + (1−m)^(2^ℓ)·S[partner_ℓ]`, where
 *   partner_ℓ(b) is the sample of b's class 2^ℓ ranks earlier (coefficient 0
 *   where there is none). Levels stop once (1−m)^(2^ℓ) underflows float32 or
 *   2^ℓ reaches B, so m = 0.9 needs at most 6 levels: O(B·C·L).
 *
 * The sums are the dense matrix products regrouped, so the results agree
 * with `classEmaWeights` to float32 rounding (tests/class_ema_linear_test.ts),
 * not bit for bit. The host computes every index and coefficient from the
 * labels (and the update gate) once per step, as for the dense form.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { add, gather, mul, reshape, scatterAdd, slice } from "../core/ops.ts";
import type { BuildContext } from "./context.ts";

/**
 * The largest batch plugins serve with the dense EMA matrix ((B+K)² floats
 * per step: 70 MB at B = 4096, K = 100); larger batches take the linear form.
 */
export const DENSE_EMA_MAX_BATCH = 4096;

/** Rows of the f32 weight feed before the per-level coefficients. */
export const LINEAR_EMA_ROWS = {
  /** 1 for a labelled sample, 0 for label −1. */
  labelled: 0,
  /** m on update steps (labelled samples), else 0: the weight of v[b] in its own view. */
  own: 1,
  /** (1−m)^(r+1) on update steps, 1 otherwise (0 unlabelled): the weight of M_old in the view. */
  carry: 2,
  /** m(1−m)^(n_k−1−r) on update steps, else 0: the weight of v[b] in the new memory. */
  into: 3,
} as const;

const FIRST_LEVEL_ROW = 4;

/**
 * Scan levels for a batch of `batchSize` at momentum `m`: the levels ℓ with
 * 2^ℓ < B whose coefficient (1−m)^(2^ℓ) is a nonzero float32.
 */
export function linearEmaLevels(batchSize: number, m: number): number {
  let levels = 0;
  while (2 ** levels < batchSize && Math.fround((1 - m) ** (2 ** levels)) !== 0) levels++;
  return levels;
}

/** Host values of one step's linear EMA (see the module header). */
export interface LinearEmaWeights {
  /** i32 [1 + L, B]: row 0 each sample's class (0 when unlabelled), row 1 + ℓ its level-ℓ partner. */
  readonly index: Int32Array;
  /** f32 [4 + L, B]: rows `LINEAR_EMA_ROWS`, then each level's coefficient. */
  readonly weight: Float32Array;
  /** f32 [K]: (1−m)^(n_k) on update steps, 1 otherwise. */
  readonly decay: Float32Array;
}

/**
 * The linear EMA's host values for `labels` (−1 = unlabelled) with momentum
 * `m` and `levels` scan levels; `update = false` gives a non-update step
 * (views = old memory rows, memory unchanged).
 */
export function linearEmaWeights(
  labels: Int32Array,
  numClasses: number,
  m: number,
  update: boolean,
  levels: number,
  who = "class EMA",
): LinearEmaWeights {
  const b = labels.length;
  for (let i = 0; i < b; i++) {
    const k = labels[i];
    if (k < -1 || k >= numClasses) {
      throw new ActlabError(
        `${who}: label ${k} of sample ${i} is outside [-1, ${numClasses})`,
        "labels must be class indices below the model's class count, or -1 for no label",
      );
    }
  }
  const index = new Int32Array((1 + levels) * b);
  const weight = new Float32Array((FIRST_LEVEL_ROW + levels) * b);
  const decay = new Float32Array(numClasses).fill(1);
  const rank = new Int32Array(b);
  const count = new Int32Array(numClasses);
  const chains: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < b; i++) {
    const k = labels[i];
    index[i] = Math.max(k, 0);
    for (let l = 0; l < levels; l++) index[(1 + l) * b + i] = i;
    if (k < 0) continue;
    rank[i] = count[k]++;
    chains[k].push(i);
    weight[LINEAR_EMA_ROWS.labelled * b + i] = 1;
    weight[LINEAR_EMA_ROWS.carry * b + i] = 1;
  }
  if (!update) return { index, weight, decay };
  const keep = 1 - m;
  for (let k = 0; k < numClasses; k++) decay[k] = keep ** count[k];
  for (let i = 0; i < b; i++) {
    const k = labels[i];
    if (k < 0) continue;
    weight[LINEAR_EMA_ROWS.own * b + i] = m;
    weight[LINEAR_EMA_ROWS.carry * b + i] = keep ** (rank[i] + 1);
    weight[LINEAR_EMA_ROWS.into * b + i] = m * keep ** (count[k] - 1 - rank[i]);
    for (let l = 0; l < levels; l++) {
      const d = 2 ** l;
      if (rank[i] < d) continue;
      index[(1 + l) * b + i] = chains[k][rank[i] - d];
      weight[(FIRST_LEVEL_ROW + l) * b + i] = keep ** d;
    }
  }
  return { index, weight, decay };
}

/** The graph side: the three host feeds of one step's linear EMA. */
export interface LinearEmaFeeds {
  /** i32 [1 + L, B] (`LinearEmaWeights.index`). */
  readonly index: Tensor;
  /** f32 [4 + L, B] (`LinearEmaWeights.weight`). */
  readonly weight: Tensor;
  /** f32 [K] (`LinearEmaWeights.decay`). */
  readonly decay: Tensor;
}

/** How a plugin asks for the linear EMA's host feeds. */
export interface LinearEmaFeedSpec {
  /** Feed-name prefix, shared by every site with the same momentum, gate and K. */
  readonly key: string;
  /** EMA momentum m (the weight of the new sample). */
  readonly momentum: number;
  /** Memory rows K. */
  readonly numClasses: number;
  /** Static batch B. */
  readonly batchSize: number;
  /** Whether the memories update at a (0-based) training step. */
  readonly updates: (step: number) => boolean;
  /** Plugin name for errors. */
  readonly who: string;
}

/**
 * Declare (or reuse, by key) the three host feeds `<key>.index`,
 * `<key>.weight`, `<key>.decay`; the host values are computed once per step
 * from the batch's labels (−1 allowed) and the update gate.
 */
export function linearEmaHostFeeds(ctx: BuildContext, spec: LinearEmaFeedSpec): LinearEmaFeeds {
  const { key, momentum: m, numClasses: k, batchSize: b } = spec;
  const levels = linearEmaLevels(b, m);
  let last: { labels: Int32Array; step: number; w: LinearEmaWeights } | null = null;
  const weights = (labels: Int32Array, step: number): LinearEmaWeights => {
    if (last?.labels !== labels || last.step !== step) {
      if (labels.length !== b) {
        throw new ActlabError(
          `${spec.who}: got ${labels.length} labels for a batch of ${b}`,
          "feed one label per sample of the batch the graph was built for",
        );
      }
      const w = linearEmaWeights(labels, k, m, spec.updates(step), levels, spec.who);
      last = { labels, step, w };
    }
    return last.w;
  };
  return {
    index: ctx.hostFeed(`${key}.index`, [1 + levels, b], "i32", (batch) => ({
      dtype: "i32",
      shape: [1 + levels, b],
      data: weights(batch.labels, batch.step).index,
    })),
    weight: ctx.hostFeed(`${key}.weight`, [4 + levels, b], "f32", (batch) => ({
      dtype: "f32",
      shape: [4 + levels, b],
      data: weights(batch.labels, batch.step).weight,
    })),
    decay: ctx.hostFeed(`${key}.decay`, [k], "f32", (batch) => ({
      dtype: "f32",
      shape: [k],
      data: weights(batch.labels, batch.step).decay,
    })),
  };
}

/** Row `r` of a [R, B] feed as a column [B, 1] (broadcast over channels). */
function column(t: Tensor, r: number): Tensor {
  const b = t.shape[1];
  return reshape(slice(t, [r, 0], [r + 1, b]), [b, 1]);
}

/** Row `r` of an i32 [R, B] feed as indices [B]. */
function indices(t: Tensor, r: number): Tensor {
  const b = t.shape[1];
  return reshape(slice(t, [r, 0], [r + 1, b]), [b]);
}

/** Per-sample 0/1 flag [B, 1]: whether the sample has a label. */
export function linearEmaLabelled(feeds: LinearEmaFeeds): Tensor {
  return column(feeds.weight, LINEAR_EMA_ROWS.labelled);
}

/** Each sample's class row of `memory` [K, C] as [B, C] (class 0 for unlabelled samples). */
export function linearEmaRows(feeds: LinearEmaFeeds, memory: Tensor): Tensor {
  return gather(memory, indices(feeds.index, 0), 0);
}

/** Each sample's view of the memory right after its own update, [B, C], from v [B, C] and M_old [K, C]. */
export function linearEmaView(feeds: LinearEmaFeeds, v: Tensor, memory: Tensor): Tensor {
  const levels = feeds.index.shape[0] - 1;
  let s = mul(v, column(feeds.weight, LINEAR_EMA_ROWS.own));
  for (let l = 0; l < levels; l++) {
    const earlier = gather(s, indices(feeds.index, 1 + l), 0);
    s = add(s, mul(earlier, column(feeds.weight, FIRST_LEVEL_ROW + l)));
  }
  return add(s, mul(linearEmaRows(feeds, memory), column(feeds.weight, LINEAR_EMA_ROWS.carry)));
}

/** The memory [K, C] after the step's per-class EMA of the rows v [B, C]. */
export function linearEmaUpdate(feeds: LinearEmaFeeds, v: Tensor, memory: Tensor): Tensor {
  const k = memory.shape[0];
  const weighted = mul(v, column(feeds.weight, LINEAR_EMA_ROWS.into));
  const added = scatterAdd(weighted, indices(feeds.index, 0), 0, k);
  return add(mul(memory, reshape(feeds.decay, [k, 1])), added);
}
