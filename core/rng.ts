/**
 * Seeded, splittable, counter-based random numbers (DESIGN §1 `rng.ts`).
 *
 * The generator is Threefry-2x32 with 20 rounds (Salmon et al., "Parallel
 * Random Numbers: As Easy as 1, 2, 3", SC'11), used the way JAX uses it: a
 * key is two uint32 words, every random word is a pure function of (key,
 * counter), and new keys come from `split` and `fold`. There is no hidden
 * state, so the same seed gives the same initialisation, data order and
 * dropout masks on every backend, and a key is two plain numbers that a
 * checkpoint can store.
 *
 * Determinism: the block function uses only 32-bit add/rotate/xor, which are
 * exact in JavaScript; uniforms are formed from integer bits by exact
 * power-of-two scaling. Normal draws additionally use `Math.log`, `Math.cos`
 * and `Math.sin`, which V8 (hence Deno everywhere) implements with its own
 * platform-independent fdlibm port, so they too are identical on every
 * machine running Deno.
 *
 * Counter domains keep the three uses of a key apart (the high counter word
 * is the domain, the low word the index): draws read blocks `(0, i)`,
 * `split` children are blocks `(1, i)`, `fold(d)` is block `(2, d)`. So
 * `fold(1)` never equals `split(2)[1]`, and no child key equals a word
 * drawn from its parent. Keys and draws are therefore *not* bit-compatible
 * with JAX's `jax.random`, only built the same way.
 *
 * Like a JAX key, an `Rng` is a value: calling `uniform` twice on one `Rng`
 * returns the same numbers, and every sampler of one key reads the same
 * word stream. Use `split`/`fold` to get a fresh key for each draw.
 * @module
 */
import { ActlabError } from "./errors.ts";

const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24];
/** Skein key-schedule parity constant for 32-bit words. */
const PARITY = 0x1bd11bda;
const DOMAIN_DRAW = 0;
const DOMAIN_SPLIT = 1;
const DOMAIN_FOLD = 2;
const TWO_POW_32 = 4294967296;
const TWO_POW_M32 = 1 / TWO_POW_32;

const scratch = new Int32Array(2);

/** Threefry-2x32-20 into `scratch` (as int32; callers convert with `>>> 0`). */
function block(k0: number, k1: number, c0: number, c1: number): void {
  const ks0 = k0 | 0;
  const ks1 = k1 | 0;
  const ks2 = ks0 ^ ks1 ^ PARITY;
  const ks = [ks0, ks1, ks2];
  let x0 = (c0 + ks0) | 0;
  let x1 = (c1 + ks1) | 0;
  for (let g = 0; g < 5; g++) {
    const r = (g & 1) << 2;
    for (let j = 0; j < 4; j++) {
      const rot = ROTATIONS[r + j];
      x0 = (x0 + x1) | 0;
      x1 = (x1 << rot) | (x1 >>> (32 - rot));
      x1 ^= x0;
    }
    // Key injection after every fourth round, with the injection count added.
    const s = g + 1;
    x0 = (x0 + ks[s % 3]) | 0;
    x1 = (x1 + ks[(s + 1) % 3] + s) | 0;
  }
  scratch[0] = x0;
  scratch[1] = x1;
}

function checkU32(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v >= TWO_POW_32) {
    throw new ActlabError(
      `${what} must be an integer in [0, 2^32), got ${v}`,
      "pass an unsigned 32-bit integer",
    );
  }
  return v;
}

function checkCount(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n >= TWO_POW_32) {
    throw new ActlabError(
      `${what}: count must be a non-negative integer, got ${n}`,
      "pass the number of values to draw",
    );
  }
  return n;
}

function checkFinite(what: string, name: string, v: number): void {
  if (!Number.isFinite(v)) {
    throw new ActlabError(`${what}: ${name} must be finite, got ${v}`, `pass a finite ${name}`);
  }
}

