/**
 * A small SVG plotting module: line charts (several series, optional
 * min–max or ± band per series) and heatmaps, each a standalone panel that
 * `gridSvg` can tile into one document. Plain strings, no dependencies, so
 * run directories get plots without a browser or Python.
 * @module
 */

/** One standalone SVG panel. */
export interface SvgPanel {
  readonly width: number;
  readonly height: number;
  /** A complete `<svg>` element. */
  readonly svg: string;
}

/** A line series; `band` (same x as `points`) is drawn as a shaded area behind it. */
export interface LineSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly band?: readonly (readonly [number, number, number])[];
}

/** What `lineChart` draws. */
export interface LineChartSpec {
  readonly title: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly series: readonly LineSeries[];
  readonly width?: number;
  readonly height?: number;
}

/** What `heatmap` draws: `values[r][c]`, one cell per row and column. */
export interface HeatmapSpec {
  readonly title: string;
  /** A second title line (e.g. statistics). */
  readonly subtitle?: string;
  readonly values: readonly (readonly number[])[];
  readonly rowLabels?: readonly string[];
  readonly xLabel?: string;
  /** Pixel size of one cell (default: fit 360 px width, rows 14 px). */
  readonly cellWidth?: number;
  readonly cellHeight?: number;
}

/** A colour-blind-safe qualitative palette (Okabe–Ito). */
export const PALETTE: readonly string[] = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#F0E442",
  "#000000",
];

/** Escape text for SVG content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

const fmt = (v: number) => Number.isInteger(v) ? String(v) : v.toFixed(2);

/** Compact tick label: 3 significant digits, exponent form for tiny or huge values. */
export function tickLabel(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

function extent(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return [0, 1];
  let lo = Math.min(...finite), hi = Math.max(...finite);
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

/** A line chart; non-finite points break the line instead of drawing garbage. */
export function lineChart(spec: LineChartSpec): SvgPanel {
  const width = spec.width ?? 360, height = spec.height ?? 240;
  const m = { left: 52, right: 12, top: 24, bottom: 40 };
  const legendH = 14 * spec.series.length;
  const pw = width - m.left - m.right, ph = height - m.top - m.bottom - legendH;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => [
    ...s.points.map((p) => p[1]),
    ...(s.band ?? []).flatMap((b) => [b[1], b[2]]),
  ]);
  const [x0, x1] = extent(xs), [y0, y1] = extent(ys);
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const parts: string[] = [
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="#fff" stroke="#999"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-weight="bold">${
      escapeXml(spec.title)
    }</text>`,
  ];
  // Integer x (epochs) gets integer ticks; otherwise five even ticks.
  const intX = xs.length > 0 && xs.every(Number.isInteger);
  const xTicks = intX && x1 - x0 <= 10
    ? Array.from({ length: x1 - x0 + 1 }, (_, i) => x0 + i)
    : [0, 1, 2, 3, 4].map((i) => x0 + ((x1 - x0) * i) / 4).map((v) => intX ? Math.round(v) : v);
  for (const xv of new Set(xTicks)) {
    parts.push(
      `<text class="xtick" x="${fmt(sx(xv))}" y="${m.top + ph + 14}" text-anchor="middle">${
        tickLabel(xv)
      }</text>`,
    );
  }
  for (let i = 0; i <= 4; i++) {
    const yv = y0 + ((y1 - y0) * i) / 4;
    parts.push(
      `<line class="grid" x1="${m.left}" x2="${m.left + pw}" y1="${fmt(sy(yv))}" y2="${
        fmt(sy(yv))
      }" stroke="#eee"/>`,
      `<text class="ytick" x="${m.left - 4}" y="${fmt(sy(yv) + 4)}" text-anchor="end">${
        tickLabel(yv)
      }</text>`,
    );
  }
  if (spec.xLabel) {
    parts.push(
      `<text x="${m.left + pw / 2}" y="${m.top + ph + 30}" text-anchor="middle">${
        escapeXml(spec.xLabel)
      }</text>`,
    );
  }
  if (spec.yLabel) {
    parts.push(
      `<text transform="translate(12 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${
        escapeXml(spec.yLabel)
      }</text>`,
    );
  }
  spec.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const band = (s.band ?? []).filter((b) => b.every(Number.isFinite));
    if (band.length) {
      const upper = band.map((b) => `${fmt(sx(b[0]))},${fmt(sy(b[2]))}`);
      const lower = band.map((b) => `${fmt(sx(b[0]))},${fmt(sy(b[1]))}`).reverse();
      parts.push(
        `<polygon class="band" points="${
          [...upper, ...lower].join(" ")
        }" fill="${colour}" fill-opacity="0.2" stroke="none"/>`,
      );
    }
    // Split at non-finite values so a NaN epoch shows as a gap.
    let run: string[] = [];
    const flush = () => {
      if (run.length) {
        parts.push(
          `<polyline class="series" data-series="${escapeXml(s.name)}" points="${
            run.join(" ")
          }" fill="none" stroke="${colour}" stroke-width="1.5"/>`,
        );
      }
      run = [];
    };
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && Number.isFinite(y)) run.push(`${fmt(sx(x))},${fmt(sy(y))}`);
      else flush();
    }
    flush();
    const ly = height - legendH + 14 * i + 4;
    parts.push(
      `<line x1="${m.left}" x2="${m.left + 16}" y1="${ly - 4}" y2="${
        ly - 4
      }" stroke="${colour}" stroke-width="2"/>`,
      `<text class="legend" x="${m.left + 20}" y="${ly}">${escapeXml(s.name)}</text>`,
    );
  });
  return { width, height, svg: wrap(width, height, parts) };
}

