/**
 * The `compare` report, built from collected cells: one JSON document with
 * every number (`compare.json`), rendered as Markdown (`compare.md`) here
 * and as SVG (`compare.svg`) in `compare_svg.ts`.
 *
 * Everything except the `cost` section is a pure function of the cells'
 * results, so the report of a sharded run equals the unsharded one; timing
 * (img/s, wall time) depends on the machine and its load and is kept apart.
 * @module
 */
import type { PluginOptions } from "../plugin/types.ts";
import type { CellResult, Collected } from "./collect.ts";
import type { ComparePlan } from "./plan.ts";
import { type PairedDifference, pairedDifference, summarize, type Summary } from "./stats.ts";

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
  /** Paired top-1 difference to the baseline arm of the same group (null: none or self). */
  readonly vsBaseline: PairedDifference | null;
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

/** Build the report of `plan` from what was collected. */
export function buildReport(plan: ComparePlan, collected: Collected): CompareReport {
  const groups: GroupReport[] = [];
  const cost: CostReport[] = [];
  const arms = uniq(plan.cells.map((c) => c.arm));
  for (const group of uniq(plan.cells.map((c) => c.group))) {
    const inGroup = collected.results.filter((r) => r.cell.group === group);
    const bySeed = (arm: string) =>
      new Map(
        inGroup.filter((r) => r.cell.arm === arm).map((r) => [
          r.cell.seed,
          r.summary.test_top1 ?? NaN,
        ]),
      );
    const base = plan.baseline !== null ? bySeed(plan.baseline) : null;
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
        vsBaseline: base && arm !== plan.baseline ? pairedDifference(bySeed(arm), base) : null,
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
    groups,
    missing: collected.missing,
    heatmaps: collected.results.flatMap((r) =>
      r.heatmaps ? [{ id: r.cell.id, path: r.heatmaps }] : []
    ),
    cost,
  };
}

function pct(s: Summary, digits = 2): string {
  if (s.n === 0) return "—";
  return `${(100 * s.mean).toFixed(digits)} ± ${(100 * s.std).toFixed(digits)}`;
}

function pp(v: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? "+" : ""}${(100 * v).toFixed(2)}` : "—";
}

/** The Markdown rendering. */
export function reportMarkdown(r: CompareReport): string {
  const out = [`# ${r.title}`, ""];
  for (const g of r.groups) {
    out.push(
      `## ${g.group}`,
      "",
      "| arm | n | test top-1 (%) | test top-5 (%) | test loss | sparsity (%) |",
      "|---|---:|---:|---:|---:|---:|",
    );
    for (const a of g.arms) {
      const loss = a.testLoss.n
        ? `${a.testLoss.mean.toFixed(4)} ± ${a.testLoss.std.toFixed(4)}`
        : "—";
      out.push(
        `| ${a.arm} | ${a.top1.n} | ${pct(a.top1)} | ${pct(a.top5)} | ${loss} | ${
          pct(a.sparsity, 1)
        } |`,
      );
    }
    out.push("");
    if (r.baseline !== null) {
      out.push(
        `Paired difference to **${r.baseline}** in test top-1 (percentage points), over the seeds both`,
        `have; ${100 * r.level} % confidence interval from the paired t distribution.`,
        "",
        "| arm | pairs | Δ top-1 (pp) | 95 % CI (pp) | verdict |",
        "|---|---:|---:|---:|---|",
      );
      for (const a of g.arms) {
        const d = a.vsBaseline;
        if (!d) continue;
        out.push(
          `| ${a.arm} | ${d.n} | ${pp(d.mean)} | [${pp(d.ciLow)}, ${
            pp(d.ciHigh)
          }] | ${d.verdict} |`,
        );
      }
      out.push("");
    }
  }
  out.push(
    "mean ± sample standard deviation over seeds (n = finished runs). Within a seed every arm",
    "starts from the same initial values of the parameters it shares with the others and sees the",
    "same data order, augmentation and dropout/drop-path masks, so differences are paired by seed.",
    "",
  );
  if (r.missing.length) {
    out.push(
      `Not finished (${r.missing.length}): ${
        r.missing.map((m) => `${m.id} (${m.status})`).join(", ")
      }`,
      "",
    );
  }
  if (r.heatmaps.length) {
    out.push(
      "## Channel heatmaps",
      "",
      "Per-class mean pooled response of every channel at every activation site, test split",
      "(`deno task analyze`; the DPA paper's Figure 3 view):",
      "",
      ...r.heatmaps.map((h) => `- [${h.id}](${h.path})`),
      "",
    );
  }
  out.push(
    "## Cost",
    "",
    "Machine- and load-dependent; not part of the comparison.",
    "",
    "| group | arm | train img/s | wall per run (s) |",
    "|---|---|---:|---:|",
  );
  for (const c of r.cost) {
    const f = (s: Summary) => (s.n ? `${s.mean.toFixed(1)} ± ${s.std.toFixed(1)}` : "—");
    out.push(`| ${c.group} | ${c.arm} | ${f(c.trainImgPerS)} | ${f(c.wallS)} |`);
  }
  return out.join("\n") + "\n";
}
