/**
 * Contrasts: the paired comparisons a report makes. Every arm against the
 * baseline, plus any `--contrast A:B` (A − B), in every group holding both
 * arms. Each gets its paired-t interval, a two-sided p-value, Holm's
 * adjustment over all contrasts of the report (so adding contrasts cannot
 * manufacture a "better"), the verdict from the adjusted p, the minimum
 * detectable difference at the observed spread and the seeds needed to
 * detect a given difference.
 *
 * Arm labels may contain ':' themselves (`dpa:random-mask`), so `A:B` is
 * split at whichever ':' leaves two existing arms; no such split, or more
 * than one, is an error that lists the arms.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { minimumDetectableDifference, seedsNeeded } from "./power.ts";
import {
  holmAdjust,
  type PairedDifference,
  pairedDifference,
  studentTTwoSidedP,
  type Verdict,
} from "./stats.ts";

/** One requested comparison, A − B. */
export interface ContrastSpec {
  /** Arm label of the minuend. */
  readonly a: string;
  /** Arm label of the subtrahend. */
  readonly b: string;
}

/** Family-wise error rate of the verdicts. */
export const ALPHA = 0.05;
/** Power the minimum detectable difference and the seeds needed refer to. */
export const POWER = 0.8;

/** Split `text` ("A:B") into two of `arms`; arm labels may contain ':'. */
export function parseContrast(text: string, arms: readonly string[]): ContrastSpec {
  const fix = `arms: ${arms.join(", ")}; e.g. --contrast ${arms[1] ?? "dpa"}:${arms[0] ?? "relu"}`;
  const splits: ContrastSpec[] = [];
  for (let i = text.indexOf(":"); i >= 0; i = text.indexOf(":", i + 1)) {
    const a = text.slice(0, i), b = text.slice(i + 1);
    if (arms.includes(a) && arms.includes(b)) splits.push({ a, b });
  }
  if (!text.includes(":")) {
    throw new ActlabError(`--contrast "${text}" is not A:B`, fix);
  }
  if (splits.length === 0) {
    throw new ActlabError(`--contrast "${text}" does not split into two arms`, fix);
  }
  if (splits.length > 1) {
    throw new ActlabError(
      `--contrast "${text}" is ambiguous: ${splits.map((s) => `"${s.a}" − "${s.b}"`).join(" or ")}`,
      "rename an arm or drop the contrast",
    );
  }
  if (splits[0].a === splits[0].b) {
    throw new ActlabError(`--contrast "${text}" compares an arm with itself`, fix);
  }
  return splits[0];
}

/**
 * The report's contrasts: each arm other than `baseline` against it, then
 * the requested ones in order. A requested pair already present (in either
 * order) is not added again — it would count twice in Holm's family.
 */
export function contrastSpecs(
  arms: readonly string[],
  baseline: string | null,
  requested: readonly string[] = [],
): ContrastSpec[] {
  const specs: ContrastSpec[] = baseline === null
    ? []
    : arms.filter((a) => a !== baseline).map((a) => ({ a, b: baseline }));
  for (const text of requested) {
    const s = parseContrast(text, arms);
    if (!specs.some((t) => (t.a === s.a && t.b === s.b) || (t.a === s.b && t.b === s.a))) {
      specs.push(s);
    }
  }
  return specs;
}

/** One contrast in one group: the paired difference A − B and what it supports. */
export interface Contrast extends PairedDifference {
  /** Group (model, dataset, ARR setting). */
  readonly group: string;
  /** Minuend arm. */
  readonly a: string;
  /** Subtrahend arm. */
  readonly b: string;
  /** Paired t statistic (NaN for n < 2). */
  readonly t: number;
  /** Two-sided paired-t p-value. */
  readonly p: number;
  /** Holm-adjusted p over every contrast of the report. */
  readonly pHolm: number;
  /** From `pHolm` ≤ α: better (A > B) / worse; else no detectable difference; too few seeds for n < 2. */
  readonly verdict: Verdict;
  /** Smallest true difference detected with 80 % power at two-sided α 0.05, at the observed sd. */
  readonly mdd: number;
  /** The difference `seedsNeeded` refers to (`--detect`, else the observed mean). */
  readonly detect: number;
  /** Seeds giving 80 % power for `detect` at the observed sd (Infinity: never / > 10⁶). */
  readonly seedsNeeded: number;
}

/** One group's per-seed values of each arm, as the contrasts read them. */
export interface GroupValues {
  /** Group name. */
  readonly group: string;
  /** Arm label → seed → value (top-1). */
  readonly bySeed: ReadonlyMap<string, ReadonlyMap<number, number>>;
}

/**
 * Every spec in every group holding both arms, Holm-adjusted together.
 * `detect` (in the metric's units; default: each contrast's observed mean)
 * is the difference the seeds-needed column refers to.
 */
export function contrasts(
  groups: readonly GroupValues[],
  specs: readonly ContrastSpec[],
  detect?: number,
): Contrast[] {
  const raw = groups.flatMap((g) =>
    specs.flatMap(({ a, b }) => {
      const va = g.bySeed.get(a), vb = g.bySeed.get(b);
      if (!va || !vb) return [];
      const d = pairedDifference(va, vb);
      const t = d.n < 2
        ? NaN
        : d.std > 0
        ? d.mean / (d.std / Math.sqrt(d.n))
        : d.mean
        ? Math.sign(d.mean) * Infinity
        : 0;
      return [{ group: g.group, a, b, d, t, p: d.n < 2 ? NaN : studentTTwoSidedP(t, d.n - 1) }];
    })
  );
  const adjusted = holmAdjust(raw.map((r) => r.p));
  return raw.map(({ group, a, b, d, t, p }, i) => {
    const pHolm = adjusted[i];
    const verdict: Verdict = d.n < 2
      ? "too few seeds"
      : pHolm > ALPHA
      ? "no detectable difference"
      : d.mean > 0
      ? "better"
      : "worse";
    const target = detect ?? d.mean;
    return {
      group,
      a,
      b,
      ...d,
      t,
      p,
      pHolm,
      verdict,
      mdd: minimumDetectableDifference(d.n, d.std, ALPHA, POWER),
      detect: target,
      seedsNeeded: d.n < 2 ? NaN : seedsNeeded(target, d.std, ALPHA, POWER),
    };
  });
}
