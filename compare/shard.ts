/**
 * Running a share of a comparison's cells: `--shard i/n` takes cells
 * i, i+n, i+2n, … (round-robin keeps every shard's mix of arms alike), and
 * each cell is skipped when finished (summary.json present and config.json
 * equal to the cell's configuration), resumed from its checkpoint when it
 * was interrupted, and trained from scratch otherwise.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { resolveOptionsForTask } from "../plugin/options.ts";
import { getActivation } from "../activations/registry.ts";
import { getRegulariser } from "../regularisers/registry.ts";
import type { GridCell } from "./grid.ts";
import { canonicalJson } from "./plan.ts";
import { analysisFiles, writeAnalysis } from "../analyze/analyze.ts";
import { RESOLVED_CONFIG_FIELDS, train } from "../train/engine.ts";
import { resolveConfig, type TrainConfig } from "../train/config.ts";

/** One shard of n. */
export interface Shard {
  /** 0-based index, < count. */
  readonly index: number;
  /** Number of shards. */
  readonly count: number;
}

/** Parse `i/n` (0 ≤ i < n). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new ActlabError(
      `--shard "${text}" is not i/n with 0 <= i < n`,
      "e.g. --shard 0/4 … --shard 3/4 (Slurm: --shard $SLURM_ARRAY_TASK_ID/4)",
    );
  }
  return { index, count };
}

/** The cells of `shard` (all cells without one). */
export function shardCells(cells: readonly GridCell[], shard?: Shard): GridCell[] {
  return shard ? cells.filter((_, k) => k % shard.count === shard.index) : [...cells];
}

/** Where a cell stands on disk. */
export type CellStatus = "done" | "interrupted" | "absent" | "stale";

async function readJson(path: string): Promise<unknown | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new ActlabError(
      `cannot read ${path}: ${e instanceof Error ? e.message : e}`,
      "delete the cell's run directory to retrain it",
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** What `config.json` adds to the configuration: not part of a cell's identity. */
const RESOLVED_FIELDS: ReadonlySet<string> = new Set(RESOLVED_CONFIG_FIELDS);

/**
 * A stored configuration with today's defaults filled in, so a field added
 * since it was written (e.g. `warmupStartLr`) does not make a finished cell
 * stale; one that no longer validates is returned as it is (and is stale).
 */
function withDefaults(stored: Record<string, unknown>): unknown {
  try {
    return resolveConfig(stored as Partial<TrainConfig> & { out: string });
  } catch {
    return stored;
  }
}

/**
 * Whether the plugin options the stored run was built with differ from
 * those the cell would be built with today: a default that changed since
 * (e.g. DPA's λ for 10 classes) leaves the configuration equal, but not the
 * run. Runs written before `taskFacts` was recorded cannot be checked.
 */
function resolvedOptionsChanged(stored: Record<string, unknown>, config: TrainConfig): boolean {
  const facts = stored.taskFacts as { numClasses?: number } | undefined;
  if (!facts || typeof facts.numClasses !== "number") return false;
  const task = { numClasses: facts.numClasses };
  const act = resolveOptionsForTask(
    getActivation(config.activation),
    config.activationOptions ?? {},
    task,
  );
  if (canonicalJson(act.values) !== canonicalJson(stored.activationOptionsResolved)) return true;
  if (!config.regulariser) return false;
  const reg = resolveOptionsForTask(
    getRegulariser(config.regulariser),
    config.regulariserOptions ?? {},
    task,
  );
  return canonicalJson(reg.values) !== canonicalJson(stored.regulariserOptionsResolved);
}

/**
 * `done`: summary.json and an equal config.json; `interrupted`: equal config
 * and a checkpoint but no summary; `stale`: a run of another configuration;
 * `absent`: nothing usable.
 */
export async function cellStatus(cell: GridCell): Promise<CellStatus> {
  const dir = cell.config.out;
  const stored = await readJson(`${dir}/config.json`) as Record<string, unknown> | undefined;
  if (!stored) return "absent";
  const config = Object.fromEntries(
    Object.entries(stored).filter(([k]) => !RESOLVED_FIELDS.has(k)),
  );
  if (canonicalJson(withDefaults(config)) !== canonicalJson(cell.config)) return "stale";
  if (resolvedOptionsChanged(stored, cell.config)) return "stale";
  if (await exists(`${dir}/summary.json`)) return "done";
  return (await exists(`${dir}/last.ckpt`)) ? "interrupted" : "absent";
}

/** Counts of what `runCells` did. */
export interface RunCounts {
  /** Cells trained from scratch. */
  readonly trained: number;
  /** Cells resumed from a checkpoint. */
  readonly resumed: number;
  /** Cells finished before. */
  readonly skipped: number;
}

/** Train every cell that is not done yet, in order. */
export async function runCells(
  cells: readonly GridCell[],
  options: { progress?: boolean; log?: (line: string) => void } = {},
): Promise<RunCounts> {
  const log = options.log ?? ((line: string) => console.log(line));
  let trained = 0, resumed = 0, skipped = 0;
  for (const [k, cell] of cells.entries()) {
    const status = await cellStatus(cell);
    const at = `[${k + 1}/${cells.length}] ${cell.id}`;
    if (status === "done") {
      log(`${at}: finished earlier, skipped`);
      skipped++;
      await ensureAnalysis(cell, log);
      continue;
    }
    if (status === "stale") {
      log(`${at}: the run there has another configuration; retraining`);
      // An old summary next to the new config.json would mark a later interruption as done.
      for (const f of ["summary.json", "last.ckpt"]) {
        await Deno.remove(`${cell.config.out}/${f}`).catch(() => {});
      }
    }
    const resume = status === "interrupted" ? `${cell.config.out}/last.ckpt` : undefined;
    log(`${at}: ${resume ? "resuming" : "training"}`);
    await train(cell.config, { progress: options.progress, log, resume });
    if (resume) resumed++;
    else trained++;
    await ensureAnalysis(cell, log);
  }
  return { trained, resumed, skipped };
}

/** Write the finished cell's channel heatmaps (test split) unless they exist: the report links them. */
async function ensureAnalysis(cell: GridCell, log: (line: string) => void): Promise<void> {
  const dir = cell.config.out;
  if (await Deno.stat(analysisFiles(dir).svg).then(() => true, () => false)) return;
  const { svg } = await writeAnalysis(`${dir}/last.ckpt`, dir);
  log(`  heatmaps: ${svg}`);
}
