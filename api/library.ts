/**
 * The training API as library users call it (re-exported by `mod.ts`):
 * `train`, `evaluate`, `loadDataset`. Thin, documented entry points over the
 * engine, the evaluator and the dataset readers.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import {
  type Dataset,
  loadDataset as loadSplit,
  type LoadOptions,
  type Split,
} from "../data/dataset.ts";
import { type Checkpoint, loadCheckpoint } from "../train/checkpoint.ts";
import type { TrainConfig } from "../train/config.ts";
import { train as runTraining, type TrainOptions, type TrainSummary } from "../train/engine.ts";
import "../tasks/mod.ts";
import { imageTask } from "../tasks/image.ts";
import { type EvalResult, evaluate as evaluateRun } from "../train/evaluate.ts";
import { checkpointConfig } from "../train/restore.ts";
import { Run, taskInputShape } from "../train/run.ts";
import type { Task } from "../train/task.ts";

/**
 * Train a model as configured and return the summary. Every field of
 * `config` except `out` (the run directory) has a default
 * (`TRAIN_DEFAULTS`); the run directory receives `config.json`,
 * `log.jsonl`, `curves.svg`, `last.ckpt` and `summary.json`.
 *
 * @example Train a small MLP on synthetic data and print its test accuracy
 * ```ts
 * import { train } from "jsr:@actlab/actlab";
 *
 * const summary = await train({
 *   model: "mlp",
 *   activation: "gelu",
 *   backend: "reference",
 *   dataset: "synthetic",
 *   synthetic: { imageSize: 8, trainSize: 256, testSize: 64 },
 *   epochs: 1,
 *   batchSize: 32,
 *   out: await Deno.makeTempDir(),
 * }, {
 *   progress: false,
 *   onEpoch: (line) => console.log(`epoch ${line.epoch}: test top-1 ${line.test.top1}`),
 * });
 * console.log(summary.test_top1);
 * ```
 */
export function train(
  config: Partial<TrainConfig> & { out: string },
  options: TrainOptions = {},
): Promise<TrainSummary> {
  return runTraining(config, options);
}

/** Options of `loadDataset`: the split (default `train`) plus where to look and what to keep. */
export interface DatasetOptions extends LoadOptions {
  /** `train` (default) or `test`. */
  readonly split?: Split;
}

/**
 * Load one split of a dataset by name (`fashion-mnist`, `cifar10`,
 * `cifar100`, `synthetic`). Real datasets are looked for in `dataDir`,
 * `$ACTLAB_DATA`, the user cache and the Debian package's folder, then
 * downloaded (SHA-256 verified); missing or corrupt files are an `ActlabError`
 * saying where it looked and how to get them.
 *
 * @example A small synthetic test split
 * ```ts
 * import { loadDataset } from "jsr:@actlab/actlab";
 *
 * const test = await loadDataset("synthetic", {
 *   split: "test",
 *   synthetic: { imageSize: 8, testSize: 100 },
 * });
 * console.log(test.n, test.shape, test.numClasses); // 100 [1, 8, 8] 10
 * ```
 */
export function loadDataset(name: string, options: DatasetOptions = {}): Promise<Dataset> {
  return loadSplit(name, options.split ?? "train", options);
}

/** Options of `evaluate` when it is given a checkpoint. */
export interface EvaluateOptions {
  /** Backend to evaluate on (default: the run's). */
  readonly backend?: string;
  /** Where to look for the dataset files first (default: the run's). */
  readonly dataDir?: string;
  /** The task to evaluate on (default: the run's `config.task` with its evaluation split). */
  readonly task?: Task;
  /** What to call a `Checkpoint` object in messages (default: "(checkpoint object)"). */
  readonly path?: string;
}

/**
 * Evaluate a trained model on a dataset: top-1, top-5, mean cross-entropy
 * and activation sparsity over every sample of the evaluation split.
 *
 * `source` is a checkpoint (a path such as `runs/<run>/last.ckpt`, or a
 * loaded `Checkpoint`) or an open `Run` (its current training state is
 * evaluated). Without `dataset`, a checkpoint is evaluated on the test split
 * of the dataset it was trained on. A checkpoint that does not fit its own
 * model configuration, or a dataset of another image shape or class count,
 * is an `ActlabError`.
 *
 * @example Evaluate a run's checkpoint on its test split
 * ```ts
 * import { evaluate, train } from "jsr:@actlab/actlab";
 *
 * const out = await Deno.makeTempDir();
 * await train({
 *   model: "mlp",
 *   backend: "reference",
 *   dataset: "synthetic",
 *   synthetic: { imageSize: 8, trainSize: 128, testSize: 64 },
 *   epochs: 1,
 *   batchSize: 32,
 *   out,
 * }, { progress: false, log: () => {} });
 * const result = await evaluate(`${out}/last.ckpt`);
 * console.log(result.top1, result.images); // …, 64
 * ```
 */
export async function evaluate(
  source: string | Checkpoint | Run,
  dataset?: Dataset,
  options: EvaluateOptions = {},
): Promise<EvalResult> {
  if (source instanceof Run) {
    if (!dataset) {
      await source.syncEvalState();
      return evaluateRun(source, 0);
    }
    // Another split for a live run: a second eval-only run on the same backend, same state.
    checkDataFits(dataset, source.task, "the run");
    const other = await Run.open(source.config, {
      backend: source.backend,
      task: imageTask({ eval: dataset }),
      train: false,
    });
    try {
      const names = [...other.evalStep.graph.states.keys()];
      await other.evalExe.writeState(
        await source.readState(names),
      );
      return await evaluateRun(other, 0);
    } finally {
      other.dispose();
    }
  }
  const path = typeof source === "string" ? source : options.path ?? "(checkpoint object)";
  const ckpt = typeof source === "string" ? await loadCheckpoint(source) : source;
  const config = checkpointConfig(ckpt, path, {
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  if (dataset && dataset.name !== config.dataset) {
    throw new ActlabError(
      `checkpoint ${path} was trained on ${config.dataset}, the dataset given is ${dataset.name}`,
      `evaluate on a split of ${config.dataset}`,
    );
  }
  const run = await Run.open(config, {
    train: false,
    task: options.task ?? (dataset ? imageTask({ eval: dataset }) : undefined),
  });
  try {
    await run.restore(ckpt, path);
    return await evaluateRun(run, Number(ckpt.meta.step ?? 0));
  } finally {
    run.dispose();
  }
}

function checkDataFits(ds: Dataset, task: Task, what: string): void {
  const shape = taskInputShape(task);
  if (ds.shape.join() !== shape.join() || ds.numClasses !== task.numClasses) {
    throw new ActlabError(
      `dataset ${ds.name} (${ds.shape.join("×")}, ${ds.numClasses} classes) does not fit ${what} ` +
        `(${shape.join("×")}, ${task.numClasses} classes)`,
      "evaluate on a split of the dataset the model was trained on",
    );
  }
}
