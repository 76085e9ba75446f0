/**
 * Line charts: several series over a shared x (epochs, usually), each with
 * an optional shaded band (min–max, ± std) behind it. Non-finite points
 * break a line rather than draw garbage; the y axis is widened to nice
 * tick values, the x axis spans the data (integer x gets integer ticks).
 * @module
 */
import { extent, linearAxis } from "./axis.ts";
import { type Area, axisTitles, frame, legend, LEGEND_ROW, xTicks, yTicks } from "./frame.ts";
import { seriesColour } from "./palette.ts";
import { panel, type SvgPanel } from "./panel.ts";
import { el, points } from "./xml.ts";

/** A line series; `band` (same x as `points`) is drawn as a shaded area behind it. */
export interface LineSeries {
  /** Legend entry and `data-series` attribute. */
  readonly name: string;
  /** [x, y] pairs; a non-finite one breaks the line. */
  readonly points: readonly (readonly [number, number])[];
  /** [x, low, high] triples. */
  readonly band?: readonly (readonly [number, number, number])[];
}

/** What `lineChart` draws. */
export interface LineChartSpec {
  /** Panel title. */
  readonly title: string;
  /** X axis title. */
  readonly xLabel?: string;
  /** Y axis title. */
  readonly yLabel?: string;
  /** Series `i` is drawn in `seriesColour(i)`. */
  readonly series: readonly LineSeries[];
  /** Dots on the data points (for short curves, where a line alone hides how many there are). */
  readonly markers?: boolean;
  /** Panel width in pixels (default 360). */
  readonly width?: number;
  /** Panel height in pixels, legend included (default 240). */
  readonly height?: number;
}

/** A line chart panel: one `polyline.series` per unbroken run, `polygon.band`, a legend row per series. */
export function lineChart(spec: LineChartSpec): SvgPanel {
  const width = spec.width ?? 360, height = spec.height ?? 240;
  const legendH = LEGEND_ROW * spec.series.length;
  const m = { left: 52, right: 12, top: 24, bottom: 40 };
  const a: Area = {
    left: m.left,
    top: m.top,
    width: width - m.left - m.right,
    height: height - m.top - m.bottom - legendH,
  };
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => [
    ...s.points.map((p) => p[1]),
    ...(s.band ?? []).flatMap((b) => [b[1], b[2]]),
  ]);
  // Integer x (epochs): a tick per epoch up to 10 epochs, else about 5 integer ticks.
  const integer = xs.length > 0 && xs.every(Number.isInteger);
  const [x0, x1] = extent(xs);
  const x = linearAxis(xs, [a.left, a.left + a.width], {
    integer,
    count: integer ? Math.max(1, Math.min(10, Math.round(x1 - x0))) : 5,
  });
  const y = linearAxis(ys, [a.top + a.height, a.top], { nice: true });
  const parts = [
    ...frame(a, width, spec.title),
    ...yTicks(a, y),
    ...xTicks(a, x),
    ...axisTitles(a, spec.xLabel, spec.yLabel),
  ];
  const px = ([u, v]: readonly [number, number]) => [x.at(u), y.at(v)] as [number, number];
  spec.series.forEach((s, i) => {
    const colour = seriesColour(i);
    const band = (s.band ?? []).filter((b) => b.every(Number.isFinite));
    if (band.length) {
      const upper = band.map((b) => px([b[0], b[2]]));
      const lower = band.map((b) => px([b[0], b[1]])).reverse();
      parts.push(el("polygon", {
        class: "band",
        points: points([...upper, ...lower]),
        fill: colour,
        "fill-opacity": 0.2,
        stroke: "none",
      }));
    }
    // Split at non-finite values so a NaN epoch shows as a gap.
    const runs: [number, number][][] = [[]];
    for (const p of s.points) {
      if (p.every(Number.isFinite)) runs[runs.length - 1].push(px(p));
      else runs.push([]);
    }
    for (const run of runs.filter((r) => r.length)) {
      parts.push(el("polyline", {
        class: "series",
        "data-series": s.name,
        points: points(run),
        fill: "none",
        stroke: colour,
        "stroke-width": 1.5,
      }));
      if (spec.markers) {
        for (const [cx, cy] of run) {
          parts.push(el("circle", { class: "marker", cx, cy, r: 2.5, fill: colour }));
        }
      }
    }
  });
  const entries = spec.series.map((s, i) => ({ name: s.name, colour: seriesColour(i) }));
  parts.push(...legend(entries, m.left, height - legendH - 4));
  return panel(width, height, parts);
}
