/** AUC (train/auc.ts) against hand-computed values, ties included. */
import assert from "node:assert/strict";
import { binaryAuc, macroAuc } from "../train/auc.ts";

Deno.test("binary AUC with ties matches the hand-computed Mann–Whitney value", () => {
  // scores 0.1(−) 0.4(+) 0.4(−) 0.4(+) 0.8(+) 0.2(−)
  // pairs (P=3, N=3): positive 0.4 beats 0.1 and 0.2, ties 0.4(−) → 2.5 each; 0.8 beats all 3 → 3.
  // AUC = (2.5 + 2.5 + 3) / 9 = 8/9.
  const scores = [0.1, 0.4, 0.4, 0.4, 0.8, 0.2];
  const pos = [0, 1, 0, 1, 1, 0];
  assert.ok(Math.abs(binaryAuc(scores, pos) - 8 / 9) < 1e-12);
  // All scores tied: 0.5.
  assert.equal(binaryAuc([1, 1, 1, 1], [1, 0, 1, 0]), 0.5);
  // Perfect and reversed rankings.
  assert.equal(binaryAuc([0, 1, 2, 3], [0, 0, 1, 1]), 1);
  assert.equal(binaryAuc([3, 2, 1, 0], [0, 0, 1, 1]), 0);
  // One class only: undefined.
  assert.ok(Number.isNaN(binaryAuc([1, 2], [1, 1])));
  assert.throws(() => binaryAuc([1, 2], [1]), /2 scores but 1 labels/);
});

Deno.test("macro AUC: binary on p(class 1) for K = 2, one-vs-rest mean for K = 3", () => {
  // K = 2: logits whose p(1) ranks as the scores above (logit1 − logit0 = score).
  const scores = [0.1, 0.4, 0.4, 0.4, 0.8, 0.2];
  const labels = [0, 1, 0, 1, 1, 0];
  const two = scores.flatMap((s) => [0, s]);
  assert.ok(Math.abs(macroAuc(two, labels, 2) - 8 / 9) < 1e-12);
  // K = 3, one-hot-ish logits: rows 0..3 with labels 0, 1, 2, 2.
  // Softmax of [2,0,0], [0,2,0], [0,0,2], [0,2,0] (row 3 predicts 1 but is class 2).
  const logits = [2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 2, 0];
  const lab = [0, 1, 2, 2];
  // class 0: p0 = hi,lo,lo,lo; positive row 0 → 1.
  // class 1: p1 = lo,hi,lo,hi; positive row 1 (hi) vs negatives rows 0,2 (lo), 3 (hi, tie) → (1+1+0.5)/3.
  // class 2: p2 = lo,lo,hi,lo; positives rows 2 (hi), 3 (lo); negatives 0 (lo), 1 (lo):
  //   row 2 beats both (2), row 3 ties both (0.5 + 0.5) → 3/4.
  const want = (1 + 2.5 / 3 + 3 / 4) / 3;
  assert.ok(Math.abs(macroAuc(logits, lab, 3) - want) < 1e-12);
  assert.throws(() => macroAuc([1, 2, 3], [0, 1], 2), /3 logits for 2 rows/);
});
