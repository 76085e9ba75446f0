/**
 * `deno task compare`: a grid of activations × seeds on one model, dataset
 * and backend. Every activation sees the same seeds, data order and initial
 * weights (parameters are initialised from (seed, parameter name)). Writes
 * `<out>/compare.md`, `<out>/compare.svg` and one run directory per cell.
 * @module
 */
import { parseArgs } from "node:util";
import "../mod.ts";
import { getActivation } from "../activations/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { compareMarkdown, type CompareRow, compareSvg } from "../train/compare_report.ts";
import { train, type TrainSummary } from "../train/engine.ts";
import { writeTextAtomic } from "../train/files.ts";
import { flagsToConfig, runMain, TRAIN_FLAGS, TRAIN_FLAGS_HELP } from "./common.ts";

const HELP = `usage: deno task compare --activations relu,gelu,dpa [--seeds 3] [flags]

Train every activation with every seed (0..seeds-1, or --seed-list 1,2,3) on
the same model/dataset/backend and write <out>/compare.md (mean ± std top-1,
top-5, sparsity, img/s) and <out>/compare.svg. Activation options (--tau …)
apply to the activations that accept them.
  --activations LIST        comma-separated activation names (required)
  --seeds N                 number of seeds (default 3)
  --seed-list LIST          explicit seeds instead of --seeds
${TRAIN_FLAGS_HELP}`;

if (import.meta.main) {
  await runMain(async () => {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        ...TRAIN_FLAGS,
        activations: { type: "string" },
        seeds: { type: "string" },
        "seed-list": { type: "string" },
        "no-progress": { type: "boolean" },
        help: { type: "boolean" },
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return;
    }
    if (!values.activations) {
      throw new ActlabError("--activations is required", "e.g. --activations relu,gelu,dpa");
    }
    const acts = values.activations.split(",").map((s) => s.trim()).filter(Boolean);
    acts.forEach((a) => getActivation(a)); // unknown names fail before any training
    const seeds = values["seed-list"]
      ? values["seed-list"].split(",").map(Number)
      : Array.from({ length: Number(values.seeds ?? 3) }, (_, i) => i);
    if (seeds.length === 0 || !seeds.every((s) => Number.isInteger(s) && s >= 0)) {
      throw new ActlabError(
        `invalid seeds ${JSON.stringify(seeds)}`,
        "use --seeds N (N >= 1) or --seed-list 0,1,2",
      );
    }
    const given = flagsToConfig(values);
    const model = given.model ?? "vit_micro";
    const dataset = given.dataset ?? "fashion-mnist";
    const out = given.out ?? `runs/compare_${model}_${dataset}`;
    const rows: CompareRow[] = [];
    for (const act of acts) {
      const runs: TrainSummary[] = [];
      // DPA's options only go to DPA-like plugins that accept them.
      const wantsOptions = act === "dpa";
      for (const seed of seeds) {
        console.log(`== ${act}, seed ${seed}`);
        runs.push(
          await train({
            ...given,
            activation: act,
            activationOptions: wantsOptions ? given.activationOptions ?? {} : {},
            seed,
            out: `${out}/${act}_seed${seed}`,
          }, { progress: !values["no-progress"] }),
        );
      }
      rows.push({ activation: act, runs });
    }
    const title = `${model} on ${dataset}: ${acts.join(" vs ")} (${seeds.length} seeds)`;
    await Deno.mkdir(out, { recursive: true });
    await writeTextAtomic(`${out}/compare.md`, compareMarkdown(title, rows));
    await writeTextAtomic(`${out}/compare.svg`, compareSvg(title, rows));
    console.log(compareMarkdown(title, rows));
    console.log(`wrote ${out}/compare.md and ${out}/compare.svg`);
  });
}
