/**
 * The SVG chart next to `bench/RESULTS.md`: for every backend and model, one
 * bar per activation giving its training-step time ÷ ReLU's (1 = as fast as
 * ReLU; the dashed line), so DPA's overhead reads at a glance. DPA is drawn
 * in the palette's vermillion, ReLU in neutral grey, the rest in blue.
 * @module
 */
import { barChart, gridSvg, NEUTRAL, PALETTE } from "../plot/mod.ts";
import type { BenchRow } from "./results_md.ts";

const colour = (act: string) => act === "dpa" ? PALETTE[1] : act === "relu" ? NEUTRAL : PALETTE[0];

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
  // One value axis for every panel, so bars compare across backends and models.
  const top = Math.max(1, ...[...groups.values()].flat().map((b) => b.ratio));
  const panels = [...groups].map(([key, bars]) =>
    barChart({
      title: `${key} (train step ÷ relu)`,
      xLabel: "train-step time ÷ relu's",
      width: 760,
      barHeight: 11,
      reference: 1,
      include: [top],
      bars: bars.map((b) => ({
        label: b.act,
        value: b.ratio,
        colour: colour(b.act),
        note: `${b.ratio.toFixed(2)}×`,
      })),
    })
  );
  return gridSvg(panels, 1, title);
}
