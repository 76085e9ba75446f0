/**
 * `deno task compare`: a controlled comparison over a grid of arms
 * (activations and their named controls) × option sweeps × models × datasets × seeds,
 * one run directory per cell, paired by seed (same init, data order and
 * masks), with per-arm statistics, the paired difference to a baseline and
 * a verdict. Scales out with `--plan`/`--shard`/`--collect` and `--emit slurm`.
 * @module
 */
import { parseArgs } from "node:util";
import "../mod.ts";
import { ActlabError } from "../core/errors.ts";
import { applySets, type CompareGrid, selectArms, validateGrid } from "../compare/grid.ts";
import { makePlan, readPlan, writePlan } from "../compare/plan.ts";
import { COMPARE_PRESETS, getPreset } from "../compare/presets.ts";
import { reportMarkdown, type ReportOptions } from "../compare/report.ts";
import { runPlan, writeReport } from "../compare/run.ts";
import { parseShard } from "../compare/shard.ts";
import { slurmScript } from "../compare/slurm.ts";
import { flagsToConfig, runMain, TRAIN_FLAGS, trainFlagsHelp } from "./common.ts";
import { controlArmsHelp, sweepKeysHelp } from "./plugin_help.ts";
import { camelCase, kebabCase } from "../plugin/options.ts";
import type { OptionValue, PluginOptions } from "../plugin/types.ts";
import { getRegulariser, listRegularisers } from "../regularisers/registry.ts";

/** The preset names, one per help line. */
function presetNames(): string {
  return Object.keys(COMPARE_PRESETS).map((n) => `${" ".repeat(28)}${n}`).join("\n");
}

/** `compare --help` (controls and sweep keys listed from the registered plugins' declarations). */
export function compareHelp(): string {
  return `usage: deno task compare --activations relu,gelu,dpa,dpa:random-mask [--seeds 3] [flags]
       deno task compare --grid grid.json [--set KEY=V1,V2 ...]
       deno task compare --preset paper-vit-tiny-cifar100 [--backend ort-cuda]

Trains every cell of the grid (arms × sweeps × models × datasets × seeds) as a
normal run directory <out>/<model>_<dataset>/<arm>_seed<S>/, skipping cells
that finished before (summary.json present, same config) and resuming
interrupted ones, then writes <out>/compare.md, compare.svg and compare.json:
mean ± std and n per arm, and for every arm against --baseline and every
--contrast the paired difference over seeds with a 95 % paired-t confidence
interval, p and Holm-adjusted p, the verdict from the adjusted p (α 0.05),
the minimum detectable difference (80 % power) and the seeds needed.

grid:
  --activations LIST        arms: activation names and the plugins' named controls:
${controlArmsHelp()}
  --seeds N | --seed-list LIST   seeds 0..N-1 (default 3) or an explicit list
  --grid FILE               JSON grid: {"activations": [...], "models": [...], "datasets": [...],
                            "seeds": [...], "sweep": {"tau": [0, 0.1], ...}, "train": {...},
                            "baseline": "relu", "out": "runs/x"}
  --set KEY=V1,V2           repeatable; KEY: activations models datasets seeds, or a plugin
                            option (kebab-case; camelCase in a grid's "sweep"):
${sweepKeysHelp()}
                            an activation's options may be prefixed with its name (dpa-mask);
                            every sweep is crossed with the rest
  --preset NAME             the DPA and DNRT papers' recipes (flags given with it override it):
${presetNames()}
  --baseline ARM            arm the others are compared with (default relu when present)
report:
  --contrast A:B            repeatable; also report A − B (arm labels as in the report, e.g.
                            dpa:dpa:random-mask); Holm-adjusted with the baseline contrasts
  --detect D                difference in top-1 percentage points the "seeds for" column
                            refers to (default: each contrast's observed difference)
scale-out:
  --plan FILE               write the plan (grid + cell list) to FILE and exit
  --run-plan FILE           run the cells of a plan written by --plan
  --shard i/n               run only cells i, i+n, … (0 <= i < n); writes no report
  --collect DIR             build the report from the finished cells of DIR/plan.json
  --emit slurm              print a Slurm job-array script (one task per shard), write the plan
  --shards N                array size for --emit slurm (default: one task per cell)
  --slurm-time T --slurm-partition P --slurm-cpus N --slurm-gpus N --slurm-mem M
  --slurm-setup CMD         shell line run first in every task (e.g. "module load cuda")
  --no-progress             no progress bars
${trainFlagsHelp()}
  (in compare, --model/--dataset/--act-opt/--tau/... set single-valued grid axes;
   --out is the grid's dir)`;
}

