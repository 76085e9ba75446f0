/**
 * `deno task train`: train one model × activation on one backend and write
 * a run directory. `--help` lists every flag.
 * @module
 */
import { parseArgs } from "node:util";
import "../mod.ts";
import { ActlabError } from "../core/errors.ts";
import { loadCheckpoint } from "../train/checkpoint.ts";
import { resolveConfig, type TrainConfig } from "../train/config.ts";
import { train } from "../train/engine.ts";
import { flagsToConfig, runMain, TRAIN_FLAGS, trainFlagsHelp } from "./common.ts";

/** `train --help` (plugin options listed from the registered plugins' declarations). */
export function trainHelp(): string {
  return `usage: deno task train [flags]

Train a model with a chosen activation; writes <out>/config.json, log.jsonl
(one line per epoch), last.ckpt and summary.json.
Default: vit_micro + dpa on Fashion-MNIST, backend auto.

${trainFlagsHelp()}
  --resume CKPT             continue a run from its checkpoint (flags given override its config)
  --checkpoint-every N      also write last.ckpt every N steps inside an epoch (default: per epoch)
  --no-progress             no progress bar
  --help`;
}

if (import.meta.main) {
  await runMain(async () => {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        ...TRAIN_FLAGS,
        resume: { type: "string" },
        "checkpoint-every": { type: "string" },
        "no-progress": { type: "boolean" },
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      console.log(trainHelp());
      return;
    }
    const given = flagsToConfig(values);
    let base: Partial<TrainConfig> = {};
    if (values.resume) {
      base = (await loadCheckpoint(values.resume)).meta.config as Partial<TrainConfig>;
      // The stored configuration is validated on its own, so its errors name the file.
      resolveConfig(base as Partial<TrainConfig> & { out: string }, values.resume);
    }
    const every = values["checkpoint-every"];
    const checkpointEvery = every === undefined ? 0 : Number(every);
    if (!Number.isInteger(checkpointEvery) || checkpointEvery < 0) {
      throw new ActlabError(
        `--checkpoint-every must be an integer >= 0, got "${every}"`,
        "e.g. --checkpoint-every 1 (0 = only at the end of each epoch)",
      );
    }
    const merged = { ...base, ...given };
    const out = merged.out ??
      `runs/${merged.model ?? "vit_micro"}_${merged.activation ?? "dpa"}_${
        merged.dataset ?? "fashion-mnist"
      }_seed${merged.seed ?? 0}`;
    const summary = await train({ ...merged, out }, {
      resume: values.resume,
      progress: !values["no-progress"],
      checkpointEvery,
    });
    console.log(`summary: ${out}/summary.json`);
    console.log(JSON.stringify(summary));
  });
}
