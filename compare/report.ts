/**
 * The `compare` report, built from collected cells: one JSON document with
 * every number (`compare.json`) — per-arm statistics, the contrasts
 * (`contrast.ts`) and per-site sparsity and specificity — rendered as
 * Markdown (`compare.md`) in `markdown.ts` and as SVG (`compare.svg`) in
 * `svg.ts`.
 *
 * Everything except the `cost` section is a pure function of the cells'
 * results, so the report of a sharded run equals the unsharded one; timing
 * (img/s, wall time) depends on the machine and its load and is kept apart.
 * @module
 */
import type { PluginOptions } from "../plugin/types.ts";
import type { CellResult, Collected } from "./collect.ts";
import { ALPHA, type Contrast, contrasts, contrastSpecs, POWER } from "./contrast.ts";
import type { ComparePlan } from "./plan.ts";
import { summarize, type Summary } from "./stats.ts";

/** What a report compares beyond the grid itself. */
export interface ReportOptions {
  /** Extra contrasts "A:B" (A − B) besides every arm against the baseline. */
  readonly contrasts?: readonly string[];
  /** The top-1 difference (fraction) the seeds-needed column refers to (default: each observed one). */
  readonly detect?: number;
}

/** One activation site of one arm, over seeds (from each run's `analysis_test.json`). */
export interface SiteReport {
  /** Scope name of the site. */
  readonly name: string;
  /** Fraction of pooled test responses that are exactly zero. */
  readonly sparsity: Summary;
  /** Mean largest-class share of the channels' class-mean responses (1/K … 1). */
  readonly specificity: Summary;
}

/** One arm of one group. */
export interface ArmReport {
  /** Arm label. */
  readonly arm: string;
  /** Activation plugin name. */
  readonly activation: string;
  /** The arm's activation options. */
  readonly options: PluginOptions;
  /** Seeds with a finished run. */
  readonly seeds: readonly number[];
  /** Test top-1 per seed (fraction). */
  readonly top1BySeed: Readonly<Record<string, number>>;
  /** Test top-1 (fraction) over seeds. */
  readonly top1: Summary;
  /** Test top-5 (fraction) over seeds. */
  readonly top5: Summary;
  /** Test cross-entropy over seeds. */
  readonly testLoss: Summary;
  /** Test activation sparsity (fraction of zeros) over seeds. */
  readonly sparsity: Summary;
  /** Test top-1 per epoch over seeds: mean, std and count at each epoch. */
  readonly curve: { readonly mean: number[]; readonly std: number[]; readonly n: number[] };
  /** Per activation site, over the seeds whose runs were analysed. */
  readonly sites: readonly SiteReport[];
  /** The contrast of this arm with the baseline in the same group (null: none or self). */
  readonly vsBaseline: Contrast | null;
}

/** Cells compared with each other: one model, dataset (and ARR setting). */
export interface GroupReport {
  /** Group name. */
  readonly group: string;
  /** Its arms in grid order. */
  readonly arms: readonly ArmReport[];
}

/** Timing of one arm (machine- and load-dependent; not part of the comparison). */
export interface CostReport {
  /** Group name. */
  readonly group: string;
  /** Arm label. */
  readonly arm: string;
  /** Steady-state training images per second over seeds. */
  readonly trainImgPerS: Summary;
  /** Wall time per run (s) over seeds. */
  readonly wallS: Summary;
}

/** What `compare.json` holds. */
export interface CompareReport {
  /** Report title. */
  readonly title: string;
  /** Baseline arm (null: no paired comparison). */
  readonly baseline: string | null;
  /** The compared metric. */
  readonly metric: "test_top1";
  /** Confidence level of the intervals (0.95). */
  readonly level: number;
  /** Family-wise error rate of the Holm-adjusted verdicts (0.05). */
  readonly alpha: number;
  /** Power the minimum detectable difference and the seeds needed refer to (0.8). */
  readonly power: number;
  /** The difference the seeds-needed figures refer to (null: each contrast's observed one). */
  readonly detect: number | null;
  /** Every contrast of every group (the baseline ones first), Holm-adjusted together. */
  readonly contrasts: readonly Contrast[];
  /** Per model/dataset group. */
  readonly groups: readonly GroupReport[];
  /** Planned cells without a finished run. */
  readonly missing: Collected["missing"];
  /** Each finished run's channel heatmaps (path relative to the report), in plan order. */
  readonly heatmaps: readonly { readonly id: string; readonly path: string }[];
  /** Timing per group and arm. */
  readonly cost: readonly CostReport[];
}

