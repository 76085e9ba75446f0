/**
 * The `compare` report, built from collected cells: one JSON document with
 * every number (`compare.json`), rendered as Markdown (`compare.md`) and
 * SVG (`compare.svg`: per group, mean test top-1 with ±1 std bars, and the
 * per-epoch test top-1 curves overlaid, mean line with a ±1 std band over
 * seeds per arm).
 *
 * Everything except the `cost` section is a pure function of the cells'
 * results, so the report of a sharded run equals the unsharded one; timing
 * (img/s, wall time) depends on the machine and its load and is kept apart.
 * @module
 */
import type { PluginOptions } from "../activations/registry.ts";
import type { CellResult, Collected } from "./compare_collect.ts";
import type { ComparePlan } from "./compare_plan.ts";
import {
  type PairedDifference,
  pairedDifference,
  summarize,
  type Summary,
} from "./compare_stats.ts";

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

const COLORS = [
  "#4C78A8",
  "#F58518",
  "#54A24B",
  "#E45756",
  "#72B7B2",
  "#B279A2",
  "#FF9DA6",
  "#9D755D",
];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function f(v: number): string {
  return Number.isFinite(v) ? v.toFixed(1) : "0";
}

/** Nice axis bounds (in %) around the given values. */
function bounds(values: number[]): [number, number] {
  const fin = values.filter(Number.isFinite);
  if (!fin.length) return [0, 100];
  const hi = Math.min(100, Math.ceil((Math.max(...fin) + 1) / 5) * 5);
  const lo = Math.max(0, Math.floor((Math.min(...fin) - 1) / 5) * 5);
  return hi > lo ? [lo, hi] : [Math.max(0, lo - 5), Math.min(100, hi + 5)];
}

