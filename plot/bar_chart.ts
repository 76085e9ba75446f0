/**
 * Horizontal bar charts: one labelled bar per category, an optional ± error
 * bar and a note (the exact value) at its end, an optional dashed reference
 * line (1 = as fast as ReLU in the bench chart). The value axis runs along
 * the bottom with nice ticks and grid lines.
 * @module
 */
import { linearAxis } from "./axis.ts";
import { type Area, axisTitles, frame, xTicks } from "./frame.ts";
import { seriesColour } from "./palette.ts";
import { panel, type SvgPanel } from "./panel.ts";
import { el, text } from "./xml.ts";

/** One bar. */
export interface Bar {
  /** Category label, left of the bar. */
  readonly label: string;
  /** Non-finite: no bar, the note says "n/a". */
  readonly value: number;
  /** Half-width of the error bar (e.g. one std); omitted or non-finite: none. */
  readonly error?: number;
  /** Default: `seriesColour(i)` for bar `i`. */
  readonly colour?: string;
  /** Text after the bar's end (default: none). */
  readonly note?: string;
}

/** What `barChart` draws. */
export interface BarChartSpec {
  /** Panel title. */
  readonly title: string;
  /** Value axis title. */
  readonly xLabel?: string;
  /** Top to bottom. */
  readonly bars: readonly Bar[];
  /** Panel width in pixels (default 360; the height follows the bar count). */
  readonly width?: number;
  /** Height of one bar in pixels (default 14). */
  readonly barHeight?: number;
  /**
   * Bars grow from 0 (default true). False: the axis fits the values and the
   * bars grow from its left end, so differences of a few tenths stay visible.
   */
  readonly zero?: boolean;
  /** A dashed vertical line at this value. */
  readonly reference?: number;
  /** Values the axis must reach besides the bars (the same extent for several panels). */
  readonly include?: readonly number[];
}

/** Rough width of `s` at 11 px sans-serif, for margins. */
const textWidth = (s: string) => 6.8 * s.length;

/** A horizontal bar chart panel: `rect.bar`, `line.errorbar`, `text.barlabel` / `text.value`. */
export function barChart(spec: BarChartSpec): SvgPanel {
  const width = spec.width ?? 360, barH = spec.barHeight ?? 14, gap = 6;
  const left = Math.min(
    220,
    Math.max(60, 12 + Math.max(0, ...spec.bars.map((b) => textWidth(b.label)))),
  );
  const right = 12 + Math.max(0, ...spec.bars.map((b) => textWidth(b.note ?? "")));
  const a: Area = {
    left,
    top: 24,
    width: Math.max(40, width - left - right),
    height: Math.max(1, spec.bars.length) * (barH + gap) + gap,
  };
  const height = a.top + a.height + (spec.xLabel ? 40 : 24);
  const ok = (v?: number): v is number => v !== undefined && Number.isFinite(v);
  const values = spec.bars.flatMap((b) =>
    ok(b.error) ? [b.value - b.error, b.value + b.error] : [b.value]
  );
  const zero = spec.zero ?? true;
  const include = [
    ...(zero ? [0] : []),
    ...(ok(spec.reference) ? [spec.reference] : []),
    ...(spec.include ?? []),
  ];
  const x = linearAxis(values, [a.left, a.left + a.width], { nice: true, include });
  const base = x.at(zero ? 0 : x.domain[0]);
  const parts = [
    ...frame(a, width, spec.title),
    ...xTicks(a, x, true),
    ...axisTitles(a, spec.xLabel),
  ];
  // Behind the bars, so their notes stay readable.
  if (ok(spec.reference)) {
    const r = x.at(spec.reference);
    parts.push(el("line", {
      class: "reference",
      x1: r,
      x2: r,
      y1: a.top,
      y2: a.top + a.height,
      stroke: "#000",
      "stroke-dasharray": "3,3",
    }));
  }
  spec.bars.forEach((b, i) => {
    const top = a.top + gap + i * (barH + gap), mid = top + barH / 2;
    parts.push(
      text({ class: "barlabel", x: a.left - 4, y: mid + 4, "text-anchor": "end" }, b.label),
    );
    if (!Number.isFinite(b.value)) {
      parts.push(text({ class: "value", x: base + 4, y: mid + 4 }, "n/a"));
      return;
    }
    const end = x.at(b.value);
    parts.push(el("rect", {
      class: "bar",
      "data-label": b.label,
      x: Math.min(base, end),
      y: top,
      width: Math.abs(end - base),
      height: barH,
      fill: b.colour ?? seriesColour(i),
    }));
    let tip = Math.max(base, end);
    if (ok(b.error)) {
      const lo = x.at(b.value - b.error), hi = x.at(b.value + b.error);
      const cap = barH / 3;
      parts.push(
        el("line", { class: "errorbar", x1: lo, x2: hi, y1: mid, y2: mid, stroke: "#000" }),
        el("line", { x1: lo, x2: lo, y1: mid - cap, y2: mid + cap, stroke: "#000" }),
        el("line", { x1: hi, x2: hi, y1: mid - cap, y2: mid + cap, stroke: "#000" }),
      );
      tip = Math.max(tip, hi);
    }
    if (b.note) parts.push(text({ class: "value", x: tip + 4, y: mid + 4 }, b.note));
  });
  return panel(width, height, parts);
}
