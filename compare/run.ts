/**
 * `compare(grid)`: plan a grid, train its cells (or one shard of them),
 * skipping finished ones and resuming interrupted ones, and write the
 * report (`compare.md`, `compare.svg`, `compare.json`) to the grid's `out`.
 * @module
 */
import type { CompareGrid } from "./grid.ts";
import { collect } from "./collect.ts";
import { contrastSpecs } from "./contrast.ts";
import { type ComparePlan, makePlan, writePlan } from "./plan.ts";
import { buildReport, type CompareReport, reportMarkdown, type ReportOptions } from "./report.ts";
import { reportSvg } from "./svg.ts";
import { runCells, type RunCounts, type Shard, shardCells } from "./shard.ts";
import { writeJsonAtomic, writeTextAtomic } from "../train/files.ts";

/** Options of `compare`. */
export interface CompareOptions extends ReportOptions {
  /** Run only this shard of the cells (and write no report: `--collect` does that). */
  readonly shard?: Shard;
  /** Progress bars on stderr (default true). */
  readonly progress?: boolean;
  /** Receives one-line messages (default console.log). */
  readonly log?: (line: string) => void;
}

/** What `compare` did and found. */
export interface CompareResult {
  /** The plan that ran. */
  readonly plan: ComparePlan;
  /** What this call trained, resumed and skipped. */
  readonly counts: RunCounts;
  /** The report (null for a shard). */
  readonly report: CompareReport | null;
}

/** Collect every finished cell of `plan` and write the three report files into `out`. */
export async function writeReport(
  plan: ComparePlan,
  out: string,
  options: ReportOptions = {},
): Promise<CompareReport> {
  const report = buildReport(plan, await collect(plan), options);
  await Deno.mkdir(out, { recursive: true });
  await writeJsonAtomic(`${out}/compare.json`, report);
  await writeTextAtomic(`${out}/compare.md`, reportMarkdown(report));
  await writeTextAtomic(`${out}/compare.svg`, reportSvg(report));
  return report;
}

/**
 * Run a controlled comparison: expand `grid` into cells (one training run
 * each, paired by seed: same initial values of shared parameters, data
 * order, augmentation and dropout masks), write `<out>/plan.json`, train
 * every cell not finished before (interrupted cells resume from their
 * checkpoint), then write `<out>/compare.md`, `compare.svg` and
 * `compare.json` with mean ± std per arm and, for every arm against the
 * baseline and every `contrasts` entry "A:B", the paired difference over
 * seeds with a 95 % paired-t interval, the p-value, the Holm-adjusted
 * verdict, the minimum detectable difference and the seeds needed.
 *
 * @example
 * ```ts
 * import { compare } from "jsr:@actlab/actlab";
 *
 * const { report } = await compare({
 *   out: "runs/dpa_vs_relu",
 *   models: ["vit_micro"],
 *   datasets: ["fashion-mnist"],
 *   activations: ["relu", "gelu", "dpa", "dpa:random-mask"],
 *   seeds: [0, 1, 2],
 *   sweep: { updateInterval: [5] },
 *   train: { epochs: 5, backend: "auto" },
 *   baseline: "relu",
 * });
 * for (const arm of report!.groups[0].arms) {
 *   console.log(arm.arm, arm.top1.mean, arm.vsBaseline?.verdict);
 * }
 * // DPA against its own control, Holm-adjusted together with the baseline contrasts:
 * // compare(grid, { contrasts: ["dpa:dpa:random-mask"] })
 * ```
 */
export async function compare(
  grid: CompareGrid,
  options: CompareOptions = {},
): Promise<CompareResult> {
  const plan = makePlan(grid);
  return await runPlan(plan, options);
}

/** Run (a shard of) an existing plan. */
export async function runPlan(
  plan: ComparePlan,
  options: CompareOptions = {},
): Promise<CompareResult> {
  // A mistyped contrast fails now, before anything is written or trained.
  contrastSpecs([...new Set(plan.cells.map((c) => c.arm))], plan.baseline, options.contrasts);
  const log = options.log ?? ((line: string) => console.log(line));
  const replaced = await writePlan(`${plan.grid.out}/plan.json`, plan, { replace: !options.shard });
  if (replaced) {
    log(`${plan.grid.out}/plan.json: the grid changed; finished cells it keeps are reused`);
  }
  const counts = await runCells(shardCells(plan.cells, options.shard), options);
  const report = options.shard ? null : await writeReport(plan, plan.grid.out, options);
  return { plan, counts, report };
}
