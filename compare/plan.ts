/**
 * The plan of a comparison: its grid and the cells it expands to, written
 * as `plan.json` so that separate processes (shards on one machine, array
 * tasks on a cluster, a later `--collect`) agree on the exact cell list.
 * The cells are always re-derived from the grid; the copy in the file is
 * for people and other tools, and must match.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { baselineOf, type CompareGrid, expandGrid, type GridCell, validateGrid } from "./grid.ts";
import { writeJsonAtomic } from "../train/files.ts";

/** What `plan.json` holds. */
export interface ComparePlan {
  /** File format tag. */
  readonly format: "actlab-compare-plan";
  /** File format version. */
  readonly version: 1;
  /** The grid the cells come from. */
  readonly grid: CompareGrid;
  /** Arm label the others are compared with (null: no comparison). */
  readonly baseline: string | null;
  /** The cells, in run order. */
  readonly cells: readonly GridCell[];
}

/** The plan of `grid` (validates and expands it). */
export function makePlan(grid: CompareGrid): ComparePlan {
  return {
    format: "actlab-compare-plan",
    version: 1,
    grid,
    baseline: baselineOf(grid),
    cells: expandGrid(grid),
  };
}

/** JSON with object keys sorted at every level: a canonical form for equality checks. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
        : v,
  );
}

/** Read and check a `plan.json`. */
export async function readPlan(path: string): Promise<ComparePlan> {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new ActlabError(
      `cannot read plan ${path}: ${e instanceof Error ? e.message : e}`,
      "write one with deno task compare ... --plan <out>/plan.json",
    );
  }
  if (raw?.format !== "actlab-compare-plan" || raw.version !== 1) {
    throw new ActlabError(
      `${path} is not an actlab compare plan (version 1)`,
      "rewrite it with --plan",
    );
  }
  const plan = makePlan(validateGrid(raw.grid, `${path} grid`));
  if (canonicalJson(plan.cells) !== canonicalJson(raw.cells)) {
    throw new ActlabError(
      `${path}: its cell list differs from what its grid expands to`,
      "it was edited by hand or written by another version; rewrite it with --plan",
    );
  }
  return plan;
}

/**
 * Write `plan` to `path`. A different plan already there is an error unless
 * `replace` (shards must not silently mix two grids in one directory; a whole
 * run may change its grid — cells are checked one by one against their
 * config.json anyway, so finished cells the new grid still has are reused).
 * Returns whether a different plan was replaced.
 */
export async function writePlan(
  path: string,
  plan: ComparePlan,
  options: { replace?: boolean } = {},
): Promise<boolean> {
  let existing: string | null = null;
  try {
    existing = await Deno.readTextFile(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const differs = existing !== null &&
    canonicalJson(JSON.parse(existing)) !== canonicalJson(plan);
  if (differs && !options.replace) {
    throw new ActlabError(
      `${path} holds a different grid`,
      "run the whole grid once without --shard (it replaces the plan), or use another --out",
    );
  }
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  await writeJsonAtomic(path, plan);
  return differs;
}
