/**
 * `deno task eval --checkpoint <run>/last.ckpt`: evaluate a checkpoint on
 * its dataset's test split and print top-1/top-5 as JSON.
 * @module
 */
import { parseArgs } from "node:util";
import "../mod.ts";
import { resolveBackend } from "../backends/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { loadData } from "../train/engine.ts";
import { evaluate } from "../train/evaluate.ts";
import { Session } from "../train/session.ts";
import { loadRunCheckpoint, runMain } from "./common.ts";

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
    const { ckpt, config } = await loadRunCheckpoint(values.checkpoint, {
      ...(values.backend ? { backend: values.backend } : {}),
      ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    });
    const backend = await resolveBackend(config.backend);
    const { train, test } = await loadData(config);
    const session = await Session.create(config, {
      inputShape: train.shape,
      numClasses: train.numClasses,
      mean: train.mean,
      std: train.std,
    }, backend);
    const evalNames = new Set(session.evalStep.graph.states.keys());
    await session.evalExe.writeState(
      Object.fromEntries(Object.entries(ckpt.tensors).filter(([n]) => evalNames.has(n))),
    );
    const r = await evaluate(session, test, Number(ckpt.meta.step ?? 0));
    session.dispose();
    console.log(JSON.stringify({
      checkpoint: values.checkpoint,
      model: config.model,
      activation: config.activation,
      dataset: config.dataset,
      backend: backend.name,
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
