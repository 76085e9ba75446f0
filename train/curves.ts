/**
 * `curves.svg` of a run directory: train loss, test top-1 and — when the log
 * has them — DPA's masked fraction and the DPA / ARR loss terms, per epoch.
 * Drawn from `log.jsonl` itself, so a resumed run plots its whole history.
 * @module
 */
import { writeTextAtomic } from "./files.ts";
import { gridSvg, lineChart, type LineSeries, type SvgPanel } from "../plot/mod.ts";

/** The fields of one `log.jsonl` line that the curves read. */
export interface EpochLogLine {
  readonly epoch: number;
  readonly step: number;
  readonly train: Readonly<Record<string, number>>;
  readonly test: Readonly<Record<string, number>>;
}

/** Extra per-epoch quantities plotted when present: log key → panel title. */
const EXTRAS: readonly [string, string][] = [
  ["masked_fraction", "DPA masked fraction (train)"],
  ["dpa_channel", "DPA channel loss (train)"],
  ["arr", "ARR loss (train)"],
];

function series(name: string, lines: readonly EpochLogLine[], pick: (l: EpochLogLine) => number) {
  return { name, points: lines.map((l) => [l.epoch, pick(l)] as [number, number]) };
}

/** The curves document for the given log lines (one panel per quantity). */
export function curvesSvg(lines: readonly EpochLogLine[]): string {
  const panels: SvgPanel[] = [
    lineChart({
      title: "loss",
      xLabel: "epoch",
      series: [
        series("train loss", lines, (l) => l.train.loss ?? NaN),
        series("test loss", lines, (l) => l.test.loss ?? NaN),
      ],
    }),
    lineChart({
      title: "top-1 accuracy",
      xLabel: "epoch",
      series: [
        series("test top-1", lines, (l) => l.test.top1 ?? NaN),
        series("train top-1", lines, (l) => l.train.top1 ?? NaN),
      ],
    }),
  ];
  for (const [key, title] of EXTRAS) {
    if (!lines.some((l) => Number.isFinite(l.train[key]))) continue;
    const s: LineSeries = series(key, lines, (l) => l.train[key] ?? NaN);
    panels.push(lineChart({ title, xLabel: "epoch", series: [s] }));
  }
  return gridSvg(panels, 2);
}

/** Redraw `<dir>/curves.svg` from `<dir>/log.jsonl` (atomically; an empty log writes nothing). */
export async function writeCurves(dir: string): Promise<void> {
  const text = await Deno.readTextFile(`${dir}/log.jsonl`);
  const lines = text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as EpochLogLine);
  if (lines.length) await writeTextAtomic(`${dir}/curves.svg`, curvesSvg(lines));
}
