/**
 * The `compare` report: a Markdown table (mean ± std over seeds) and an SVG
 * bar chart of top-1 per activation with ±1 std error bars.
 * @module
 */
import type { TrainSummary } from "./engine.ts";

/** Mean and sample standard deviation (0 for a single value). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const v = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}

/** One row per activation: its summaries over seeds. */
export interface CompareRow {
  readonly activation: string;
  readonly runs: readonly TrainSummary[];
}

function pm(xs: number[], scale: number, digits: number): string {
  const { mean, std } = meanStd(xs);
  return `${(mean * scale).toFixed(digits)} ± ${(std * scale).toFixed(digits)}`;
}

/** The Markdown table. */
export function compareMarkdown(title: string, rows: readonly CompareRow[]): string {
  const lines = [
    `# ${title}`,
    "",
    "| activation | seeds | top-1 (%) | top-5 (%) | sparsity (%) | train img/s | wall (s) |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const get = (f: (s: TrainSummary) => number | undefined) => r.runs.map((s) => f(s) ?? NaN);
    lines.push(
      `| ${r.activation} | ${r.runs.length} | ${pm(get((s) => s.test_top1), 100, 2)} | ${
        pm(get((s) => s.test_top5), 100, 2)
      } | ` +
        `${pm(get((s) => s.sparsity), 100, 1)} | ${pm(get((s) => s.train_img_per_s), 1, 1)} | ${
          pm(get((s) => s.wall_s), 1, 1)
        } |`,
    );
  }
  lines.push(
    "",
    "mean ± sample standard deviation over seeds; every activation saw the same seeds, data order and initial weights.",
  );
  return lines.join("\n") + "\n";
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An SVG bar chart of mean top-1 with ±1 std error bars. */
export function compareSvg(title: string, rows: readonly CompareRow[]): string {
  const stats = rows.map((r) => ({
    name: r.activation,
    ...meanStd(r.runs.map((s) => (s.test_top1 ?? NaN) * 100)),
  }));
  const w = 120 + 90 * stats.length, h = 360, top = 50, bottom = 300, left = 70;
  const hi = Math.min(100, Math.ceil((Math.max(...stats.map((s) => s.mean + s.std)) + 2) / 5) * 5);
  const lo = Math.max(0, Math.floor((Math.min(...stats.map((s) => s.mean - s.std)) - 5) / 5) * 5);
  const y = (v: number) => bottom - ((v - lo) / Math.max(1e-9, hi - lo)) * (bottom - top);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${w / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${bottom}" x2="${w - 20}" y2="${bottom}" stroke="black"/>`,
    `<text x="18" y="${(top + bottom) / 2}" transform="rotate(-90 18 ${
      (top + bottom) / 2
    })" text-anchor="middle">test top-1 (%)</text>`,
  ];
  for (let t = lo; t <= hi; t += Math.max(1, Math.round((hi - lo) / 5))) {
    parts.push(`<line x1="${left - 4}" y1="${y(t)}" x2="${left}" y2="${y(t)}" stroke="black"/>`);
    parts.push(`<text x="${left - 8}" y="${y(t) + 4}" text-anchor="end">${t}</text>`);
  }
  stats.forEach((s, i) => {
    const cx = left + 50 + i * 90;
    const bar = y(s.mean);
    parts.push(
      `<rect x="${cx - 25}" y="${bar}" width="50" height="${bottom - bar}" fill="#4C78A8"/>`,
    );
    parts.push(
      `<line x1="${cx}" y1="${y(s.mean + s.std)}" x2="${cx}" y2="${
        y(s.mean - s.std)
      }" stroke="black" stroke-width="1.5"/>`,
    );
    for (const v of [s.mean + s.std, s.mean - s.std]) {
      parts.push(
        `<line x1="${cx - 8}" y1="${y(v)}" x2="${cx + 8}" y2="${
          y(v)
        }" stroke="black" stroke-width="1.5"/>`,
      );
    }
    parts.push(`<text x="${cx}" y="${bottom + 18}" text-anchor="middle">${esc(s.name)}</text>`);
    parts.push(
      `<text x="${cx}" y="${y(s.mean + s.std) - 6}" text-anchor="middle" font-size="11">${
        s.mean.toFixed(2)
      }</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
