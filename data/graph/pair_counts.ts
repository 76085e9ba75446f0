/**
 * Counts keyed by an unordered pair of small non-negative ints, in an
 * open-addressing hash table of typed arrays: TextGCN's word co-occurrence
 * counts reach tens of millions of pairs on 20NG, where a `Map` per word is
 * slow and a single `Map` hits V8's size limit (2^24 entries).
 * @module
 */

/** Pair counts `(a, b)` with `a < b`, grown by doubling at half load. */
export class PairCounts {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private counts: Float64Array;
  private mask: number;
  /** Number of distinct pairs. */
  size = 0;

  /** An empty table with room for about `capacity / 2` pairs before it grows. */
  constructor(capacity = 1 << 16) {
    let cap = 1 << 4;
    while (cap < capacity) cap <<= 1;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.counts = new Float64Array(cap);
    this.mask = cap - 1;
  }

  private slot(a: number, b: number): number {
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) >>> 0;
    h = (h ^ (h >>> 15)) & this.mask;
    const ka = this.keysA;
    const kb = this.keysB;
    while (ka[h] !== -1 && (ka[h] !== a || kb[h] !== b)) h = (h + 1) & this.mask;
    return h;
  }

  /** Add `times` to the count of the unordered pair {i, j} (i ≠ j). */
  add(i: number, j: number, times: number): void {
    const a = i < j ? i : j;
    const b = i < j ? j : i;
    let h = this.slot(a, b);
    if (this.keysA[h] === -1) {
      if (2 * (this.size + 1) > this.keysA.length) {
        this.grow();
        h = this.slot(a, b);
      }
      this.keysA[h] = a;
      this.keysB[h] = b;
      this.size++;
    }
    this.counts[h] += times;
  }

  private grow(): void {
    const { keysA, keysB, counts } = this;
    const cap = keysA.length * 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.counts = new Float64Array(cap);
    this.mask = cap - 1;
    for (let h = 0; h < keysA.length; h++) {
      if (keysA[h] === -1) continue;
      const s = this.slot(keysA[h], keysB[h]);
      this.keysA[s] = keysA[h];
      this.keysB[s] = keysB[h];
      this.counts[s] = counts[h];
    }
  }

  /** Every pair `(a, b, count)` with a < b, sorted by (a, b). */
  sorted(): { a: Int32Array; b: Int32Array; count: Float64Array } {
    const order = new Float64Array(this.size);
    let k = 0;
    // Sort the keys as doubles a·2^31 + b (exact: both below 2^31), then look each count up.
    for (let h = 0; h < this.keysA.length; h++) {
      if (this.keysA[h] !== -1) order[k++] = this.keysA[h] * 2147483648 + this.keysB[h];
    }
    order.sort();
    const a = new Int32Array(this.size);
    const b = new Int32Array(this.size);
    const count = new Float64Array(this.size);
    for (let k2 = 0; k2 < this.size; k2++) {
      a[k2] = Math.floor(order[k2] / 2147483648);
      b[k2] = order[k2] - a[k2] * 2147483648;
      count[k2] = this.counts[this.slot(a[k2], b[k2])];
    }
    return { a, b, count };
  }
}
