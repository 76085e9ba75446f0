/**
 * Host-side metrics: top-k accuracy from logits and running means.
 * @module
 */

/** Count rows (of the first `valid`, label ≥ 0) whose label is among the top `k` logits. */
export function topKCorrect(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  k: number,
  valid: number,
): number {
  let correct = 0;
  for (let b = 0; b < valid; b++) {
    if (labels[b] < 0) continue; // no label (e.g. a node outside the split)
    const row = b * numClasses;
    const target = logits[row + labels[b]];
    // Rank = number of classes scoring strictly higher (ties favour the label, as argmax-first would not;
    // exact float ties are vanishingly rare in trained logits).
    let higher = 0;
    for (let c = 0; c < numClasses && higher < k; c++) if (logits[row + c] > target) higher++;
    if (higher < k) correct++;
  }
  return correct;
}

/**
 * Sum over the first `valid` rows of the cross-entropy −log softmax(logits)[label]
 * (float64, max-shifted), so padded rows of a last batch never count.
 */
export function crossEntropySum(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  valid: number,
): number {
  let total = 0;
  for (let b = 0; b < valid; b++) {
    const row = b * numClasses;
    let max = -Infinity;
    for (let c = 0; c < numClasses; c++) max = Math.max(max, logits[row + c]);
    let z = 0;
    for (let c = 0; c < numClasses; c++) z += Math.exp(logits[row + c] - max);
    total += Math.log(z) + max - logits[row + labels[b]];
  }
  return total;
}

/** Accumulates named scalar means. */
export class MeanTracker {
  private sums = new Map<string, number>();
  private counts = new Map<string, number>();

  /** Add `value` with weight `weight`. */
  add(name: string, value: number, weight = 1): void {
    this.sums.set(name, (this.sums.get(name) ?? 0) + value * weight);
    this.counts.set(name, (this.counts.get(name) ?? 0) + weight);
  }

  /** Current mean of `name` (NaN when nothing was added). */
  mean(name: string): number {
    const c = this.counts.get(name) ?? 0;
    return c === 0 ? NaN : this.sums.get(name)! / c;
  }

  /** Sums and counts, to store in a checkpoint (JSON keeps doubles exactly). */
  toJSON(): { sums: Record<string, number>; counts: Record<string, number> } {
    return { sums: Object.fromEntries(this.sums), counts: Object.fromEntries(this.counts) };
  }

  /** A tracker continuing from `toJSON()` output (empty when `saved` is not one). */
  static from(saved: unknown): MeanTracker {
    const t = new MeanTracker();
    const s = saved as { sums?: Record<string, number>; counts?: Record<string, number> };
    if (s && typeof s.sums === "object" && typeof s.counts === "object") {
      for (const [k, v] of Object.entries(s.sums)) t.sums.set(k, Number(v));
      for (const [k, v] of Object.entries(s.counts)) t.counts.set(k, Number(v));
    }
    return t;
  }

  /** Every mean, by name. */
  means(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of this.sums.keys()) out[k] = this.mean(k);
    return out;
  }
}

/** Rows before `valid` that carry a label (label ≥ 0). */
export function labelledCount(labels: ArrayLike<number>, valid: number): number {
  let n = 0;
  for (let b = 0; b < valid; b++) if (labels[b] >= 0) n++;
  return n;
}