const COMPARE_FLAGS = {
  ...TRAIN_FLAGS,
  activations: { type: "string" },
  seeds: { type: "string" },
  "seed-list": { type: "string" },
  grid: { type: "string" },
  set: { type: "string", multiple: true },
  preset: { type: "string" },
  baseline: { type: "string" },
  contrast: { type: "string", multiple: true },
  detect: { type: "string" },
  plan: { type: "string" },
  "run-plan": { type: "string" },
  shard: { type: "string" },
  collect: { type: "string" },
  emit: { type: "string" },
  shards: { type: "string" },
  "slurm-time": { type: "string" },
  "slurm-partition": { type: "string" },
  "slurm-cpus": { type: "string" },
  "slurm-gpus": { type: "string" },
  "slurm-mem": { type: "string" },
  "slurm-setup": { type: "string" },
  "no-progress": { type: "boolean" },
  help: { type: "boolean" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof COMPARE_FLAGS }>>["values"];

async function readGridFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new ActlabError(
      `cannot read --grid ${path}: ${e instanceof Error ? e.message : e}`,
      "pass the path of a JSON grid file",
    );
  }
  try {
    const g = JSON.parse(text);
    if (typeof g !== "object" || g === null || Array.isArray(g)) throw new Error("not an object");
    return g;
  } catch (e) {
    throw new ActlabError(
      `--grid ${path} is not a JSON object: ${e instanceof Error ? e.message : e}`,
      'e.g. {"activations": ["relu", "dpa"], "seeds": [0, 1, 2]}',
    );
  }
}

function intFlag(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new ActlabError(`--${name} must be an integer >= ${min}, got "${v}"`, `e.g. --${name} 3`);
  }
  return n;
}

/**
 * `--reg-opt KEY=V` (or `--arr-lambda`) in compare: a one-value sweep of the
 * one registered regulariser that takes every given KEY.
 */
function regulariserSweep(options: PluginOptions): Record<string, OptionValue[]> {
  const keys = Object.keys(options);
  if (keys.length === 0) return {};
  const owners = listRegularisers().filter((r) =>
    keys.every((k) => k in (getRegulariser(r).options ?? {}))
  );
  if (owners.length !== 1) {
    throw new ActlabError(
      `--reg-opt ${keys.join(", ")}: ${owners.length} regularisers take ${
        keys.length > 1 ? "these options" : "this option"
      }${owners.length ? ` (${owners.join(", ")})` : ""}`,
      "name the regulariser: --set <regulariser>-KEY=V, e.g. --set arr-lambda=20",
    );
  }
  return Object.fromEntries(
    keys.map((k) => [camelCase(`${owners[0]}-${kebabCase(k)}`), [options[k]]]),
  );
}

/** Preset < grid file < flags < --set. */
async function gridFromFlags(values: Values): Promise<CompareGrid> {
  for (
    const [flag, fix] of [
      ["activation", "use --activations LIST"],
      ["seed", "use --seeds N, --seed-list LIST or --set seeds=..."],
      ["regulariser", "use --set arr-lambda=L (0 = no ARR)"],
    ] as const
  ) {
    if (values[flag] !== undefined) {
      throw new ActlabError(`--${flag} does not apply to compare`, fix);
    }
  }
  const g: Record<string, unknown> = {};
  if (values.preset) {
    Object.assign(g, structuredClone(getPreset(values.preset)));
    g.out = `runs/${values.preset}`;
  }
  if (values.grid) {
    const file = await readGridFile(values.grid);
    for (const [k, v] of Object.entries(file)) {
      g[k] = k === "train" || k === "sweep" ? { ...(g[k] as object ?? {}), ...(v as object) } : v;
    }
  }
  const given = flagsToConfig(values);
  const {
    model,
    dataset,
    out,
    activationOptions,
    regulariserOptions,
    activation: _a,
    seed: _s,
    regulariser: _r,
    ...train
  } = given;
  if (model) g.models = [model];
  if (dataset) g.datasets = [dataset];
  if (out) g.out = out;
  if (Object.keys(train).length) g.train = { ...(g.train as object ?? {}), ...train };
  const sweep: Record<string, unknown> = { ...(g.sweep as object ?? {}) };
  for (const [k, v] of Object.entries(activationOptions ?? {})) sweep[k] = [v];
  Object.assign(sweep, regulariserSweep(regulariserOptions ?? {}));
  if (Object.keys(sweep).length) g.sweep = sweep;
  if (values.activations) {
    g.activations = selectArms(
      g.activations,
      values.activations.split(",").map((s) => s.trim()).filter(Boolean),
    );
  }
  if (values["seed-list"]) {
    g.seeds = values["seed-list"].split(",").map((s) => Number(s.trim()));
  } else if (values.seeds !== undefined) {
    const n = intFlag("seeds", values.seeds, 1)!;
    g.seeds = Array.from({ length: n }, (_, i) => i);
  }
  if (values.baseline) g.baseline = values.baseline;
  applySets(g, values.set ?? []);
  if (!g.activations) {
    throw new ActlabError(
      "no arms: --activations, --grid or --preset is required",
      "e.g. --activations relu,gelu,dpa,dpa:random-mask",
    );
  }
  if (!g.out) {
    const models = (g.models as string[] | undefined) ?? ["vit_micro"];
    const datasets = (g.datasets as string[] | undefined) ?? ["fashion-mnist"];
    g.out = `runs/compare_${models.join("+")}_${datasets.join("+")}`;
  }
  return validateGrid(g, values.grid ?? "grid");
}

