/**
 * The parts every x/y chart shares: the plot area, its title, tick labels
 * and grid lines from an `Axis`, axis titles and the legend. Line and bar
 * charts differ only in what they draw inside the area.
 * @module
 */
import type { Axis } from "./axis.ts";
import { NEUTRAL } from "./palette.ts";
import { el, text } from "./xml.ts";

/** The plot area inside a panel, in pixels. */
export interface Area {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

const GRID = "#e5e5e5";

/** The white plot area with its frame, and the panel's title centred above it. */
export function frame(a: Area, panelWidth: number, title: string): string[] {
  return [
    el("rect", {
      x: a.left,
      y: a.top,
      width: a.width,
      height: a.height,
      fill: "#fff",
      stroke: NEUTRAL,
    }),
    text({ x: panelWidth / 2, y: 16, "text-anchor": "middle", "font-weight": "bold" }, title),
  ];
}

/** Y tick labels left of the area, with horizontal grid lines. */
export function yTicks(a: Area, y: Axis): string[] {
  return y.ticks.flatMap((t) => [
    el("line", {
      class: "grid",
      x1: a.left,
      x2: a.left + a.width,
      y1: t.at,
      y2: t.at,
      stroke: GRID,
    }),
    text({ class: "ytick", x: a.left - 4, y: t.at + 4, "text-anchor": "end" }, t.label),
  ]);
}

/** X tick labels below the area; with `grid`, vertical grid lines too. */
export function xTicks(a: Area, x: Axis, grid = false): string[] {
  return x.ticks.flatMap((t) => [
    ...(grid
      ? [
        el("line", {
          class: "grid",
          x1: t.at,
          x2: t.at,
          y1: a.top,
          y2: a.top + a.height,
          stroke: GRID,
        }),
      ]
      : []),
    text({ class: "xtick", x: t.at, y: a.top + a.height + 14, "text-anchor": "middle" }, t.label),
  ]);
}

/** Axis titles: x centred below the tick labels, y rotated left of them. */
export function axisTitles(a: Area, xLabel?: string, yLabel?: string): string[] {
  const parts: string[] = [];
  if (xLabel) {
    parts.push(
      text({ x: a.left + a.width / 2, y: a.top + a.height + 30, "text-anchor": "middle" }, xLabel),
    );
  }
  if (yLabel) {
    parts.push(
      text({
        transform: `translate(12 ${a.top + a.height / 2}) rotate(-90)`,
        "text-anchor": "middle",
      }, yLabel),
    );
  }
  return parts;
}

/** Height of one legend row. */
export const LEGEND_ROW = 14;

/** A legend, one row per entry from (x, top): a colour swatch and the name. */
export function legend(
  entries: readonly { readonly name: string; readonly colour: string }[],
  x: number,
  top: number,
): string[] {
  return entries.flatMap((e, i) => {
    const y = top + LEGEND_ROW * i;
    return [
      el("line", { x1: x, x2: x + 16, y1: y + 6, y2: y + 6, stroke: e.colour, "stroke-width": 2 }),
      text({ class: "legend", x: x + 20, y: y + 10 }, e.name),
    ];
  });
}
