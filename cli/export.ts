/**
 * `deno task export --checkpoint <run>/last.ckpt --out model.onnx`: write
 * the trained model's inference graph (input normalisation included,
 * weights as initializers) as a standard ONNX file.
 * @module
 */
import { parseArgs } from "node:util";
import "../mod.ts";
import { exportOnnx } from "../backends/ort/export.ts";
import { ActlabError } from "../core/errors.ts";
import { loadCheckpoint } from "../train/checkpoint.ts";
import { checkpointConfig } from "../train/restore.ts";
import { stepGraphForRun, taskInputShape } from "../train/run.ts";
import { getTask } from "../train/task.ts";
import { runMain } from "./common.ts";

const HELP = `usage: deno task export --checkpoint FILE --out MODEL.onnx [--batch-size B]

Export a trained checkpoint as an ONNX inference model: input "x"
[B, C, H, W] raw pixels in [0, 1] (normalisation is in the graph), output
"logits" [B, classes]. DPA exports as its inference form (TAU).
  --checkpoint FILE   checkpoint written by deno task train (required)
  --out FILE          where to write the .onnx file (required; written atomically)
  --batch-size B      static batch size of the exported graph (default 1)
  --data-dir DIR      where the run's dataset lives (for its shape and normalisation)
  --help`;

if (import.meta.main) {
  await runMain(async () => {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        checkpoint: { type: "string" },
        out: { type: "string" },
        "batch-size": { type: "string" },
        "data-dir": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return;
    }
    if (!values.checkpoint || !values.out) {
      throw new ActlabError(
        "--checkpoint and --out are required",
        "e.g. --checkpoint runs/x/last.ckpt --out model.onnx",
      );
    }
    const batch = Number(values["batch-size"] ?? 1);
    if (!Number.isInteger(batch) || batch < 1) {
      throw new ActlabError(
        `--batch-size must be a positive integer, got ${values["batch-size"]}`,
        "e.g. --batch-size 1",
      );
    }
    const ckpt = await loadCheckpoint(values.checkpoint);
    const config = checkpointConfig(
      ckpt,
      values.checkpoint,
      values["data-dir"] ? { dataDir: values["data-dir"] } : {},
    );
    // The task (its evaluation split) gives the input shape and the normalisation
    // constants the model was trained with.
    const task = await getTask(config.task).create(config, { train: false });
    // A full-batch task (node classification) exports its whole graph: the batch is its node count.
    const rows = task.fullBatch ?? batch;
    const { step } = stepGraphForRun(config, task, "eval", rows);
    const shape = taskInputShape(task);
    const bytes = await exportOnnx(step.graph, {
      outputs: ["logits"],
      initializers: ckpt.tensors,
      name: config.model,
    }, values.out);
    console.log(
      `wrote ${values.out} (${bytes} bytes): input x [${rows},${shape}], output logits [${rows},${task.numClasses}]`,
    );
  });
}
