/**
 * `deno task drills`: the reliability drills. Each prints one summary line
 * `drill <name>: trials N, survived N, lost N`; the exit code is 1 when any
 * trial was lost or a drill ran fewer trials than its budget.
 *
 *   deno task drills                 full budget (≥ 20 kill -9 trials per backend)
 *   deno task drills --quick         the reduced budget CI runs (tests/drills_test.ts)
 *   deno task drills --only kill9,fuzz --seed 3 --backends reference
 * @module
 */
import { parseArgs } from "node:util";
import type { Say, Tally } from "./common.ts";
import { diskDrill } from "./disk.ts";
import { divergeDrill } from "./diverge.ts";
import { fuzzDrill } from "./fuzz.ts";
import { kill9Drill } from "./kill9.ts";
import { resumeDrill } from "./resume.ts";

/** How much of each drill to run. */
export interface DrillBudget {
  readonly killTrials: number;
  readonly resumeStops: number;
  readonly bitFlips: number;
  readonly truncations: number;
}

/** The full budget and the reduced one CI runs. */
export const BUDGETS: Readonly<Record<"full" | "quick", DrillBudget>> = {
  full: { killTrials: 20, resumeStops: 6, bitFlips: 12, truncations: 6 },
  quick: { killTrials: 3, resumeStops: 1, bitFlips: 2, truncations: 1 },
};

/** Names of the drills, in running order. */
export const DRILLS = ["kill9", "resume", "fuzz", "diverge", "disk"] as const;

/** Run the chosen drills; returns one tally per drill (and per backend for kill9). */
export async function runDrills(opts: {
  budget: DrillBudget;
  only?: readonly string[];
  backends: readonly string[];
  /** Backends of the kill -9 drill (default: `backends`). */
  killBackends?: readonly string[];
  seed: number;
  say: Say;
  onTally?: (t: Tally) => void;
}): Promise<Tally[]> {
  const { budget: b, seed, say } = opts;
  const want = (d: string) => !opts.only || opts.only.includes(d);
  const tallies: Tally[] = [];
  const done = (t: Tally) => {
    tallies.push(t);
    opts.onTally?.(t);
  };
  if (want("kill9")) {
    for (const backend of opts.killBackends ?? opts.backends) {
      done(await kill9Drill({ trials: b.killTrials, backend, seed, say }));
    }
  }
  if (want("resume")) {
    done(await resumeDrill({ backends: opts.backends, stops: b.resumeStops, seed, say }));
  }
  if (want("fuzz")) {
    done(await fuzzDrill({ bitFlips: b.bitFlips, truncations: b.truncations, seed, say }));
  }
  if (want("diverge")) done(await divergeDrill({ say }));
  if (want("disk")) done(await diskDrill({ say }));
  return tallies;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean" },
      only: { type: "string" },
      seed: { type: "string" },
      backends: { type: "string" },
      verbose: { type: "boolean" },
    },
  });
  const only = values.only?.split(",");
  for (const d of only ?? []) {
    if (!(DRILLS as readonly string[]).includes(d)) {
      console.error(`error: unknown drill "${d}"\n  fix: use one of ${DRILLS.join(", ")}`);
      Deno.exit(2);
    }
  }
  const seed = Number(values.seed ?? Date.now() % 100000);
  console.log(`drills: seed ${seed} (rerun with --seed ${seed})`);
  const t0 = performance.now();
  const tallies = await runDrills({
    budget: values.quick ? BUDGETS.quick : BUDGETS.full,
    only,
    backends: (values.backends ?? "reference,ort-cpu,onednn-cpu").split(","),
    seed,
    say: (l) => console.log(`  ${l}`),
    onTally: (t) => {
      console.log(t.summary());
      for (const n of t.notes) console.log(`  ${n}`);
    },
  });
  console.log(`drills: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (tallies.some((t) => t.failed)) Deno.exit(1);
}
