/**
 * Registers grid cases with `Deno.bench` for the grid bench files. Cases are
 * compiled lazily, one at a time (the previous one is disposed first), so a
 * run never holds more than one compiled graph; compiling (and, on fast
 * backends, one warm-up run) stay outside the timed region (explicit timers). When
 * `ACTLAB_BENCH_FACTS` names a file, each case appends one JSON line there
 * with its planned peak bytes, device bytes and backend device — what
 * `deno bench --json` has no field for.
 * @module
 */
import "../backends/mod.ts";
import type { Availability } from "../backends/backend.ts";
import { getBackend, listBackends } from "../backends/registry.ts";
import { type CaseRunner, compileCase } from "./case_runner.ts";
import {
  type BenchCase,
  caseGroup,
  caseName,
  gridBackends,
  type GridOptions,
  gridOptions,
  isSlow,
  iterations,
  warmUp,
} from "./grid.ts";

/** One line of the facts file. */
export interface CaseFacts {
  readonly name: string;
  readonly planBytes: number;
  readonly deviceBytes: number | null;
  readonly device: string;
}

let current: { name: string; runner: CaseRunner } | null = null;

async function runnerFor(c: BenchCase, device: string, slow: boolean): Promise<CaseRunner> {
  const name = caseName(c);
  if (current?.name === name) return current.runner;
  current?.runner.dispose();
  current = null;
  const runner = await compileCase(getBackend(c.backend), c);
  // Warm-up: first-touch allocation, pipeline compilation, JIT (slow backends: the first timed run).
  if (warmUp(slow)) await runner.run();
  current = { name, runner };
  const facts = Deno.env.get("ACTLAB_BENCH_FACTS");
  if (facts) {
    const s = runner.stats();
    const line: CaseFacts = {
      name,
      planBytes: s.peakBytes,
      deviceBytes: s.deviceBytes ?? null,
      device,
    };
    await Deno.writeTextFile(facts, JSON.stringify(line) + "\n", { append: true });
  }
  return runner;
}

/** Available backends of the grid with their probe results; unavailable ones are reported on stderr. */
export async function gridBackendsAvailable(
  o: GridOptions,
): Promise<{ name: string; availability: Availability; slow: boolean }[]> {
  const out = [];
  for (const name of gridBackends(listBackends(), o)) {
    const availability = await getBackend(name).probe();
    if (availability.available) {
      out.push({ name, availability, slow: isSlow(name, availability, o) });
    } else {
      console.error(`${name} unavailable, not benched: ${availability.reason}`);
    }
  }
  return out;
}

/** Register `cases` (all on backends that probed available) with `Deno.bench`. */
export function registerCases(cases: readonly BenchCase[], slow: boolean, device: string): void {
  const o = gridOptions();
  for (const c of cases) {
    Deno.bench({
      name: caseName(c),
      group: caseGroup(c),
      baseline: c.activation === "relu",
      n: iterations(c, slow, o),
      warmup: 0,
      async fn(t) {
        const runner = await runnerFor(c, device, slow);
        t.start();
        await runner.run();
        t.end();
      },
    });
  }
}
