/**
 * Area under the ROC curve, the metric the graph papers report for node
 * classification (DNRT Table 5 on DGraph-Fin; DPA's node results).
 *
 * Binary AUC is the Mann–Whitney statistic: with the scores ranked
 * ascending, AUC = (Σ ranks of the positives − P(P+1)/2) / (P·N). Tied
 * scores share their average rank, so a positive tied with a negative
 * counts one half (as scikit-learn's `roc_auc_score`). With K > 2 classes,
 * `macroAuc` is the unweighted mean of the one-vs-rest AUCs of the softmax
 * probability of each class (scikit-learn's `multi_class="ovr",
 * average="macro"`); with K = 2 it is the binary AUC of p(class 1).
 * @module
 */
import { ActlabError } from "../core/errors.ts";

/** AUC of `scores` against 0/1 `positive` flags; NaN when either class is empty. */
export function binaryAuc(
  scores: ArrayLike<number>,
  positive: ArrayLike<boolean | number>,
): number {
  const n = scores.length;
  if (positive.length !== n) {
    throw new ActlabError(
      `auc: ${n} scores but ${positive.length} labels`,
      "pass one label per score",
    );
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0, pos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const rank = (i + j) / 2 + 1; // average 1-based rank of the tie group i..j
    for (let t = i; t <= j; t++) {
      if (positive[order[t]]) {
        rankSum += rank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Row-wise softmax of logits [n, k]. */
function softmaxRows(logits: ArrayLike<number>, n: number, k: number): Float64Array {
  const p = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[r * k + c]);
    let z = 0;
    for (let c = 0; c < k; c++) z += p[r * k + c] = Math.exp(logits[r * k + c] - max);
    for (let c = 0; c < k; c++) p[r * k + c] /= z;
  }
  return p;
}

/**
 * AUC of logits [n, K] (row-major) against class `labels` [n]: binary for
 * K = 2 (score p(class 1)), else the macro mean of one-vs-rest AUCs over the
 * classes that have both positives and negatives among the rows. NaN when
 * no class does.
 */
export function macroAuc(logits: ArrayLike<number>, labels: ArrayLike<number>, k: number): number {
  const n = labels.length;
  if (logits.length !== n * k) {
    throw new ActlabError(
      `auc: ${logits.length} logits for ${n} rows of ${k} classes`,
      "pass logits [n, K] row-major",
    );
  }
  const p = softmaxRows(logits, n, k);
  const column = (c: number) => Float64Array.from({ length: n }, (_, r) => p[r * k + c]);
  const is = (c: number) => Array.from({ length: n }, (_, r) => labels[r] === c);
  if (k === 2) return binaryAuc(column(1), is(1));
  let sum = 0, classes = 0;
  for (let c = 0; c < k; c++) {
    const a = binaryAuc(column(c), is(c));
    if (Number.isNaN(a)) continue;
    sum += a;
    classes++;
  }
  return classes === 0 ? NaN : sum / classes;
}
