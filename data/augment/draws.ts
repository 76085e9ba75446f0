/**
 * A stream of double-precision draws from one keyed RNG (`core/rng.ts`),
 * for the augmentation of one sample: the key is a pure function of (seed,
 * epoch, sample index, stage), so a sample's augmentation does not depend on
 * batch size, worker count or resume point. `random()` is Python's
 * `random.random()` construction (53 bits from two 32-bit words) over
 * Threefry words instead of Mersenne Twister; the distributions the
 * augmentation ops need (uniform ranges, inclusive randint, choice, gauss)
 * are built on it as Python's `random` module defines them.
 * @module
 */
import type { Rng } from "../../core/rng.ts";

/** Sequential draws from one key. */
export class Draws {
  private words: Uint32Array = new Uint32Array(0);
  private next = 0;
  private spare = NaN;

  /** Draws from `key`'s word stream, from its first word on. */
  constructor(private readonly key: Rng) {}

  private word(): number {
    if (this.next >= this.words.length) {
      this.words = this.key.bits(Math.max(32, this.words.length * 2));
    }
    return this.words[this.next++];
  }

  /** Uniform in [0, 1) on the 2^−53 grid (Python's `random.random()` construction). */
  random(): number {
    const a = this.word() >>> 5, b = this.word() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform in [lo, hi) (`random.uniform`: lo + (hi − lo)·random()). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** Integer uniform in [lo, hi] inclusive (`random.randint`), from one draw. */
  randint(lo: number, hi: number): number {
    return lo + Math.min(hi - lo, Math.floor(this.random() * (hi - lo + 1)));
  }

  /** Normal(mean, std): Box–Muller on two draws, the pair's second value kept for the next call (as Python's `random.gauss`). */
  gauss(mean = 0, std = 1): number {
    let z = this.spare;
    if (Number.isNaN(z)) {
      const r = Math.sqrt(-2 * Math.log(1 - this.random())), t = 2 * Math.PI * this.random();
      z = r * Math.cos(t);
      this.spare = r * Math.sin(t);
    } else this.spare = NaN;
    return mean + std * z;
  }
}
