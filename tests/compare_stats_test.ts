/**
 * The comparison statistics against published values: Student-t quantiles
 * (the standard two-sided 95 % table and R's `qt`), the t CDF, ln Γ, and the
 * paired interval and verdict on hand-computed data.
 */
import assert from "node:assert/strict";
import {
  logGamma,
  pairedDifference,
  studentTCdf,
  studentTQuantile,
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
