/**
 * The SVG of a `compare` report: per group, mean test top-1 per arm as bars
 * with ±1 std error bars, and beside it the per-epoch test top-1 curves of
 * every arm overlaid (mean line, ±1 std band over seeds). Arm `i` has the
 * same colour in both panels. Drawn with the shared `plot/` charts.
 * @module
 */
import { barChart, gridSvg, lineChart, type SvgPanel } from "../plot/mod.ts";
import type { CompareReport, GroupReport } from "./report.ts";

const pct = (v: number) => 100 * v;

function groupPanels(g: GroupReport): SvgPanel[] {
  const bars = barChart({
    title: `${g.group}: test top-1`,
    xLabel: "test top-1 (%), mean ± 1 std over seeds",
    // The axis fits the values: differences of tenths of a point must stay visible.
    zero: false,
    bars: g.arms.map((a) => ({
      label: a.arm,
      value: pct(a.top1.mean),
      error: pct(a.top1.std),
      note: pct(a.top1.mean).toFixed(2),
    })),
  });
  const curves = lineChart({
    title: `${g.group}: test top-1 per epoch, ±1 std`,
    xLabel: "epoch",
    yLabel: "test top-1 (%)",
    markers: true,
    width: 460,
    height: Math.max(240, bars.height),
    series: g.arms.map((a) => ({
      name: a.arm,
      points: a.curve.mean.map((m, e) => [e + 1, pct(m)] as const),
      band: a.curve.mean.map((m, e) =>
        [e + 1, pct(m - a.curve.std[e]), pct(m + a.curve.std[e])] as const
      ),
    })),
  });
  return [bars, curves];
}

/** The SVG rendering: per group, bars (mean ± std) and overlaid per-epoch curves (mean ± std band). */
export function reportSvg(r: CompareReport): string {
  return gridSvg(r.groups.flatMap(groupPanels), 2, r.title);
}