function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function curveStats(results: readonly CellResult[]): ArmReport["curve"] {
  const epochs = Math.max(0, ...results.map((r) => r.curve.length));
  const mean: number[] = [], std: number[] = [], n: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const s = summarize(results.map((r) => r.curve[e] ?? NaN));
    mean.push(s.mean);
    std.push(s.std);
    n.push(s.n);
  }
  return { mean, std, n };
}

function siteStats(results: readonly CellResult[]): SiteReport[] {
  const names = uniq(results.flatMap((r) => (r.sites ?? []).map((s) => s.name)));
  return names.map((name) => {
    const at = results.flatMap((r) => r.sites?.filter((s) => s.name === name) ?? []);
    return {
      name,
      sparsity: summarize(at.map((s) => s.sparsity)),
      specificity: summarize(at.map((s) => s.specificity)),
    };
  });
}

/** Build the report of `plan` from what was collected. */
export function buildReport(
  plan: ComparePlan,
  collected: Collected,
  options: ReportOptions = {},
): CompareReport {
  const arms = uniq(plan.cells.map((c) => c.arm));
  const specs = contrastSpecs(arms, plan.baseline, options.contrasts);
  const groupNames = uniq(plan.cells.map((c) => c.group));
  const all = contrasts(
    groupNames.map((group) => {
      const bySeed = new Map<string, Map<number, number>>();
      for (const c of plan.cells.filter((c) => c.group === group)) bySeed.set(c.arm, new Map());
      for (const r of collected.results.filter((r) => r.cell.group === group)) {
        bySeed.get(r.cell.arm)?.set(r.cell.seed, r.summary.test_top1 ?? NaN);
      }
      return { group, bySeed };
    }),
    specs,
    options.detect,
  );
  const groups: GroupReport[] = [];
  const cost: CostReport[] = [];
  for (const group of groupNames) {
    const inGroup = collected.results.filter((r) => r.cell.group === group);
    const rows: ArmReport[] = [];
    for (const arm of arms) {
      const planned = plan.cells.find((c) => c.group === group && c.arm === arm);
      if (!planned) continue;
      const rs = inGroup.filter((r) => r.cell.arm === arm).sort((a, b) =>
        a.cell.seed - b.cell.seed
      );
      const get = (f: (r: CellResult) => number | undefined) => rs.map((r) => f(r) ?? NaN);
      rows.push({
        arm,
        activation: planned.config.activation,
        options: planned.config.activationOptions,
        seeds: rs.map((r) => r.cell.seed),
        top1BySeed: Object.fromEntries(rs.map((r) => [r.cell.seed, r.summary.test_top1 ?? NaN])),
        top1: summarize(get((r) => r.summary.test_top1)),
        top5: summarize(get((r) => r.summary.test_top5)),
        testLoss: summarize(get((r) => r.summary.test_loss)),
        sparsity: summarize(get((r) => r.summary.sparsity)),
        curve: curveStats(rs),
        sites: siteStats(rs),
        vsBaseline: all.find((c) => c.group === group && c.a === arm && c.b === plan.baseline) ??
          null,
      });
      cost.push({
        group,
        arm,
        trainImgPerS: summarize(get((r) => r.summary.train_img_per_s)),
        wallS: summarize(get((r) => r.summary.wall_s)),
      });
    }
    groups.push({ group, arms: rows });
  }
  const seeds = uniq(plan.cells.map((c) => c.seed));
  const title = `${uniq(plan.cells.map((c) => c.group.split(" + ")[0])).join("; ")}: ${
    arms.join(" vs ")
  } (${seeds.length} seed${seeds.length === 1 ? "" : "s"})`;
  return {
    title,
    baseline: plan.baseline,
    metric: "test_top1",
    level: 0.95,
    alpha: ALPHA,
    power: POWER,
    detect: options.detect ?? null,
    contrasts: all,
    groups,
    missing: collected.missing,
    heatmaps: collected.results.flatMap((r) =>
      r.heatmaps ? [{ id: r.cell.id, path: r.heatmaps }] : []
    ),
    cost,
  };
}

export { reportMarkdown } from "./markdown.ts";
