/**
 * `deno task eval --checkpoint <run>/last.ckpt`: evaluate a checkpoint on
 * its dataset's test split and print the results as JSON (the library's
 * `evaluate`).
 * @module
 */
import { parseArgs } from "node:util";
import { evaluate } from "../mod.ts";
import { ActlabError } from "../core/errors.ts";
import { loadCheckpoint } from "../train/checkpoint.ts";
import { checkpointConfig } from "../train/restore.ts";
import { runMain } from "./common.ts";

const HELP = `usage: deno task eval --checkpoint FILE [--backend NAME] [--data-dir DIR]

Evaluate a training checkpoint (e.g. runs/<run>/last.ckpt) on the test split
of the dataset it was trained on; prints one JSON object.
  --checkpoint FILE   checkpoint written by deno task train (required)
  --backend NAME      backend to evaluate on (default: the run's)
  --data-dir DIR      where to look for the dataset files first
  --help`;

if (import.meta.main) {
  await runMain(async () => {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        checkpoint: { type: "string" },
        backend: { type: "string" },
        "data-dir": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return;
    }
    if (!values.checkpoint) {
      throw new ActlabError("--checkpoint is required", "pass --checkpoint runs/<run>/last.ckpt");
    }
    const overrides = {
      ...(values.backend ? { backend: values.backend } : {}),
      ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    };
    const ckpt = await loadCheckpoint(values.checkpoint);
    const config = checkpointConfig(ckpt, values.checkpoint, overrides);
    const r = await evaluate(ckpt, undefined, { ...overrides, path: values.checkpoint });
    console.log(JSON.stringify({
      checkpoint: values.checkpoint,
      model: config.model,
      activation: config.activation,
      dataset: config.dataset,
      backend: r.backend,
      step: ckpt.meta.step,
      test_top1: r.top1,
      test_top5: r.top5,
      test_loss: r.loss,
      sparsity: r.sparsity,
      images: r.images,
      seconds: r.seconds,
    }));
  });
}
