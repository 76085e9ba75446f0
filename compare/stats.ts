/**
 * Statistics of a comparison: mean ± sample standard deviation per arm, and
 * for each contrast (an arm against the baseline, or `--contrast A:B`) the
 * paired difference over seeds with a 95 % confidence interval from the
 * paired t distribution (seeds pair cells: same init, data order and masks,
 * so the per-seed difference removes the seed's own luck from the
 * comparison), its two-sided p-value and Holm's adjustment of a family of
 * p-values.
 *
 * The Student-t quantile is computed, not tabulated: the CDF through the
 * regularised incomplete beta function (Lentz continued fraction, as in
 * Numerical Recipes §6.4) inverted by bisection, good to ~1e-10 — which
 * matters for small n (t₀.₉₇₅ is 12.71 at 1 degree of freedom, 4.30 at 2).
 * @module
 */

/** Mean, sample standard deviation (n − 1; 0 for one value) and count. */
export interface Summary {
  /** Mean. */
  readonly mean: number;
  /** Sample standard deviation. */
  readonly std: number;
  /** Number of finite values. */
  readonly n: number;
}

/** Mean ± sample std of the finite values of `xs`. */
export function summarize(xs: readonly number[]): Summary {
  const v = xs.filter(Number.isFinite);
  const n = v.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const ss = v.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) +
    b * Math.log(1 - x);
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` > 0 degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Two-sided p-value of Student's t statistic `t` with `df` degrees of freedom,
 * P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2), taken straight from the incomplete
 * beta function so that small p-values keep their digits (1 − CDF would not).
 * ±∞ gives 0; NaN gives NaN.
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * Holm's step-down adjustment of a family of p-values (Holm 1979): sorted
 * ascending, p₍ᵢ₎ becomes max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎), where m
 * counts the finite p-values; rejecting where the adjusted p ≤ α controls the
 * family-wise error rate at α under any dependence between the tests. NaN
 * entries (tests that could not be run) stay NaN and do not count in m.
 * Returns the adjusted values in the input order.
 */
export function holmAdjust(ps: readonly number[]): number[] {
  const order = ps.map((p, i) => [p, i] as const).filter(([p]) => !Number.isNaN(p))
    .sort((x, y) => x[0] - y[0]);
  const m = order.length;
  const out = ps.map(() => NaN);
  let running = 0;
  order.forEach(([p, i], k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}

/** The quantile t_p of Student's t with `df` degrees of freedom (0 < p < 1). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0, hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** What the paired comparison says, in words. */
export type Verdict = "better" | "no detectable difference" | "worse" | "too few seeds";

/** Paired difference (arm − baseline) over the seeds both have. */
export interface PairedDifference {
  /** Seeds present in both (the pairs). */
  readonly seeds: readonly number[];
  /** Number of pairs. */
  readonly n: number;
  /** Mean of the per-seed differences. */
  readonly mean: number;
  /** Sample std of the differences. */
  readonly std: number;
  /** Bounds of the two-sided confidence interval (NaN for n < 2). */
  readonly ciLow: number;
  /** Upper bound. */
  readonly ciHigh: number;
  /** Confidence level (0.95). */
  readonly level: number;
  /** better: the whole interval is above 0; worse: below 0. */
  readonly verdict: Verdict;
}

/**
 * The paired t interval of `arm − baseline`, both given per seed; `higherIsBetter`
 * orients the verdict (top-1: true).
 */
export function pairedDifference(
  arm: ReadonlyMap<number, number>,
  baseline: ReadonlyMap<number, number>,
  level = 0.95,
  higherIsBetter = true,
): PairedDifference {
  const seeds = [...arm.keys()]
    .filter((s) =>
      baseline.has(s) && Number.isFinite(arm.get(s)!) &&
      Number.isFinite(baseline.get(s)!)
    )
    .sort((a, b) => a - b);
  const d = seeds.map((s) => arm.get(s)! - baseline.get(s)!);
  const { mean, std, n } = summarize(d);
  if (n < 2) {
    return {
      seeds,
      n,
      mean,
      std,
      ciLow: NaN,
      ciHigh: NaN,
      level,
      verdict: "too few seeds",
    };
  }
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * std / Math.sqrt(n);
  const ciLow = mean - half, ciHigh = mean + half;
  const above = ciLow > 0, below = ciHigh < 0;
  const verdict: Verdict = !above && !below
    ? "no detectable difference"
    : above === higherIsBetter
    ? "better"
    : "worse";
  return { seeds, n, mean, std, ciLow, ciHigh, level, verdict };
}
