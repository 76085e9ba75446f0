/**
 * Measured peak memory of ONE bench case, in a fresh process so that nothing
 * another case allocated (or freed but kept by the allocator) blurs it.
 * The backend's library is loaded and the graph traced first; then the
 * resident set is sampled, its high-water mark reset, the case compiled and
 * run (one warm-up plus `runs`), and the peak growth reported: everything the
 * backend allocated for this graph — state, ORT's arena, intermediates,
 * outputs. Device-side backends also report the bytes they hold
 * (`ExecStats.deviceBytes`).
 *
 * `deno run -A bench/mem_probe.ts '<case JSON>' [runs] [default|noarena|ortprofile]` prints one JSON line (`MemProbeResult`).
 * @module
 */
import "../backends/mod.ts";
import { getBackend } from "../backends/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { compileCase, traceCase } from "./case_runner.ts";
import type { BenchCase } from "./grid.ts";
import { arenaFiguresIn, type OrtArenaFigures } from "./ort_arena.ts";
import { ortCpuNoArena } from "./ort_noarena.ts";
import { resetPeak, residentBytes } from "./rss.ts";

/** What the probe prints. */
export interface MemProbeResult {
  /** The planner's peak bytes of the compiled graph (`ExecStats.peakBytes`). */
  readonly planBytes: number;
  /** Peak resident growth over compile + runs, bytes (null: no /proc). */
  readonly rssPeakBytes: number | null;
  /** Resident growth after compiling and writing the state, before any run, bytes. */
  readonly rssCompiledBytes: number | null;
  /** Resident growth still held after the runs, bytes. */
  readonly rssAfterBytes: number | null;
  /**
   * Whether the high-water mark could be reset; when false the peak is only the growth above
   * the startup high-water mark (an underestimate).
   */
  readonly hwmReset: boolean;
  /** `ExecStats.deviceBytes` when the backend reports it. */
  readonly deviceBytes: number | null;
  /** Runs measured after the warm-up. */
  readonly runs: number;
  /** ORT's arena figures when the probe ran with its profiler (variant `ortprofile`). */
  readonly ortArena?: OrtArenaFigures | null;
}

/** Probe variants: as benchmarked, ORT without its arena, ORT with its profiler on. */
export type ProbeVariant = "default" | "noarena" | "ortprofile";

/**
 * Measure `c` in this process (call once per process). For the planner check, `noarena`
 * runs an `ort-cpu` case without ORT's arena (`ort_noarena.ts`) and `ortprofile` with ORT's
 * profiler on, reporting the arena's own figures (its RSS figures then include the profiler).
 */
export async function probeMemory(
  c: BenchCase,
  runs = 2,
  variant: ProbeVariant = "default",
): Promise<MemProbeResult> {
  const backend = variant === "noarena" && c.backend === "ort-cpu"
    ? ortCpuNoArena
    : getBackend(c.backend);
  const profileDir = variant === "ortprofile" ? await Deno.makeTempDir() : null;
  if (profileDir) Deno.env.set("ACTLAB_ORT_PROFILE", `${profileDir}/step`);
  const a = await backend.probe(); // loads the backend's library before the baseline
  if (!a.available) {
    throw new ActlabError(`backend "${c.backend}" is unavailable: ${a.reason}`, a.fix);
  }
  const traced = traceCase(c);
  const before = residentBytes();
  const hwmReset = resetPeak();
  const runner = await compileCase(backend, c, traced);
  const compiled = residentBytes();
  for (let i = 0; i < 1 + runs; i++) await runner.run();
  const after = residentBytes();
  const stats = runner.stats();
  const result: MemProbeResult = {
    planBytes: stats.peakBytes,
    rssPeakBytes: before && after ? after.hwm - (hwmReset ? before.rss : before.hwm) : null,
    rssCompiledBytes: before && compiled ? compiled.rss - before.rss : null,
    rssAfterBytes: before && after ? after.rss - before.rss : null,
    hwmReset,
    deviceBytes: stats.deviceBytes ?? null,
    runs,
  };
  runner.dispose(); // ORT writes its profile here
  if (!profileDir) return result;
  const ortArena = arenaFiguresIn(profileDir);
  await Deno.remove(profileDir, { recursive: true });
  return { ...result, ortArena };
}

function parseVariant(v: string | undefined): ProbeVariant {
  if (v === undefined || v === "default" || v === "noarena" || v === "ortprofile") {
    return v ?? "default";
  }
  throw new ActlabError(`unknown probe variant "${v}"`, "use default, noarena or ortprofile");
}

if (import.meta.main) {
  const [text, runsText, variant] = Deno.args;
  try {
    if (!text) throw new ActlabError("no case given", "pass a bench case as JSON");
    const runs = runsText === undefined ? 2 : Number(runsText);
    if (!Number.isInteger(runs) || runs < 0) {
      throw new ActlabError(`runs must be an integer >= 0, got ${runsText}`, "e.g. 2");
    }
    console.log(
      JSON.stringify(await probeMemory(JSON.parse(text) as BenchCase, runs, parseVariant(variant))),
    );
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    Deno.exit(1);
  }
}
