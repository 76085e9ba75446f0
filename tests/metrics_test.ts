/** Host-side evaluation metrics. */
import assert from "node:assert/strict";
import { crossEntropySum, MeanTracker, topKCorrect } from "../train/metrics.ts";

Deno.test("metrics: top-k counts only the valid rows", () => {
  // 3 rows × 4 classes; the third row is padding and would be correct.
  const logits = [0.1, 0.9, 0.3, 0.2, 0.5, 0.1, 0.4, 0.45, 0, 0, 9, 0];
  const labels = [1, 2, 2];
  assert.equal(topKCorrect(logits, labels, 4, 1, 2), 1); // row 0 right, row 1 ranks 3rd
  assert.equal(topKCorrect(logits, labels, 4, 3, 2), 2);
  assert.equal(topKCorrect(logits, labels, 4, 1, 3), 2);
});

Deno.test("metrics: cross-entropy sum matches the closed form and skips padding", () => {
  const logits = [1, 2, 3, 1000, 1001, 999, 5, 5, 5];
  const labels = [2, 0, 1];
  const ce0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
  // Large logits: the max shift keeps it finite (log(e^-1 + 1 + e^-2) + 1).
  const ce1 = Math.log(Math.exp(-1) + 1 + Math.exp(-2)) + 1;
  assert.ok(Math.abs(crossEntropySum(logits, labels, 3, 2) - (ce0 + ce1)) < 1e-12);
  const all = crossEntropySum(logits, labels, 3, 3);
  assert.ok(Math.abs(all - (ce0 + ce1 + Math.log(3))) < 1e-12);
});

Deno.test("metrics: MeanTracker weights its values", () => {
  const t = new MeanTracker();
  t.add("a", 1, 3);
  t.add("a", 5, 1);
  assert.equal(t.mean("a"), 2);
});