function axis(
  parts: string[],
  x0: number,
  x1: number,
  top: number,
  bottom: number,
  lo: number,
  hi: number,
): (v: number) => number {
  const y = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  parts.push(`<line x1="${x0}" y1="${top}" x2="${x0}" y2="${bottom}" stroke="black"/>`);
  parts.push(`<line x1="${x0}" y1="${bottom}" x2="${x1}" y2="${bottom}" stroke="black"/>`);
  const step = Math.max(1, Math.round((hi - lo) / 5));
  for (let t = lo; t <= hi + 1e-9; t += step) {
    parts.push(`<line x1="${x0 - 4}" y1="${f(y(t))}" x2="${x0}" y2="${f(y(t))}" stroke="black"/>`);
    parts.push(`<text x="${x0 - 7}" y="${f(y(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  return y;
}

/** The SVG rendering: per group, bars (mean ± std) and overlaid per-epoch curves (mean ± std band). */
export function reportSvg(r: CompareReport): string {
  const nArms = Math.max(1, ...r.groups.map((g) => g.arms.length));
  const barW = 90 + 80 * nArms, curveW = 460, rowH = 330;
  const w = barW + curveW + 40, h = 50 + rowH * r.groups.length;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${w / 2}" y="24" text-anchor="middle" font-size="15">${esc(r.title)}</text>`,
  ];
  r.groups.forEach((g, gi) => {
    const top = 70 + gi * rowH, bottom = top + 220;
    parts.push(
      `<text x="20" y="${top - 18}" font-size="13" font-weight="bold">${esc(g.group)}</text>`,
    );
    // Bars: mean test top-1 with ±1 std.
    const [lo, hi] = bounds(
      g.arms.flatMap((a) => [100 * (a.top1.mean + a.top1.std), 100 * (a.top1.mean - a.top1.std)]),
    );
    const left = 60;
    const y = axis(parts, left, barW - 10, top, bottom, lo, hi);
    parts.push(
      `<text x="16" y="${(top + bottom) / 2}" transform="rotate(-90 16 ${
        (top + bottom) / 2
      })" text-anchor="middle">test top-1 (%)</text>`,
    );
    g.arms.forEach((a, i) => {
      const cx = left + 45 + i * 80, m = 100 * a.top1.mean, s = 100 * a.top1.std;
      if (!Number.isFinite(m)) return;
      parts.push(
        `<rect x="${cx - 25}" y="${f(y(m))}" width="50" height="${f(bottom - y(m))}" fill="${
          COLORS[i % COLORS.length]
        }"/>`,
      );
      parts.push(
        `<line x1="${cx}" y1="${f(y(m + s))}" x2="${cx}" y2="${
          f(y(m - s))
        }" stroke="black" stroke-width="1.5"/>`,
      );
      for (const v of [m + s, m - s]) {
        parts.push(
          `<line x1="${cx - 8}" y1="${f(y(v))}" x2="${cx + 8}" y2="${
            f(y(v))
          }" stroke="black" stroke-width="1.5"/>`,
        );
      }
      parts.push(
        `<text x="${cx}" y="${f(y(m + s) - 6)}" text-anchor="middle" font-size="11">${
          m.toFixed(2)
        }</text>`,
      );
      parts.push(
        `<text x="${cx}" y="${bottom + 16}" text-anchor="middle" font-size="11">${
          esc(a.arm)
        }</text>`,
      );
    });
    // Curves: test top-1 per epoch, mean line and ±1 std band over seeds.
    const cl = barW + 50, cr = barW + curveW;
    const epochs = Math.max(1, ...g.arms.map((a) => a.curve.mean.length));
    const [clo, chi] = bounds(
      g.arms.flatMap((a) =>
        a.curve.mean.flatMap((m, e) => [100 * (m - a.curve.std[e]), 100 * (m + a.curve.std[e])])
      ),
    );
    const cy = axis(parts, cl, cr, top, bottom, clo, chi);
    parts.push(
      `<text x="${cl - 40}" y="${(top + bottom) / 2}" transform="rotate(-90 ${cl - 40} ${
        (top + bottom) / 2
      })" text-anchor="middle">test top-1 (%) per epoch, ±1 std</text>`,
    );
    const cx = (e: number) =>
      cl + 10 + (epochs > 1 ? (e / (epochs - 1)) * (cr - cl - 20) : (cr - cl - 20) / 2);
    for (let e = 0; e < epochs; e++) {
      parts.push(
        `<text x="${f(cx(e))}" y="${bottom + 16}" text-anchor="middle" font-size="11">${
          e + 1
        }</text>`,
      );
    }
    parts.push(`<text x="${(cl + cr) / 2}" y="${bottom + 34}" text-anchor="middle">epoch</text>`);
    g.arms.forEach((a, i) => {
      const color = COLORS[i % COLORS.length];
      const pts = a.curve.mean.map((m, e) => [e, 100 * m, 100 * a.curve.std[e]]).filter(([, m]) =>
        Number.isFinite(m)
      );
      if (!pts.length) return;
      const upper = pts.map(([e, m, s]) => `${f(cx(e))},${f(cy(m + s))}`);
      const lower = pts.map(([e, m, s]) => `${f(cx(e))},${f(cy(m - s))}`).reverse();
      parts.push(
        `<polygon points="${
          [...upper, ...lower].join(" ")
        }" fill="${color}" fill-opacity="0.18" stroke="none"/>`,
      );
      parts.push(
        `<polyline points="${
          pts.map(([e, m]) => `${f(cx(e))},${f(cy(m))}`).join(" ")
        }" fill="none" stroke="${color}" stroke-width="2"/>`,
      );
      for (const [e, m] of pts) {
        parts.push(`<circle cx="${f(cx(e))}" cy="${f(cy(m))}" r="2.5" fill="${color}"/>`);
      }
      parts.push(
        `<rect x="${cr - 150}" y="${top + 4 + i * 16}" width="10" height="10" fill="${color}"/>`,
      );
      parts.push(
        `<text x="${cr - 135}" y="${top + 13 + i * 16}" font-size="11">${esc(a.arm)}</text>`,
      );
    });
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