/**
 * The Threefry-2x32 block function with 20 rounds: encrypts `counter` under
 * `key` and returns two uint32 words. Exposed for known-answer tests and for
 * backends that generate random bits on a device with the same function.
 */
export function threefry2x32(
  key: readonly [number, number],
  counter: readonly [number, number],
): [number, number] {
  block(
    checkU32("threefry2x32 key[0]", key[0]),
    checkU32("threefry2x32 key[1]", key[1]),
    checkU32("threefry2x32 counter[0]", counter[0]),
    checkU32("threefry2x32 counter[1]", counter[1]),
  );
  return [scratch[0] >>> 0, scratch[1] >>> 0];
}

/** Sequential reader of a key's draw stream: words 2i, 2i+1 come from block (0, i). */
class WordStream {
  private next = 0;
  private pending = -1;

  constructor(private readonly k0: number, private readonly k1: number) {}

  word(): number {
    if (this.pending >= 0) {
      const w = this.pending;
      this.pending = -1;
      return w;
    }
    block(this.k0, this.k1, DOMAIN_DRAW, this.next++);
    this.pending = scratch[1] >>> 0;
    return scratch[0] >>> 0;
  }

  /** Unbiased integer in [0, range) for 1 ≤ range ≤ 2^32, by rejecting the top partial bucket. */
  below(range: number): number {
    // Largest multiple of `range` that fits in 2^32: words at or above it are redrawn.
    const limit = TWO_POW_32 - (TWO_POW_32 % range);
    for (;;) {
      const w = this.word();
      if (w < limit) return w % range;
    }
  }

  /** One Box–Muller pair from two words: u1 ∈ (0, 1] keeps log finite. */
  gaussPair(out: [number, number]): void {
    const u1 = (this.word() + 1) * TWO_POW_M32;
    const u2 = this.word() * TWO_POW_M32;
    const r = Math.sqrt(-2 * Math.log(u1));
    const t = 2 * Math.PI * u2;
    out[0] = r * Math.cos(t);
    out[1] = r * Math.sin(t);
  }
}

/** Largest float32 strictly below `x` (x finite). */
function f32Below(x: number): number {
  const f = new Float32Array([x]);
  const i = new Int32Array(f.buffer);
  if (f[0] === 0) i[0] = 0x80000001 | 0; // −(smallest subnormal)
  else if (f[0] > 0) i[0]--;
  else i[0]++;
  return f[0];
}