/** Sequential (white → dark blue) for non-negative data, diverging (blue–white–red) otherwise. */
function colourScale(values: readonly (readonly number[])[]): (v: number) => string {
  const flat = values.flat().filter(Number.isFinite);
  const lo = flat.length ? Math.min(...flat) : 0, hi = flat.length ? Math.max(...flat) : 1;
  const mix = (a: number[], b: number[], t: number) =>
    `rgb(${a.map((v, i) => Math.round(v + (b[i] - v) * t)).join(",")})`;
  const white = [255, 255, 255], blue = [8, 48, 107], red = [165, 15, 21];
  if (lo >= 0) {
    const top = hi > 0 ? hi : 1;
    return (v) => Number.isFinite(v) ? mix(white, blue, Math.min(1, v / top)) : "#ccc";
  }
  const top = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  return (v) => {
    if (!Number.isFinite(v)) return "#ccc";
    return v >= 0 ? mix(white, red, Math.min(1, v / top)) : mix(white, blue, Math.min(1, -v / top));
  };
}

/** A heatmap of `values` (rows × columns), one `<rect class="cell">` per entry. */
export function heatmap(spec: HeatmapSpec): SvgPanel {
  const rows = spec.values.length, cols = rows ? spec.values[0].length : 0;
  const cw = spec.cellWidth ?? Math.max(1, Math.min(24, 360 / Math.max(cols, 1)));
  const ch = spec.cellHeight ?? 14;
  const m = { left: 80, right: 12, top: spec.subtitle ? 38 : 24, bottom: 28 };
  // At least 600 px wide so the title and the range line fit.
  const width = Math.max(600, Math.ceil(m.left + cw * cols + m.right));
  const height = m.top + ch * rows + m.bottom;
  const colour = colourScale(spec.values);
  const flat = spec.values.flat().filter(Number.isFinite);
  const parts: string[] = [
    `<text x="${m.left}" y="16" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];
  if (spec.subtitle) {
    parts.push(`<text x="${m.left}" y="30">${escapeXml(spec.subtitle)}</text>`);
  }
  spec.values.forEach((row, r) => {
    const label = spec.rowLabels?.[r] ?? String(r);
    parts.push(
      `<text class="rowlabel" x="${m.left - 4}" y="${fmt(m.top + ch * r + ch * 0.75)}" ` +
        `text-anchor="end">${escapeXml(label)}</text>`,
    );
    row.forEach((v, c) => {
      parts.push(
        `<rect class="cell" x="${fmt(m.left + cw * c)}" y="${m.top + ch * r}" width="${
          fmt(cw)
        }" height="${ch}" fill="${colour(v)}"><title>${escapeXml(label)}, ${c}: ${
          tickLabel(v)
        }</title></rect>`,
      );
    });
  });
  const range = flat.length
    ? `range ${tickLabel(Math.min(...flat))} … ${tickLabel(Math.max(...flat))}`
    : "";
  parts.push(
    `<text x="${m.left}" y="${height - 10}">${escapeXml(spec.xLabel ?? "")} ${range}</text>`,
  );
  return { width, height, svg: wrap(width, height, parts) };
}

/** Tile panels into one SVG document, `columns` per row, in order. */
export function gridSvg(panels: readonly SvgPanel[], columns = 2): string {
  const cols = Math.max(1, Math.min(columns, panels.length || 1));
  const colW: number[] = new Array(cols).fill(0);
  const rowH: number[] = [];
  panels.forEach((p, i) => {
    const r = Math.floor(i / cols), c = i % cols;
    colW[c] = Math.max(colW[c], p.width);
    rowH[r] = Math.max(rowH[r] ?? 0, p.height);
  });
  const parts: string[] = [];
  panels.forEach((p, i) => {
    const r = Math.floor(i / cols), c = i % cols;
    const x = colW.slice(0, c).reduce((a, b) => a + b, 0);
    const y = rowH.slice(0, r).reduce((a, b) => a + b, 0);
    // Nested <svg> elements position whole panels without rewriting their coordinates.
    parts.push(p.svg.replace(/^<svg /, `<svg x="${x}" y="${y}" `));
  });
  const w = colW.reduce((a, b) => a + b, 0), h = rowH.reduce((a, b) => a + b, 0);
  return wrap(w, h, parts, true) + "\n";
}

function wrap(width: number, height: number, parts: string[], root = false): string {
  const ns = root ? ` xmlns="http://www.w3.org/2000/svg"` : "";
  const style = root ? `<style>text{font-family:sans-serif;font-size:11px}</style>` : "";
  return `<svg${ns} width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `${style}${parts.join("")}</svg>`;
}
