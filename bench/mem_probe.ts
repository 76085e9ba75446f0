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
 * `deno run -A bench/mem_probe.ts '<case JSON>' [runs] [noarena]` prints one JSON line (`MemProbeResult`).
 * @module
 */
import "../backends/mod.ts";
import { getBackend } from "../backends/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { compileCase, traceCase } from "./case_runner.ts";
import type { BenchCase } from "./grid.ts";
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
}

/**
 * Measure `c` in this process (call once per process). `noArena` runs an `ort-cpu` case
 * without ORT's arena (`ort_noarena.ts`), for the planner check.
 */
export async function probeMemory(
  c: BenchCase,
  runs = 2,
  noArena = false,
): Promise<MemProbeResult> {
  const backend = noArena && c.backend === "ort-cpu" ? ortCpuNoArena : getBackend(c.backend);
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
  runner.dispose();
  return result;
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
      JSON.stringify(await probeMemory(JSON.parse(text) as BenchCase, runs, variant === "noarena")),
    );
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    Deno.exit(1);
  }
}
