/**
 * `compare(grid)`: plan a grid, train its cells (or one shard of them),
 * skipping finished ones and resuming interrupted ones, and write the
 * report (`compare.md`, `compare.svg`, `compare.json`) to the grid's `out`.
 * @module
 */
import type { CompareGrid } from "./compare_grid.ts";
import { collect } from "./compare_collect.ts";
import { type ComparePlan, makePlan, writePlan } from "./compare_plan.ts";
import { buildReport, type CompareReport, reportMarkdown, reportSvg } from "./compare_report.ts";
import { type RunCounts, runCells, type Shard, shardCells } from "./compare_shard.ts";
import { writeJsonAtomic, writeTextAtomic } from "./files.ts";

/** Options of `compare`. */
export interface CompareOptions {
  /** Run only this shard of the cells (and write no report: `--collect` does that). */
  readonly shard?: Shard;
  /** Progress bars on stderr (default true). */
  readonly progress?: boolean;
  /** Receives one-line messages (default console.log). */
  readonly log?: (line: string) => void;
}

/** What `compare` did and found. */
export interface CompareResult {
  readonly plan: ComparePlan;
  readonly counts: RunCounts;
  /** The report (null for a shard). */
  readonly report: CompareReport | null;
}

/** Collect every finished cell of `plan` and write the three report files into `out`. */
export async function writeReport(plan: ComparePlan, out: string): Promise<CompareReport> {
  const report = buildReport(plan, await collect(plan));
  await Deno.mkdir(out, { recursive: true });
  await writeJsonAtomic(`${out}/compare.json`, report);
  await writeTextAtomic(`${out}/compare.md`, reportMarkdown(report));
  await writeTextAtomic(`${out}/compare.svg`, reportSvg(report));
  return report;
}

/** Run a grid (see the module doc); `plan.json` is written to `grid.out` first. */
export async function compareGrid(
  grid: CompareGrid,
  options: CompareOptions = {},
): Promise<CompareResult> {
  const plan = makePlan(grid);
  return await runPlan(plan, options);
}

/** Run (a shard of) an existing plan. */
export async function runPlan(plan: ComparePlan, options: CompareOptions = {}): Promise<CompareResult> {
  await writePlan(`${plan.grid.out}/plan.json`, plan);
  const counts = await runCells(shardCells(plan.cells, options.shard), options);
  const report = options.shard ? null : await writeReport(plan, plan.grid.out);
  return { plan, counts, report };
}
