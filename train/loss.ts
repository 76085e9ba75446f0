/**
 * Loss functions built from catalogue ops.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import { add, logSoftmax, mean, mul, neg, oneHot, sum } from "../core/ops.ts";

/**
 * Mean cross-entropy of `logits` [B, K] against i32 `labels` [B], with
 * optional label smoothing ε: targets are (1−ε)·onehot + ε/K (PyTorch's rule).
 */
export function crossEntropy(logits: Tensor, labels: Tensor, labelSmoothing = 0): Tensor {
  const k = logits.shape[logits.rank - 1];
  const logp = logSoftmax(logits, -1);
  let target = oneHot(labels, k);
  if (labelSmoothing > 0) target = add(mul(target, 1 - labelSmoothing), labelSmoothing / k);
  return neg(mean(sum(mul(target, logp), [-1])));
}