/** `--contrast` and `--detect` (percentage points → top-1 fraction). */
function reportOptions(values: Values): ReportOptions {
  const options: { contrasts?: string[]; detect?: number } = {};
  if (values.contrast) options.contrasts = values.contrast;
  if (values.detect !== undefined) {
    const d = Number(values.detect);
    if (!Number.isFinite(d) || d <= 0) {
      throw new ActlabError(
        `--detect must be a positive number of percentage points, got "${values.detect}"`,
        "e.g. --detect 0.5",
      );
    }
    options.detect = d / 100;
  }
  return options;
}

if (import.meta.main) {
  await runMain(async () => {
    const { values } = parseArgs({ args: Deno.args, options: COMPARE_FLAGS, strict: true });
    if (values.help) {
      console.log(compareHelp());
      return;
    }
    const progress = !values["no-progress"];
    const reporting = reportOptions(values);
    if (values.collect) {
      const plan = await readPlan(`${values.collect}/plan.json`);
      const report = await writeReport(plan, values.collect, reporting);
      console.log(reportMarkdown(report));
      console.log(`wrote ${values.collect}/compare.md, compare.svg and compare.json`);
      return;
    }
    const shard = values.shard ? parseShard(values.shard) : undefined;
    const noReport = values.plan ? "--plan" : values.emit ? "--emit" : shard ? "--shard" : null;
    if (noReport && (values.contrast || values.detect !== undefined)) {
      throw new ActlabError(
        `--contrast and --detect shape the report, and ${noReport} writes none`,
        "pass them to deno task compare --collect <out> once the cells have finished",
      );
    }
    if (values["run-plan"]) {
      // The plan fixes the grid: a grid flag next to it would be silently ignored.
      const allowed = ["run-plan", "shard", "no-progress", "emit", "shards", "contrast", "detect"];
      const extra = Object.keys(values).filter((k) =>
        !allowed.includes(k) && !k.startsWith("slurm-")
      );
      if (extra.length) {
        throw new ActlabError(
          `--run-plan fixes the grid; --${extra.join(", --")} cannot change it`,
          "write a new plan with those flags and --plan, then run that",
        );
      }
    }
    const plan = values["run-plan"]
      ? await readPlan(values["run-plan"])
      : makePlan(await gridFromFlags(values));
    if (values.emit !== undefined) {
      if (values.emit !== "slurm") {
        throw new ActlabError(`--emit ${values.emit} is not supported`, "use --emit slurm");
      }
      const planPath = `${plan.grid.out}/plan.json`;
      // Regenerating the script for a changed grid replaces the plan (a running array keeps its cells).
      await writePlan(planPath, plan, { replace: true });
      console.log(
        slurmScript({
          planPath,
          shards: intFlag("shards", values.shards, 1) ?? plan.cells.length,
          logDir: plan.grid.out,
          workdir: Deno.cwd(),
          time: values["slurm-time"],
          partition: values["slurm-partition"],
          cpusPerTask: intFlag("slurm-cpus", values["slurm-cpus"], 1),
          gpus: intFlag("slurm-gpus", values["slurm-gpus"], 1),
          mem: values["slurm-mem"],
          setup: values["slurm-setup"],
        }).trimEnd(),
      );
      return;
    }
    if (values.plan) {
      await writePlan(values.plan, plan, { replace: true });
      console.log(`wrote ${values.plan}: ${plan.cells.length} cells`);
      return;
    }
    const { counts, report } = await runPlan(plan, { shard, progress, ...reporting });
    console.log(
      `cells: ${counts.trained} trained, ${counts.resumed} resumed, ${counts.skipped} skipped` +
        (shard ? ` (shard ${shard.index}/${shard.count})` : ""),
    );
    if (report) {
      console.log(reportMarkdown(report));
      console.log(`wrote ${plan.grid.out}/compare.md, compare.svg and compare.json`);
    } else {
      console.log(
        `shard done; build the report with: deno task compare --collect ${plan.grid.out}`,
      );
    }
  });
}
