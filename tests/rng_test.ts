/**
 * Tests of core/rng (Threefry-2x32-20 keys and samplers) and core/init.
 *
 * Statistical tolerances: each moment check allows 5 standard errors of the
 * estimator (two-sided tail probability 6e-7 for a correct generator), and
 * chi-square checks use the 1 − 1e-6 quantile of their distribution. Seeds
 * are fixed, so a check either always passes or always fails; the bounds
 * say how unlikely a failure of a correct generator would be, while a
 * wrong mapping (off-by-one scaling, biased modulo, swapped words) misses
 * them by far.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import {
  calculateGain,
  computeFans,
  kaimingNormal,
  kaimingUniform,
  truncNormal,
  uniformInit,
  xavierNormal,
  xavierUniform,
} from "../core/init.ts";
import { Rng, rngFromSeed, threefry2x32 } from "../core/rng.ts";

function moments(x: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const mean = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2;
  return { mean, variance: v / (x.length - 1) };
}

function within(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${what}: ${actual} differs from ${expected} by more than ${tol}`,
  );
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = moments(a);
  const mb = moments(b);
  let c = 0;
  for (let i = 0; i < a.length; i++) c += (a[i] - ma.mean) * (b[i] - mb.mean);
  return c / (a.length - 1) / Math.sqrt(ma.variance * mb.variance);
}

function chiSquare(counts: ArrayLike<number>, expected: number): number {
  let s = 0;
  for (let i = 0; i < counts.length; i++) s += (counts[i] - expected) ** 2 / expected;
  return s;
}

const hex = (w: readonly number[] | Uint32Array) =>
  [...w].map((x) => x.toString(16).padStart(8, "0"));

// ---- the block function ------------------------------------------------------------------

Deno.test("threefry2x32: Random123 known-answer vectors (20 rounds)", () => {
  // kat_vectors of Random123 (also JAX's tests): key, counter → output.
  assert.deepEqual(hex(threefry2x32([0, 0], [0, 0])), ["6b200159", "99ba4efe"]);
  assert.deepEqual(
    hex(threefry2x32([0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])),
    ["1cb996fc", "bb002be7"],
  );
  assert.deepEqual(
    hex(threefry2x32([0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3])),
    ["c4923a9c", "483df7a0"],
  );
});

Deno.test("threefry2x32: rejects words outside uint32", () => {
  assert.throws(() => threefry2x32([-1, 0], [0, 0]), ActlabError);
  assert.throws(() => threefry2x32([0, 2 ** 32], [0, 0]), ActlabError);
  assert.throws(() => threefry2x32([0, 0], [0.5, 0]), ActlabError);
});

// ---- keys ---------------------------------------------------------------------------------

Deno.test("rng: seeds map to (high word, low word) keys", () => {
  assert.deepEqual(rngFromSeed(0).toJSON(), { k0: 0, k1: 0 });
  assert.deepEqual(rngFromSeed(42).toJSON(), { k0: 0, k1: 42 });
  assert.deepEqual(rngFromSeed(2 ** 40 + 5).toJSON(), { k0: 256, k1: 5 });
  for (const bad of [-1, 1.5, NaN, 2 ** 53]) {
    assert.throws(() => rngFromSeed(bad), ActlabError, `seed ${bad}`);
  }
});

Deno.test("rng: golden values (fixed forever: changing them changes every experiment)", () => {
  const r = rngFromSeed(0);
  // Key (0,0), draw block (0,0) is the first KAT vector: draws read the counters in order.
  assert.deepEqual(hex(r.bits(4)), ["6b200159", "99ba4efe", "375f238f", "cddb151d"]);
  assert.deepEqual(
    r.uniform(4),
    Float32Array.from([
      0.4184570908546448,
      0.6004990339279175,
      0.21629542112350464,
      0.8041241765022278,
    ]),
  );
  assert.deepEqual(
    r.normal(4),
    Float32Array.from([
      -1.0654524564743042,
      -0.779213011264801,
      0.5836949348449707,
      -1.649703025817871,
    ]),
  );
  assert.deepEqual(r.split(2).map((k) => k.toJSON()), [
    { k0: 1351547692, k1: 3235790642 },
    { k0: 2473972575, k1: 935721516 },
  ]);
  assert.deepEqual(r.fold(7).toJSON(), { k0: 1836460763, k1: 1191019179 });
  const r42 = rngFromSeed(42);
  assert.deepEqual(
    r42.uniform(3),
    Float32Array.from([0.4267275333404541, 0.06302016973495483, 0.015010058879852295]),
  );
  assert.deepEqual(r42.permutation(8), Int32Array.from([3, 0, 6, 2, 5, 1, 4, 7]));
  assert.deepEqual(r42.randint(6, -5, 5), Int32Array.from([-2, -2, 2, 1, 3, 2]));
  assert.deepEqual(r42.bernoulli(8, 0.5), Uint8Array.from([1, 1, 1, 0, 0, 1, 0, 1]));
});

Deno.test("rng: draws are pure functions of the key, and shorter draws are prefixes", () => {
  const r = rngFromSeed(7);
  assert.deepEqual(r.uniform(1001), r.uniform(1001));
  assert.deepEqual(rngFromSeed(7).normal(333, 1, 2), r.normal(333, 1, 2));
  assert.deepEqual(r.uniform(1001).subarray(0, 10), r.uniform(10));
  assert.deepEqual(r.normal(9).subarray(0, 3), r.normal(3)); // odd counts split a Box–Muller pair
  assert.deepEqual(r.permutation(50), r.permutation(50));
  assert.deepEqual(
    r.split(5).map((k) => k.toJSON()).slice(0, 3),
    r.split(3).map((k) => k.toJSON()),
  );
  assert.deepEqual(r.fold(3).uniform(5), r.fold(3).uniform(5));
  assert.notDeepEqual(rngFromSeed(8).uniform(8), r.uniform(8));
});

Deno.test("rng: keys round-trip through JSON (checkpoints)", () => {
  const k = rngFromSeed(123).split(3)[2].fold(99);
  const saved = JSON.stringify({ rng: k });
  const back = Rng.fromJSON(JSON.parse(saved).rng);
  assert.deepEqual(back.toJSON(), k.toJSON());
  assert.deepEqual(back.normal(17), k.normal(17));
  assert.throws(() => Rng.fromJSON({ k0: -1, k1: 0 }), ActlabError);
  assert.throws(() => Rng.fromJSON(null as unknown as { k0: number; k1: number }), ActlabError);
  assert.throws(() => new Rng(0, 2 ** 32), ActlabError);
  assert.throws(() => k.fold(-1), ActlabError);
  assert.throws(() => k.fold(2 ** 32), ActlabError);
  assert.throws(() => k.split(1.5), ActlabError);
});

Deno.test("rng: split and fold give distinct keys with uncorrelated streams", () => {
  const root = rngFromSeed(2024);
  const seen = new Set<string>([JSON.stringify(root)]);
  const add = (k: Rng, what: string) => {
    const s = JSON.stringify(k);
    assert.ok(!seen.has(s), `${what} repeats an earlier key ${s}`);
    seen.add(s);
  };
  root.split(2000).forEach((k, i) => add(k, `split[${i}]`));
  for (let i = 0; i < 2000; i++) add(root.fold(i), `fold(${i})`); // fold(i) ≠ split[i]
  // No child key equals a pair of words drawn from the parent.
  const w = root.bits(4000);
  for (let i = 0; i < 4000; i += 2) {
    assert.ok(!seen.has(JSON.stringify({ k0: w[i], k1: w[i + 1] })), `draw words ${i} are a key`);
  }
  // Streams of related keys: |r| of two independent uniform samples has s.e. 1/√n.
  const n = 20000;
  const tol = 5 / Math.sqrt(n);
  const [a, b] = root.split(2);
  const pairs: [string, Rng, Rng][] = [
    ["split siblings", a, b],
    ["parent/child", root, a],
    ["fold(0)/fold(1)", root.fold(0), root.fold(1)],
    ["split[1]/fold(1)", b, root.fold(1)],
    ["seed 1/seed 2", rngFromSeed(1), rngFromSeed(2)],
  ];
  for (const [what, x, y] of pairs) {
    const r = correlation(x.uniform(n), y.uniform(n));
    assert.ok(Math.abs(r) < tol, `${what}: correlation ${r} exceeds ${tol}`);
  }
  // Lag-1 correlation within one stream.
  const u = root.uniform(n + 1);
  const lag = correlation(u.subarray(0, n), u.subarray(1));
  assert.ok(Math.abs(lag) < tol, `lag-1 correlation ${lag}`);
});

// ---- samplers -----------------------------------------------------------------------------

Deno.test("uniform: range, moments and a 20-bin chi-square", () => {
  const n = 200000;
  const u = rngFromSeed(11).uniform(n);
  assert.ok(u.every((v) => v >= 0 && v < 1));
  const m = moments(u);
  within(m.mean, 0.5, 5 * Math.sqrt(1 / 12 / n), "uniform mean");
  // Var of (U − ½)² is 1/80 − 1/144 = 1/180.
  within(m.variance, 1 / 12, 5 * Math.sqrt(1 / 180 / n), "uniform variance");
  const counts = new Float64Array(20);
  for (const v of u) counts[Math.floor(v * 20)]++;
  const chi = chiSquare(counts, n / 20);
  assert.ok(chi < 63.68, `chi-square ${chi} over 19 dof exceeds the 1-1e-6 quantile 63.68`);
  // Scaled range, and a range whose float32 rounding would reach hi: stays half-open.
  const s = rngFromSeed(12).uniform(10000, -3, 5);
  assert.ok(s.every((v) => v >= -3 && v < 5));
  const tight = rngFromSeed(13).uniform(1000, 1, 1 + 2 ** -23);
  assert.ok(tight.every((v) => v === 1), "only 1 lies in [1, next float32)");
  assert.throws(() => rngFromSeed(1).uniform(3, 1, 1), ActlabError);
  assert.throws(() => rngFromSeed(1).uniform(3, 0, Infinity), ActlabError);
  assert.throws(() => rngFromSeed(1).uniform(-1), ActlabError);
  assert.equal(rngFromSeed(1).uniform(0).length, 0);
});

Deno.test("normal: moments, one-sigma mass and scaling", () => {
  const n = 200000;
  const z = rngFromSeed(21).normal(n);
  const m = moments(z);
  within(m.mean, 0, 5 / Math.sqrt(n), "normal mean");
  within(m.variance, 1, 5 * Math.sqrt(2 / n), "normal variance"); // Var(s²) = 2σ⁴/n
  let inside = 0;
  let maxAbs = 0;
  for (const v of z) {
    if (Math.abs(v) < 1) inside++;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const p = 0.6826894921370859;
  within(inside / n, p, 5 * Math.sqrt(p * (1 - p) / n), "P(|z| < 1)");
  assert.ok(maxAbs < 6.67, "Box–Muller with 32-bit u1 cannot exceed √(64 ln 2)");
  const scaled = rngFromSeed(21).normal(n, 3, 0.5);
  // z is already rounded to float32, so allow one float32 ulp of the result.
  for (let i = 0; i < 100; i++) within(scaled[i], 3 + 0.5 * z[i], 1e-6, `scaled[${i}]`);
  assert.throws(() => rngFromSeed(1).normal(3, 0, -1), ActlabError);
});

Deno.test("truncatedNormal: absolute bounds (timm semantics), moments, resampling", () => {
  const n = 100000;
  // Bounds are absolute: [-0.5, 1] with std 1 (not ±2σ).
  const t = rngFromSeed(31).truncatedNormal(n, 1, -0.5, 1);
  assert.ok(t.every((v) => v >= -0.5 && v <= 1));
  // Truncated N(0,1) on [-0.5, 1]: mean (φ(a) − φ(b))/Z = 0.206631, variance 0.172773
  // (computed with scipy.stats.norm). Var of the sample mean is σ²/n.
  const m = moments(t);
  within(m.mean, 0.20663121806153295, 5 * Math.sqrt(0.1727732590864932 / n), "truncated mean");
  // Bounded values: Var(s²) ≤ E[(x−μ)⁴]/n ≤ (range²/4)·σ²/n; a loose but valid 5-s.e. band.
  within(m.variance, 0.1727732590864932, 5 * Math.sqrt(0.5625 * 0.1727732590864932 / n), "var");
  // timm's ViT init: std 0.02 with a=-2, b=2 is ±100σ, so nothing is rejected: it equals normal().
  const k = rngFromSeed(32);
  assert.deepEqual(k.truncatedNormal(5000, 0.02), k.normal(5000, 0, 0.02));
  // Absolute bounds tighter than the spread: |v| ≤ 0.03, not ≤ 0.06 (= ±2σ as multiples).
  const tight = k.truncatedNormal(5000, 0.02, -0.03, 0.03);
  assert.ok(tight.every((v) => Math.abs(v) <= 0.03));
  const outside = k.normal(5000, 0, 0.02).filter((v) => Math.abs(v) > 0.03).length;
  assert.ok(outside > 300, "the tight case really resamples (13% of N(0, 0.02) is beyond 0.03)");
  // The accepted values are the stream's in-range normals, in order.
  const all = k.normal(20000, 0, 0.02).filter((v) => Math.abs(v) <= 0.03);
  assert.deepEqual(tight, all.subarray(0, 5000));
  // Shifted mean.
  const shifted = rngFromSeed(33).truncatedNormal(1000, 1, 9, 11, 10);
  assert.ok(shifted.every((v) => v >= 9 && v <= 11));
  assert.throws(() => k.truncatedNormal(10, 1, 1, -1), ActlabError);
  assert.throws(() => k.truncatedNormal(10, 0), ActlabError);
  assert.throws(() => k.truncatedNormal(10, 1, 8, 9), /widen/); // P(accept) ≈ 6e-16
});

Deno.test("bernoulli: exact endpoints and rate", () => {
  const k = rngFromSeed(41);
  assert.ok(k.bernoulli(1000, 0).every((v) => v === 0));
  assert.ok(k.bernoulli(1000, 1).every((v) => v === 1));
  const n = 100000;
  const p = 0.3;
  const b = k.bernoulli(n, p);
  const rate = b.reduce((s, v) => s + v, 0) / n;
  within(rate, p, 5 * Math.sqrt(p * (1 - p) / n), "bernoulli rate");
  // Same words as uniform: the mask is u < p (dropout masks agree with a uniform draw).
  const u = k.bits(n);
  for (let i = 0; i < 1000; i++) assert.equal(b[i], u[i] / 2 ** 32 < p ? 1 : 0);
  assert.throws(() => k.bernoulli(3, 1.5), ActlabError);
  assert.throws(() => k.bernoulli(3, NaN), ActlabError);
});

Deno.test("randint: range, every value, unbiased counts, full int32 range", () => {
  const k = rngFromSeed(51);
  const n = 60000;
  const r = k.randint(n, -2, 1);
  const counts = new Float64Array(3);
  for (const v of r) {
    assert.ok(v >= -2 && v < 1);
    counts[v + 2]++;
  }
  const chi = chiSquare(counts, n / 3);
  assert.ok(chi < 27.63, `chi-square ${chi} over 2 dof exceeds the 1-1e-6 quantile 27.63`);
  // A range that does not divide 2^32 where a plain modulo is visibly biased:
  // with range 3·2^30, w % range puts half the mass on the lowest third.
  const big = k.randint(n, -(2 ** 31), 2 ** 30);
  const low = big.filter((v) => v < -(2 ** 30)).length / n;
  within(low, 1 / 3, 5 * Math.sqrt((1 / 3) * (2 / 3) / n), "P(lowest third) for range 3·2^30");
  const wide = k.randint(1000, -(2 ** 31), 2 ** 31);
  assert.ok(wide.some((v) => v < 0) && wide.some((v) => v > 0));
  assert.deepEqual(k.randint(5, 7, 8), Int32Array.from([7, 7, 7, 7, 7]));
  assert.throws(() => k.randint(3, 2, 2), ActlabError);
  assert.throws(() => k.randint(3, 0, 2 ** 31 + 1), ActlabError);
  assert.throws(() => k.randint(3, 0.5, 2), ActlabError);
});

Deno.test("permutation: valid, uniform over the 24 orders of 4 items", () => {
  const k = rngFromSeed(61);
  for (const n of [0, 1, 2, 10, 1000]) {
    const p = k.fold(n).permutation(n);
    assert.equal(p.length, n);
    assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
  }
  const draws = 24000;
  const counts = new Map<string, number>();
  for (let i = 0; i < draws; i++) {
    const key = k.fold(i).permutation(4).join("");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.equal(counts.size, 24);
  const chi = chiSquare([...counts.values()], draws / 24);
  assert.ok(chi < 70.55, `chi-square ${chi} over 23 dof exceeds the 1-1e-6 quantile 70.55`);
  assert.throws(() => k.permutation(-1), ActlabError);
});

// ---- initialisers -------------------------------------------------------------------------

Deno.test("init: fans and gains follow torch.nn.init", () => {
  assert.deepEqual(computeFans([64, 3, 7, 7]), { fanIn: 147, fanOut: 3136 });
  assert.deepEqual(computeFans([10, 20]), { fanIn: 20, fanOut: 10 });
  assert.deepEqual(computeFans([20, 10], "in_out"), { fanIn: 20, fanOut: 10 });
  assert.deepEqual(computeFans([7, 7, 3, 64], "in_out"), { fanIn: 147, fanOut: 3136 });
  assert.throws(() => computeFans([5]), ActlabError);
  assert.equal(calculateGain("relu"), Math.SQRT2);
  assert.equal(calculateGain("tanh"), 5 / 3);
  assert.equal(calculateGain("leaky_relu", Math.sqrt(5)), Math.sqrt(1 / 3));
  assert.equal(calculateGain("linear"), 1);
});

Deno.test("init: torchvision ResNet conv = kaiming_normal_(fan_out, relu)", () => {
  const shape = [64, 3, 7, 7];
  const w = kaimingNormal(rngFromSeed(71), shape, { mode: "fan_out", nonlinearity: "relu" });
  assert.equal(w.dtype, "f32");
  assert.deepEqual(w.shape, shape);
  assert.equal(w.data.length, 9408);
  const std = Math.sqrt(2 / 3136);
  const m = moments(w.data);
  within(m.mean, 0, 5 * std / Math.sqrt(9408), "mean");
  within(Math.sqrt(m.variance), std, 5 * std / Math.sqrt(2 * 9408), "std"); // s.e.(s) ≈ σ/√(2n)
  // Same key, same weights; the default mode is fan_in.
  assert.deepEqual(kaimingNormal(rngFromSeed(71), shape, { mode: "fan_out" }).data, w.data);
  const fanIn = kaimingNormal(rngFromSeed(71), shape);
  assert.deepEqual(fanIn.data, rngFromSeed(71).normal(9408, 0, Math.sqrt(2 / 147)));
});

Deno.test("init: nn.Linear default = kaiming_uniform(a=√5) = U(±1/√fan_in)", () => {
  const w = kaimingUniform(rngFromSeed(72), [256, 100], { a: Math.sqrt(5) });
  const bound = 1 / Math.sqrt(100);
  let max = 0;
  for (const v of w.data) max = Math.max(max, Math.abs(v));
  assert.ok(max <= bound && max > 0.99 * bound, `max |w| ${max} vs bound ${bound}`);
  // U(−B, B): Var((X − μ)²) = B⁴(1/5 − 1/9) = 4B⁴/45.
  const se = bound * bound * Math.sqrt(4 / 45 / 25600);
  within(moments(w.data).variance, bound * bound / 3, 5 * se, "variance");
  // The same weight stored [in, out] for x·W: fans come from the last two axes.
  const t = kaimingUniform(rngFromSeed(72), [100, 256], { a: Math.sqrt(5), layout: "in_out" });
  assert.deepEqual(t.data, w.data);
  const bias = uniformInit(rngFromSeed(73), [256], -bound, bound);
  assert.ok(bias.data.every((v) => Math.abs(v) <= bound));
});

Deno.test("init: xavier and timm trunc_normal_(std=0.02)", () => {
  const xu = xavierUniform(rngFromSeed(74), [30, 50]);
  const b = Math.sqrt(6 / 80);
  assert.ok(xu.data.every((v) => Math.abs(v) <= b));
  const xn = xavierNormal(rngFromSeed(74), [30, 50], { gain: 2 });
  assert.equal(xn.data.length, 1500);
  within(Math.sqrt(moments(xn.data).variance), 2 * Math.sqrt(2 / 80), 0.02, "xavier normal std");
  const tn = truncNormal(rngFromSeed(75), [192, 768], { std: 0.02 });
  assert.deepEqual(tn.shape, [192, 768]);
  within(Math.sqrt(moments(tn.data).variance), 0.02, 5 * 0.02 / Math.sqrt(2 * 147456), "std");
  const clipped = truncNormal(rngFromSeed(75), [1000], { std: 1, a: -1, b: 1 });
  assert.ok(clipped.data.every((v) => v >= -1 && v <= 1));
  // Zero-element weights are a no-op (as in PyTorch); a zero fan for real weights is an error.
  assert.equal(kaimingNormal(rngFromSeed(1), [3, 0]).data.length, 0);
  assert.throws(
    () => kaimingNormal(rngFromSeed(1), [3, 2], { fans: { fanIn: 0, fanOut: 3 } }),
    ActlabError,
  );
});
