/**
 * `--collect`: gather whatever finished cells of a plan exist on disk — the
 * summary, the per-epoch test curve and the per-site sparsity and category
 * specificity of each — so a report can be built
 * from any mix of local, sharded or cluster runs. Unfinished and stale cells
 * are listed, not guessed.
 * @module
 */
import { relative } from "node:path";
import { ActlabError } from "../core/errors.ts";
import { type Analysis, analysisFiles } from "../analyze/analyze.ts";
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
  /** Per activation site, from the run's `analysis_test.json`, if written. */
  readonly sites?: readonly SiteStats[];
}

/** One activation site's summary statistics in one run (see `analyze/analyze.ts`). */
export interface SiteStats {
  /** Scope name of the site, e.g. `blocks.0.mlp.act`. */
  readonly name: string;
  /** Fraction of pooled test responses that are exactly zero. */
  readonly sparsity: number;
  /** Mean largest-class share of the channels' class-mean responses. */
  readonly specificity: number;
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

async function readSites(path: string): Promise<SiteStats[] | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  try {
    const a = JSON.parse(text) as Pick<Analysis, "sites">;
    return a.sites.map(({ name, sparsity, specificity }) => {
      if (
        typeof name !== "string" || typeof sparsity !== "number" || typeof specificity !== "number"
      ) {
        throw new Error(`site ${JSON.stringify(name)} lacks its statistics`);
      }
      return { name, sparsity, specificity };
    });
  } catch (e) {
    throw new ActlabError(
      `${path} is not an analysis: ${e instanceof Error ? e.message : e}`,
      "delete it and the heatmaps_test.svg beside it; re-running the grid writes both again",
    );
  }
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
    const { svg, json } = analysisFiles(dir);
    const heatmaps = await Deno.stat(svg).then(() => relative(plan.grid.out, svg), () => undefined);
    const sites = await readSites(json);
    results.push({
      cell,
      summary,
      curve: await readCurve(`${dir}/log.jsonl`),
      ...(heatmaps ? { heatmaps } : {}),
      ...(sites ? { sites } : {}),
    });
  }
  return { results, missing };
}