/** Φ(x), the standard normal CDF (Abramowitz–Stegun 7.1.26; |error| < 1.5e-7, enough for a guard). */
function normalCdf(x: number): number {
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Smallest acceptance probability `truncatedNormal` agrees to reach by rejection. */
const MIN_TRUNC_ACCEPT = 1e-3;

/** The serialisable form of a key: its two uint32 words. */
export interface RngState {
  /** First key word (uint32). */
  readonly k0: number;
  /** Second key word (uint32). */
  readonly k1: number;
}

/**
 * A Threefry key with samplers. Immutable: samplers are pure functions of
 * the key and their arguments; `split` and `fold` derive new keys.
 * Every sampler of a key reads the same word stream, so draws of length `m`
 * are a prefix of draws of length `n > m`.
 */
export class Rng {
  /** First key word (uint32). */
  readonly k0: number;
  /** Second key word (uint32). */
  readonly k1: number;

  /** A key from its two uint32 words. */
  constructor(k0: number, k1: number) {
    this.k0 = checkU32("Rng key word k0", k0);
    this.k1 = checkU32("Rng key word k1", k1);
  }

  /**
   * The key for an integer seed in [0, 2^53): words (high 32 bits, low 32
   * bits), as JAX's `PRNGKey` does.
   */
  static fromSeed(seed: number): Rng {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new ActlabError(
        `rng seed must be a non-negative safe integer, got ${seed}`,
        "pass an integer seed such as 0 or 42",
      );
    }
    return new Rng(Math.floor(seed / TWO_POW_32), seed % TWO_POW_32);
  }

  /** Restore a key saved with `toJSON` (e.g. from a checkpoint). */
  static fromJSON(state: RngState): Rng {
    if (typeof state !== "object" || state === null) {
      throw new ActlabError(
        `rng state must be an object {k0, k1}, got ${JSON.stringify(state)}`,
        "pass what Rng.toJSON() returned",
      );
    }
    return new Rng(state.k0, state.k1);
  }

  /** The key words, for checkpoints (`JSON.stringify` calls this). */
  toJSON(): RngState {
    return { k0: this.k0, k1: this.k1 };
  }

  /** `n` independent child keys; child i is the block (1, i) of this key. */
  split(n: number): Rng[] {
    checkCount("split", n);
    const out: Rng[] = [];
    for (let i = 0; i < n; i++) {
      block(this.k0, this.k1, DOMAIN_SPLIT, i);
      out.push(new Rng(scratch[0] >>> 0, scratch[1] >>> 0));
    }
    return out;
  }

  /** A key derived from this key and an integer `data` in [0, 2^32) (an epoch, a step, a layer index). */
  fold(data: number): Rng {
    block(this.k0, this.k1, DOMAIN_FOLD, checkU32("fold data", data));
    return new Rng(scratch[0] >>> 0, scratch[1] >>> 0);
  }

  /** The first `n` words of this key's draw stream (uniform uint32). */
  bits(n: number): Uint32Array {
    checkCount("bits", n);
    const out = new Uint32Array(n);
    for (let i = 0, b = 0; i < n; i += 2, b++) {
      block(this.k0, this.k1, DOMAIN_DRAW, b);
      out[i] = scratch[0];
      if (i + 1 < n) out[i + 1] = scratch[1];
    }
    return out;
  }

  /**
   * `n` float32 values uniform in [lo, hi): word w maps to lo + (hi − lo)·(w >> 8)·2^−24
   * (24 bits: every value of [0, 1) on that grid is exactly a float32).
   */
  uniform(n: number, lo = 0, hi = 1): Float32Array {
    checkFinite("uniform", "lo", lo);
    checkFinite("uniform", "hi", hi);
    if (!(lo < hi)) {
      throw new ActlabError(`uniform: needs lo < hi, got [${lo}, ${hi})`, "pass lo < hi");
    }
    const w = this.bits(n);
    const out = new Float32Array(n);
    const span = hi - lo;
    const top = f32Below(hi);
    for (let i = 0; i < n; i++) {
      const v = Math.fround(lo + span * ((w[i] >>> 8) * (1 / 16777216)));
      // Rounding to float32 can land on hi itself; keep the interval half-open.
      out[i] = v >= hi ? top : v;
    }
    return out;
  }

  /**
   * `n` float32 normal values (Box–Muller on word pairs: u1 = (w+1)·2^−32 ∈ (0, 1],
   * u2 = w·2^−32; tails are cut at √(64 ln 2) ≈ 6.66σ, probability 3e-11).
   */
  normal(n: number, mean = 0, std = 1): Float32Array {
    checkCount("normal", n);
    checkFinite("normal", "mean", mean);
    checkFinite("normal", "std", std);
    if (std < 0) throw new ActlabError(`normal: std must be >= 0, got ${std}`, "pass std >= 0");
    const s = new WordStream(this.k0, this.k1);
    const out = new Float32Array(n);
    const pair: [number, number] = [0, 0];
    for (let i = 0; i < n; i += 2) {
      s.gaussPair(pair);
      out[i] = mean + std * pair[0];
      if (i + 1 < n) out[i + 1] = mean + std * pair[1];
    }
    return out;
  }

  /**
   * `n` float32 values from a normal(mean, std) truncated to the ABSOLUTE
   * interval [a, b] — timm's `trunc_normal_(t, mean, std, a, b)` semantics
   * (so `std = 0.02, a = −2, b = 2` is effectively untruncated: ±100σ).
   * Values outside [a, b] are redrawn (rejection on the normal stream, so with
   * bounds that reject nothing the result equals `normal(n, mean, std)`); the
   * distribution is the one timm draws by inverse-CDF sampling.
   * Throws when less than 0.1% of draws would be accepted.
   */
  truncatedNormal(n: number, std = 1, a = -2, b = 2, mean = 0): Float32Array {
    checkCount("truncatedNormal", n);
    for (const [k, v] of [["std", std], ["mean", mean]] as const) {
      checkFinite("truncatedNormal", k, v);
    }
    if (Number.isNaN(a) || Number.isNaN(b) || !(a < b)) {
      throw new ActlabError(
        `truncatedNormal: needs a < b (absolute bounds), got [${a}, ${b}]`,
        "pass bounds with a < b; they are absolute values, not multiples of std",
      );
    }
    if (!(std > 0)) {
      throw new ActlabError(`truncatedNormal: std must be > 0, got ${std}`, "pass std > 0");
    }
    const accept = normalCdf((b - mean) / std) - normalCdf((a - mean) / std);
    if (!(accept >= MIN_TRUNC_ACCEPT)) {
      throw new ActlabError(
        `truncatedNormal: [${a}, ${b}] holds only ${accept.toExponential(2)} of ` +
          `normal(${mean}, ${std}); rejection sampling would not finish`,
        "widen [a, b] (absolute bounds) or move the mean inside it",
      );
    }
    const s = new WordStream(this.k0, this.k1);
    const out = new Float32Array(n);
    const pair: [number, number] = [0, 0];
    let i = 0;
    while (i < n) {
      s.gaussPair(pair);
      for (let k = 0; k < 2 && i < n; k++) {
        // Test the stored float32 value so the bounds hold for what callers see.
        const v = Math.fround(mean + std * pair[k]);
        if (v >= a && v <= b) out[i++] = v;
      }
    }
    return out;
  }

  /** `n` Bernoulli(p) draws as 0/1 bytes: 1 when w·2^−32 < p (exact: p = 0 → all 0, p = 1 → all 1). */
  bernoulli(n: number, p: number): Uint8Array {
    if (!(p >= 0 && p <= 1)) {
      throw new ActlabError(`bernoulli: p must be in [0, 1], got ${p}`, "pass a probability");
    }
    const w = this.bits(n);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = w[i] * TWO_POW_M32 < p ? 1 : 0;
    return out;
  }

  /** `n` integers uniform in [lo, hi) (int32 range, unbiased by rejection). */
  randint(n: number, lo: number, hi: number): Int32Array {
    checkCount("randint", n);
    if (
      !Number.isInteger(lo) || !Number.isInteger(hi) || lo < -2147483648 || hi > 2147483648 ||
      !(lo < hi)
    ) {
      throw new ActlabError(
        `randint: needs integers lo < hi within the int32 range, got [${lo}, ${hi})`,
        "pass integer bounds with lo < hi (hi exclusive)",
      );
    }
    const s = new WordStream(this.k0, this.k1);
    const out = new Int32Array(n);
    const range = hi - lo;
    for (let i = 0; i < n; i++) out[i] = lo + s.below(range);
    return out;
  }

  /** A uniformly random permutation of 0..n−1 (Fisher–Yates with unbiased integer draws). */
  permutation(n: number): Int32Array {
    checkCount("permutation", n);
    if (n > 2147483647) {
      throw new ActlabError(`permutation: n = ${n} exceeds int32`, "permute fewer than 2^31 items");
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    const s = new WordStream(this.k0, this.k1);
    for (let i = n - 1; i > 0; i--) {
      const j = s.below(i + 1);
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }
}

/** The key for integer seed `seed` (see `Rng.fromSeed`). */
export function rngFromSeed(seed: number): Rng {
  return Rng.fromSeed(seed);
}

/** 32-bit FNV-1a hash of a string: a stable key for `Rng.fold`. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
