/**
 * `--collect`: gather whatever finished cells of a plan exist on disk — the
 * summary and the per-epoch test curve of each — so a report can be built
 * from any mix of local, sharded or cluster runs. Unfinished and stale cells
 * are listed, not guessed.
 * @module
 */
import { relative } from "node:path";
import { ActlabError } from "../core/errors.ts";
import { analysisFiles } from "../analyze/analyze.ts";
import type { GridCell } from "./grid.ts";
import type { ComparePlan } from "./plan.ts";
import { type CellStatus, cellStatus } from "./shard.ts";
import type { TrainSummary } from "../train/engine.ts";

/** A finished cell's numbers. */
export interface CellResult {
  /** The planned cell. */
  readonly cell: GridCell;
  /** The run's `summary.json`. */
  readonly summary: TrainSummary;
  /** Test top-1 after each epoch (from log.jsonl), in epoch order. */
  readonly curve: readonly number[];
  /** The run's channel heatmaps (`deno task analyze`), relative to the plan's out dir, if written. */
  readonly heatmaps?: string;
}

/** What exists of a plan's cells. */
export interface Collected {
  /** Finished cells. */
  readonly results: readonly CellResult[];
  /** Cells without a usable finished run, with why. */
  readonly missing: readonly { readonly id: string; readonly status: CellStatus }[];
}

async function readCurve(path: string): Promise<number[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  const curve: number[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (!line.trim()) continue;
    try {
      const row = JSON.parse(line) as { epoch: number; test?: { top1?: number } };
      // A resumed run logs its partial epoch again: the later line wins.
      curve[row.epoch - 1] = row.test?.top1 ?? NaN;
    } catch {
      throw new ActlabError(`${path}:${i + 1} is not JSON`, "delete the cell to retrain it");
    }
  }
  return Array.from(curve, (v) => v ?? NaN);
}

/** Read every finished cell of `plan`. */
export async function collect(plan: ComparePlan): Promise<Collected> {
  const results: CellResult[] = [];
  const missing: { id: string; status: CellStatus }[] = [];
  for (const cell of plan.cells) {
    const status = await cellStatus(cell);
    if (status !== "done") {
      missing.push({ id: cell.id, status });
      continue;
    }
    const dir = cell.config.out;
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`)) as TrainSummary;
    const { svg } = analysisFiles(dir);
    const heatmaps = await Deno.stat(svg).then(() => relative(plan.grid.out, svg), () => undefined);
    results.push({
      cell,
      summary,
      curve: await readCurve(`${dir}/log.jsonl`),
      ...(heatmaps ? { heatmaps } : {}),
    });
  }
  return { results, missing };
}
