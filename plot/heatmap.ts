/**
 * Heatmaps: `values[r][c]` as one coloured cell per entry (white → blue for
 * non-negative data, blue–white–red around 0 otherwise), row labels on the
 * left, each cell's value in its tooltip and the value range underneath.
 * @module
 */
import { shortNumber } from "./axis.ts";
import { heatColour } from "./palette.ts";
import { panel, type SvgPanel } from "./panel.ts";
import { el, escapeXml, text } from "./xml.ts";

/** What `heatmap` draws: `values[r][c]`, one cell per row and column. */
export interface HeatmapSpec {
  /** Panel title. */
  readonly title: string;
  /** A second title line (e.g. statistics). */
  readonly subtitle?: string;
  /** Rows × columns; non-finite cells are grey. */
  readonly values: readonly (readonly number[])[];
  /** Row labels (default: the row index). */
  readonly rowLabels?: readonly string[];
  /** Text under the cells, before the value range. */
  readonly xLabel?: string;
  /** Pixel size of one cell (default: fit 360 px width, rows 14 px). */
  readonly cellWidth?: number;
  /** See `cellWidth`. */
  readonly cellHeight?: number;
}

/** A heatmap panel, one `<rect class="cell">` per entry. */
export function heatmap(spec: HeatmapSpec): SvgPanel {
  const rows = spec.values.length, cols = rows ? spec.values[0].length : 0;
  const cw = spec.cellWidth ?? Math.max(1, Math.min(24, 360 / Math.max(cols, 1)));
  const ch = spec.cellHeight ?? 14;
  const m = { left: 80, right: 12, top: spec.subtitle ? 38 : 24, bottom: 28 };
  // At least 600 px wide so the title and the range line fit.
  const width = Math.max(600, Math.ceil(m.left + cw * cols + m.right));
  const height = m.top + ch * rows + m.bottom;
  const colour = heatColour(spec.values);
  const flat = spec.values.flat().filter(Number.isFinite);
  const parts = [text({ x: m.left, y: 16, "font-weight": "bold" }, spec.title)];
  if (spec.subtitle) parts.push(text({ x: m.left, y: 30 }, spec.subtitle));
  spec.values.forEach((row, r) => {
    const label = spec.rowLabels?.[r] ?? String(r);
    parts.push(text({
      class: "rowlabel",
      x: m.left - 4,
      y: m.top + ch * r + ch * 0.75,
      "text-anchor": "end",
    }, label));
    row.forEach((v, c) => {
      parts.push(el(
        "rect",
        {
          class: "cell",
          x: m.left + cw * c,
          y: m.top + ch * r,
          width: cw,
          height: ch,
          fill: colour(v),
        },
        el("title", {}, escapeXml(`${label}, ${c}: ${shortNumber(v)}`)),
      ));
    });
  });
  const range = flat.length
    ? `range ${shortNumber(flat.reduce((x, y) => Math.min(x, y)))} … ${
      shortNumber(flat.reduce((x, y) => Math.max(x, y)))
    }`
    : "";
  parts.push(text({ x: m.left, y: height - 10 }, `${spec.xLabel ?? ""} ${range}`));
  return panel(width, height, parts);
}
