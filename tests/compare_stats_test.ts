/**
 * The comparison statistics against published values: Student-t quantiles
 * (the standard two-sided 95 % table and R's `qt`), the t CDF and two-sided
 * p-values (scipy `stats.t.sf`), ln Γ, the paired interval and verdict on
 * hand-computed data, Holm's adjustment, the power of the paired t test
 * (noncentral t; scipy `stats.nct` and G*Power's sample sizes), the minimum
 * detectable difference and the seeds needed, and `--contrast` parsing with
 * arm names that contain ':'.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { contrastSpecs, parseContrast } from "../compare/contrast.ts";
import {
  minimumDetectableDifference,
  normalCdf,
  pairedPower,
  seedsNeeded,
} from "../compare/power.ts";
import {
  holmAdjust,
  logGamma,
  pairedDifference,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedP,
  summarize,
} from "../compare/stats.ts";

function near(got: number, want: number, tol: number, what: string): void {
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want}`);
}

Deno.test("student t quantiles match the table (two-sided 95 %, 99 %, one-sided 90 %)", () => {
  // t_{0.975, df} from the standard table (R: qt(0.975, df)).
  const t975: [number, number][] = [
    [1, 12.706205],
    [2, 4.302653],
    [3, 3.182446],
    [4, 2.776445],
    [5, 2.570582],
    [9, 2.262157],
    [10, 2.228139],
    [29, 2.045230],
    [30, 2.042272],
    [100, 1.983972],
    [1e6, 1.959966],
  ];
  for (const [df, want] of t975) near(studentTQuantile(0.975, df), want, 2e-6, `t.975(${df})`);
  near(studentTQuantile(0.995, 2), 9.924843, 2e-6, "t.995(2)");
  near(studentTQuantile(0.995, 1), 63.656741, 1e-5, "t.995(1)");
  near(studentTQuantile(0.9, 3), 1.637744, 2e-6, "t.9(3)");
  near(studentTQuantile(0.025, 4), -2.776445, 2e-6, "t.025(4) is symmetric");
  assert.equal(studentTQuantile(0.5, 7), 0);
  assert.ok(Number.isNaN(studentTQuantile(0.975, 0)));
});

Deno.test("student t CDF and ln Gamma", () => {
  // df = 1 is Cauchy: F(t) = 1/2 + atan(t)/π; df = 2: F(t) = 1/2 + t / (2√(2 + t²)).
  for (const t of [-3, -0.5, 0, 0.7, 2, 10]) {
    near(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-12, `cauchy ${t}`);
    near(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-12, `df2 ${t}`);
  }
  near(logGamma(5), Math.log(24), 1e-12, "lnΓ(5)");
  near(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12, "lnΓ(1/2)");
  near(logGamma(100), 359.1342053695754, 1e-9, "lnΓ(100)");
});

Deno.test("summarize: mean, sample std, n; non-finite values left out", () => {
  const s = summarize([1, 2, 3, 4, NaN]);
  assert.equal(s.n, 4);
  near(s.mean, 2.5, 1e-15, "mean");
  near(s.std, Math.sqrt(5 / 3), 1e-15, "std");
  assert.deepEqual(summarize([7]), { mean: 7, std: 0, n: 1 });
  assert.equal(summarize([]).n, 0);
});

Deno.test("paired difference: interval, verdict, pairing by seed", () => {
  const base = new Map([[0, 0.80], [1, 0.82], [2, 0.78], [3, 0.90]]);
  // Differences 0.02, 0.025, 0.015 on seeds 0..2; seed 3 has no partner and is left out.
  const arm = new Map([[0, 0.82], [1, 0.845], [2, 0.795], [7, 0.5]]);
  const d = pairedDifference(arm, base);
  assert.deepEqual(d.seeds, [0, 1, 2]);
  near(d.mean, 0.02, 1e-12, "mean");
  near(d.std, 0.005, 1e-12, "std");
  const half = 4.302653 * 0.005 / Math.sqrt(3);
  near(d.ciLow, 0.02 - half, 1e-7, "low");
  near(d.ciHigh, 0.02 + half, 1e-7, "high");
  assert.equal(d.verdict, "better");
  // The same differences, negated: worse; lower-is-better flips it back.
  const neg = new Map([[0, 0.78], [1, 0.795], [2, 0.765]]);
  assert.equal(pairedDifference(neg, base).verdict, "worse");
  assert.equal(pairedDifference(neg, base, 0.95, false).verdict, "better");
  // A noisy difference whose interval straddles 0.
  const noisy = new Map([[0, 0.85], [1, 0.80], [2, 0.79]]);
  assert.equal(pairedDifference(noisy, base).verdict, "no detectable difference");
  const one = pairedDifference(new Map([[0, 0.9]]), base);
  assert.equal(one.verdict, "too few seeds");
  assert.ok(Number.isNaN(one.ciLow));
});

Deno.test("two-sided t p-values match scipy and invert the quantiles", () => {
  // scipy: 2 * stats.t.sf(t, df).
  near(studentTTwoSidedP(2.0, 5), 0.10193947882985836, 1e-12, "t 2, df 5");
  near(studentTTwoSidedP(-2.0, 5), 0.10193947882985836, 1e-12, "symmetric");
  near(studentTTwoSidedP(2.776, 4), 0.05002277831997642, 1e-12, "t 2.776, df 4");
  near(studentTTwoSidedP(6.0, 3), 0.009272714892284666, 1e-13, "t 6, df 3");
  near(studentTTwoSidedP(1.0, 30), 0.3253086154260302, 1e-12, "t 1, df 30");
  near(studentTTwoSidedP(48.98979485566356, 3), 1.8728492666926272e-05, 1e-15, "small p");
  for (const df of [1, 2, 4, 9, 29]) {
    near(studentTTwoSidedP(studentTQuantile(0.975, df), df), 0.05, 1e-10, `p(t.975(${df}))`);
  }
  assert.equal(studentTTwoSidedP(0, 3), 1);
  assert.equal(studentTTwoSidedP(Infinity, 3), 0);
  assert.ok(Number.isNaN(studentTTwoSidedP(NaN, 3)));
});

Deno.test("Holm: step-down by hand, NaN left out of the family, capped at 1", () => {
  // Sorted 0.005, 0.01, 0.03, 0.04 → ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06, 0.04 → running max.
  const got = holmAdjust([0.01, 0.04, 0.03, 0.005]);
  [0.03, 0.06, 0.06, 0.02].forEach((w, i) => near(got[i], w, 1e-15, `p${i}`));
  // A contrast without a p (too few seeds) does not enlarge m: m = 2 here.
  const withNaN = holmAdjust([0.02, NaN, 0.04]);
  near(withNaN[0], 0.04, 1e-15, "×2");
  assert.ok(Number.isNaN(withNaN[1]));
  near(withNaN[2], 0.04, 1e-15, "×1, then the running max");
  assert.deepEqual(holmAdjust([0.5, 0.6]), [1, 1]);
  assert.deepEqual(holmAdjust([]), []);
});

Deno.test("paired t power, MDD and seeds needed match the noncentral t", () => {
  near(normalCdf(1.959963984540054), 0.975, 1e-15, "Φ(1.96)");
  near(normalCdf(-8), 6.220960574271786e-16, 1e-9, "Φ(-8) keeps its digits");
  assert.equal(normalCdf(0), 0.5);
  // scipy: stats.nct.sf(tc, n-1, δ√n/σ) + stats.nct.cdf(-tc, ...); R power.t.test gives 0.8031 at n = 10.
  near(pairedPower(10, 1, 1), 0.8030968566327219, 1e-9, "n 10, δ/σ 1");
  near(pairedPower(5, 1, 1), 0.40138991737179536, 1e-9, "n 5");
  near(pairedPower(199, 0.2, 1), 0.8016910240370655, 1e-9, "n 199, δ/σ 0.2");
  near(pairedPower(2, 1, 1), 0.09280915505633605, 1e-9, "n 2");
  assert.ok(Number.isNaN(pairedPower(1, 1, 1)));
  // MDD / σ at 80 % power, two-sided 0.05 (scipy: root of the power above in λ, over √n).
  const exact: [number, number][] = [
    [2, 11.54988843588366],
    [3, 3.2640435497007765],
    [5, 1.6819969659555456],
    [10, 0.9960013714554438],
    [30, 0.5292356151129555],
  ];
  for (const [n, want] of exact) {
    near(minimumDetectableDifference(n, 0.01), want * 0.01, 1e-11, `n ${n}`);
  }
  // By hand, the textbook shortcut (t.975 + t.8)·σ/√n at n = 10: (2.262157 + 0.883404)/√10 —
  // within 0.2 % of the exact value, but 14 % below it at n = 2, where the noncentral t matters.
  const shortcut = (n: number) =>
    (studentTQuantile(0.975, n - 1) + studentTQuantile(0.8, n - 1)) / Math.sqrt(n);
  near(shortcut(10), (2.262157 + 0.883404) / Math.sqrt(10), 1e-6, "shortcut by hand");
  near(minimumDetectableDifference(10, 1), shortcut(10), 2e-3, "close at n 10");
  assert.ok(minimumDetectableDifference(2, 1) > 1.15 * shortcut(2), "far at n 2");
  assert.equal(minimumDetectableDifference(4, 0), 0);
  assert.ok(Number.isNaN(minimumDetectableDifference(1, 0.01)));
  // Seeds for 80 % power: G*Power's paired-t sample sizes (d 0.5 → 34, d 0.2 → 199).
  const needed: [number, number][] = [[3, 4], [2, 5], [1, 10], [0.5, 34], [0.2, 199]];
  for (const [d, n] of needed) {
    assert.equal(seedsNeeded(d * 0.01, 0.01), n, `δ/σ ${d}`);
    assert.ok(pairedPower(n - 1, d, 1) < 0.8 && pairedPower(n, d, 1) >= 0.8, `minimal at ${d}`);
  }
  assert.equal(seedsNeeded(-0.01, 0.01), 10, "the sign does not matter");
  // The MDD of n seeds needs n seeds: the two answers are one relation read two ways.
  for (const n of [3, 5, 8]) {
    assert.equal(seedsNeeded(minimumDetectableDifference(n, 0.02) * 1.0001, 0.02), n, `n ${n}`);
  }
  assert.equal(seedsNeeded(0, 0.01), Infinity);
  assert.equal(seedsNeeded(1e-6, 0.01), Infinity, "beyond a million seeds");
  assert.equal(seedsNeeded(0.01, 0), 2);
  assert.ok(Number.isNaN(seedsNeeded(0.01, NaN)));
});

Deno.test("--contrast: arm names with ':' split where both sides are arms; errors name the arms", () => {
  const arms = ["relu", "dpa", "dpa:random-mask", "dpa:tau-only[T=0.1]"];
  assert.deepEqual(parseContrast("dpa:dpa:random-mask", arms), { a: "dpa", b: "dpa:random-mask" });
  assert.deepEqual(parseContrast("dpa:random-mask:dpa", arms), { a: "dpa:random-mask", b: "dpa" });
  assert.deepEqual(parseContrast("dpa:tau-only[T=0.1]:dpa:random-mask", arms), {
    a: "dpa:tau-only[T=0.1]",
    b: "dpa:random-mask",
  });
  const bad: [string, readonly string[], RegExp][] = [
    ["relu", arms, /"relu" is not A:B/],
    ["dpa:gelu", arms, /does not split into two arms/],
    ["dpa:dpa", arms, /compares an arm with itself/],
    ["a:b:c", ["a", "a:b", "b:c", "c"], /ambiguous: "a" − "b:c" or "a:b" − "c"/],
  ];
  for (const [text, names, re] of bad) {
    assert.throws(
      () => parseContrast(text, names),
      (e: Error) => e instanceof ActlabError && re.test(e.message) && /arms|rename/.test(e.hint),
      text,
    );
  }
  // Baseline contrasts first; a requested pair already there, in either order, is not repeated.
  assert.deepEqual(
    contrastSpecs(arms.slice(0, 3), "relu", [
      "relu:dpa",
      "dpa:dpa:random-mask",
      "dpa:random-mask:dpa",
    ]),
    [
      { a: "dpa", b: "relu" },
      { a: "dpa:random-mask", b: "relu" },
      { a: "dpa", b: "dpa:random-mask" },
    ],
  );
  assert.deepEqual(contrastSpecs(["gelu", "dpa"], null, ["dpa:gelu"]), [{ a: "dpa", b: "gelu" }]);
});
