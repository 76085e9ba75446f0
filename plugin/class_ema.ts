/**
 * Host-side weights that turn the reference implementations' per-sample,
 * per-class sequential EMA into two matrix products (DESIGN §2).
 *
 * The reference loops over the batch in order and, for a sample b of class k,
 * does `M[k] += m · (v[b] − M[k])`, then reads `M[k]` as the sample's own view.
 * With r_b the rank of b among the samples of class k in the batch and n_k the
 * class count, that loop has the closed form
 *
 *   view[b]  = (1−m)^(r_b+1) · M_old[k] + Σ_{j∈k, r_j≤r_b} m(1−m)^(r_b−r_j) · v[j]
 *   M_new[k] = (1−m)^(n_k)   · M_old[k] + Σ_{j∈k}         m(1−m)^(n_k−1−r_j) · v[j]
 *
 * The weights depend only on the labels, so the host computes them once per
 * step and every layer with the same momentum shares them. They are packed
 * into one matrix `E` of shape [B+K, B+K] acting on the stacked operand
 * `[v; M_old]` ([B+K, C]): rows 0..B−1 give the per-sample views, rows
 * B..B+K−1 the new memory. On steps that do not update, `E` is the selection
 * `view[b] = M_old[k_b]`, `M_new = M_old`, so the update gate needs no graph op.
 * @module
 */
import { ActlabError } from "../core/errors.ts";

/** Throw unless `labels` holds `batchSize` class indices in [0, numClasses). */
export function checkLabels(
  labels: Int32Array,
  numClasses: number,
  who: string,
  batchSize: number = labels.length,
): void {
  if (labels.length !== batchSize) {
    throw new ActlabError(
      `${who}: got ${labels.length} labels for a batch of ${batchSize}`,
      "feed one label per sample of the batch the graph was built for",
    );
  }
  for (let b = 0; b < labels.length; b++) {
    const k = labels[b];
    if (!Number.isInteger(k) || k < 0 || k >= numClasses) {
      throw new ActlabError(
        `${who}: label ${k} of sample ${b} is outside [0, ${numClasses})`,
        "labels must be class indices below the model's class count",
      );
    }
  }
}

/**
 * The packed EMA matrix `E` [B+K, B+K] (row-major) for `labels` with momentum
 * `m`; `update = false` gives the identity-like selection of a non-update step.
 */
export function classEmaWeights(
  labels: Int32Array,
  numClasses: number,
  m: number,
  update: boolean,
  who = "class EMA",
): Float32Array {
  checkLabels(labels, numClasses, who);
  const b = labels.length;
  const w = b + numClasses;
  const e = new Float32Array(w * w);
  if (!update) {
    for (let i = 0; i < b; i++) e[i * w + b + labels[i]] = 1;
    for (let k = 0; k < numClasses; k++) e[(b + k) * w + b + k] = 1;
    return e;
  }
  const rank = new Int32Array(b);
  const count = new Int32Array(numClasses);
  for (let i = 0; i < b; i++) rank[i] = count[labels[i]]++;
  const keep = 1 - m;
  for (let i = 0; i < b; i++) {
    const k = labels[i];
    for (let j = 0; j <= i; j++) {
      if (labels[j] === k) e[i * w + j] = m * keep ** (rank[i] - rank[j]);
    }
    e[i * w + b + k] = keep ** (rank[i] + 1);
  }
  for (let j = 0; j < b; j++) {
    const k = labels[j];
    e[(b + k) * w + j] = m * keep ** (count[k] - 1 - rank[j]);
  }
  for (let k = 0; k < numClasses; k++) e[(b + k) * w + b + k] = keep ** count[k];
  return e;
}

/**
 * Selection of each class's first sample in the batch: [K, B] (row-major),
 * row k one-hot at the first sample of class k, all zero when k is absent.
 * ARR uses it because a class's first observation sets its running mean.
 */
export function firstOfClass(
  labels: Int32Array,
  numClasses: number,
  who = "class EMA",
): Float32Array {
  checkLabels(labels, numClasses, who);
  const b = labels.length;
  const s = new Float32Array(numClasses * b);
  const seen = new Uint8Array(numClasses);
  for (let j = 0; j < b; j++) {
    const k = labels[j];
    if (!seen[k]) {
      seen[k] = 1;
      s[k * b + j] = 1;
    }
  }
  return s;
}
