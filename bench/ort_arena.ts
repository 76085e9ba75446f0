/**
 * ONNX Runtime's own account of its CPU arena, read from the per-node
 * profiler's JSON (`ACTLAB_ORT_PROFILE`): each node event carries the bytes
 * in use, their peak and the bytes the arena holds. The planner check
 * compares these with the plan and with the process's RSS.
 * @module
 */

/** The arena's figures over every profiled run. */
export interface OrtArenaFigures {
  /** Largest `mem_in_use_peak`: live tensor bytes at ORT's worst point. */
  readonly inUsePeakBytes: number;
  /** Largest `mem_arena_held`: bytes the arena had reserved. */
  readonly heldBytes: number;
  /** Node events read. */
  readonly events: number;
}

interface ProfileEvent {
  readonly cat?: string;
  readonly args?: Readonly<Record<string, unknown>>;
}

/** Figures from profile events (the parsed JSON array ORT writes). */
export function arenaFigures(events: readonly ProfileEvent[]): OrtArenaFigures {
  let inUsePeakBytes = 0, heldBytes = 0, n = 0;
  for (const e of events) {
    if (e.cat !== "Node" || !e.args) continue;
    n++;
    inUsePeakBytes = Math.max(inUsePeakBytes, Number(e.args.mem_in_use_peak ?? 0));
    heldBytes = Math.max(heldBytes, Number(e.args.mem_arena_held ?? 0));
  }
  return { inUsePeakBytes, heldBytes, events: n };
}

/** Figures from the profile files ORT wrote under directory `dir`; null when there are none. */
export function arenaFiguresIn(dir: string): OrtArenaFigures | null {
  const files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".json"));
  if (files.length === 0) return null;
  const events = files.flatMap((f) => JSON.parse(Deno.readTextFileSync(`${dir}/${f.name}`)));
  const figures = arenaFigures(events);
  return figures.events > 0 ? figures : null;
}
