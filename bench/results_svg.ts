/**
 * The SVG chart next to `bench/RESULTS.md`: for every backend and model, one
 * bar per activation giving its training-step time ÷ ReLU's (1 = as fast as
 * ReLU; the dashed line), so DPA's overhead reads at a glance.
 * @module
 */
import type { BenchRow } from "./results_md.ts";

const esc = (s: string) => s.replace(/[<>&"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Render the chart from the grid rows (model train steps only). */
export function renderChart(rows: readonly BenchRow[], title: string): string {
  const groups = new Map<string, { act: string; ratio: number }[]>();
  const relu = new Map<string, number>();
  for (const r of rows) {
    if (
      r.case.kind === "model" && r.case.phase === "train" && r.ms && r.case.activation === "relu"
    ) {
      relu.set(`${r.case.backend} ${r.case.model}`, r.ms);
    }
  }
  for (const r of rows) {
    if (r.case.kind !== "model" || r.case.phase !== "train" || !r.ms) continue;
    const key = `${r.case.backend} ${r.case.model}`;
    const base = relu.get(key);
    if (!base) continue;
    const list = groups.get(key) ?? [];
    list.push({ act: r.case.activation, ratio: r.ms / base });
    groups.set(key, list);
  }
  const barH = 11, gap = 14, left = 170, width = 760, scaleMax = 2.5;
  const x = (v: number) => left + Math.min(v, scaleMax) / scaleMax * (width - left - 60);
  let y = 40;
  const parts: string[] = [];
  for (const [key, bars] of groups) {
    parts.push(
      `<text x="4" y="${y + 10}" font-weight="bold">${esc(key)} (train step ÷ relu)</text>`,
    );
    y += 16;
    for (const b of bars) {
      const fill = b.act === "dpa" ? "#d62728" : b.act === "relu" ? "#7f7f7f" : "#1f77b4";
      parts.push(
        `<text x="${left - 6}" y="${y + barH - 2}" text-anchor="end">${esc(b.act)}</text>`,
        `<rect x="${left}" y="${y}" width="${(x(b.ratio) - left).toFixed(1)}" height="${barH}" ` +
          `fill="${fill}"/>`,
        `<text x="${(x(b.ratio) + 4).toFixed(1)}" y="${y + barH - 2}">${
          b.ratio.toFixed(2)
        }×</text>`,
      );
      y += barH + 2;
    }
    y += gap;
  }
  const one = x(1).toFixed(1);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" ` +
    `font-family="sans-serif" font-size="10">`,
    `<text x="4" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${one}" y1="30" x2="${one}" y2="${y}" stroke="#000" stroke-dasharray="3,3"/>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
