/**
 * The SVG of a `compare` report: per group, mean test top-1 per arm as bars
 * with ±1 std error bars, and beside it the per-epoch test top-1 curves of
 * every arm overlaid (mean line, ±1 std band over seeds).
 * @module
 */
import type { CompareReport } from "./report.ts";

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
