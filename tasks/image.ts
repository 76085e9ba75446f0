/**
 * Image classification, the built-in task: a sample is an image [C, H, W]
 * (feed `x`, raw pixels in [0, 1], normalised in the graph with the
 * dataset's per-channel mean/std) and a class label (feed `labels`). Batches
 * come from `data/loader.ts` (seeded order and augmentation per (seed,
 * epoch, batch), or per (seed, epoch, sample) for the `paper`/`weak`
 * pipelines of `data/augment/`, whose evaluation transform the evaluation
 * batches then get); the loss is the run core's default cross-entropy and
 * the metrics its default top-1/top-5/loss.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Graph } from "../core/graph.ts";
import { constant, mul, sub } from "../core/ops.ts";
import { type Dataset, loadDataset } from "../data/dataset.ts";
import type { AugmentMode } from "../data/augment/pipeline.ts";
import { classCounts } from "../data/long_tail.ts";
import { isImageFolderDataset } from "../data/imagefolder/dataset.ts";
import { openImageFolderTask } from "./image_folder.ts";
import { type Batch, evalBatches, trainBatchCount, trainBatches } from "../data/loader.ts";
import type { TrainConfig } from "../train/config.ts";
import {
  type Task,
  type TaskBatch,
  type TaskInputs,
  type TaskOpenOptions,
  type TaskPlugin,
  type TaskTrainBatchOptions,
  trainSplitGetter,
} from "../train/task.ts";

/** The shape facts of an image task (what a model is built for). */
export interface ImageShape {
  /** Per-sample input shape [C, H, W]. */
  readonly inputShape: readonly [number, number, number];
  /** Number of classes. */
  readonly numClasses: number;
  /** Per-channel normalisation mean (0–1 scale). */
  readonly mean: readonly number[];
  /** Per-channel normalisation standard deviation (0–1 scale). */
  readonly std: readonly number[];
}

/** An image task: the generic `Task` plus its image shape. */
export interface ImageTask extends Task {
  /** Input shape, classes and normalisation. */
  readonly shape: ImageShape;
  /** In-memory batches: synchronous. */
  trainBatches(options: TaskTrainBatchOptions): Iterable<TaskBatch>;
  /** In-memory batches: synchronous. */
  evalBatches(batchSize: number): Iterable<TaskBatch>;
}

/** Options of `imageTask`. */
export interface ImageTaskData {
  /** Training split (absent: the task can only evaluate). */
  readonly train?: Dataset;
  /** Evaluation split. */
  readonly eval: Dataset;
  /**
   * Host augmentation: true/false (crop + flip), a pipeline (`"paper"`,
   * `"weak"`: its evaluation transform applies to the evaluation split too),
   * or undefined for the dataset's default.
   */
  readonly augment?: boolean | AugmentMode;
}

/**
 * A task batch of images `x` [B, ...shape] (raw, in [0, 1]) and `labels` [B]:
 * the first `valid` rows count (default all).
 */
export function imageBatch(
  x: Float32Array,
  labels: Int32Array,
  shape: readonly number[],
  valid = labels.length,
  index = 0,
): TaskBatch {
  const n = labels.length;
  return {
    feeds: {
      x: { dtype: "f32", shape: [n, ...shape], data: x },
      labels: { dtype: "i32", shape: [n], data: labels },
    },
    labels,
    valid,
    index,
  };
}

function toTaskBatch(b: Batch, shape: readonly number[]): TaskBatch {
  return imageBatch(b.x, b.labels, shape, b.valid, b.index);
}

/** Declare `x` and `labels` and normalise `x` in the graph. */
function declareInputs(graph: Graph, batchSize: number, shape: ImageShape): TaskInputs {
  const { inputShape, mean, std } = shape;
  const x = graph.input("x", [batchSize, ...inputShape], "f32");
  const labels = graph.input("labels", [batchSize], "i32");
  const c = inputShape[0];
  if (mean.length !== c || std.length !== c) {
    throw new ActlabError(
      `normalisation has ${mean.length} means / ${std.length} stds for ${c} input channels`,
      "give one mean and one std per channel",
    );
  }
  const bshape = [c, ...inputShape.slice(1).map(() => 1)];
  const m = constant(x, { dtype: "f32", shape: bshape, data: Float32Array.from(mean) });
  const s = constant(x, {
    dtype: "f32",
    shape: bshape,
    data: Float32Array.from(std.map((v) => 1 / v)),
  });
  return { x: mul(sub(x, m), s), feeds: { x, labels }, labels };
}

/**
 * An image task with no data: it declares the graph's inputs for a shape but
 * has no batches. For building graphs only (export, benches, parity tests).
 */
export function imageTaskForShape(shape: ImageShape, dataset = "(shape only)"): ImageTask {
  const noData = (): never => {
    throw new ActlabError(
      `the image task for ${dataset} was built from a shape alone and has no data`,
      "open the task from a run configuration (Run.create) to train or evaluate",
    );
  };
  return {
    kind: "image",
    dataset,
    shape,
    numClasses: shape.numClasses,
    classNames: Array.from({ length: shape.numClasses }, (_, k) => String(k)),
    trainSize: 0,
    evalSize: 0,
    describe: () => `${dataset} (${shape.inputShape.join("×")}, ${shape.numClasses} classes)`,
    inputs: (graph, batchSize) => declareInputs(graph, batchSize, shape),
    trainBatchCount: () => 0,
    trainBatches: noData,
    evalBatches: noData,
  };
}

/** An image task over in-memory splits (both of one dataset: same shape and classes). */
export function imageTask(data: ImageTaskData): ImageTask {
  const ev = data.eval, tr = data.train;
  if (tr && (tr.shape.join() !== ev.shape.join() || tr.numClasses !== ev.numClasses)) {
    throw new ActlabError(
      `the training split (${tr.shape.join("×")}, ${tr.numClasses} classes) and the evaluation ` +
        `split (${ev.shape.join("×")}, ${ev.numClasses} classes) differ`,
      "use two splits of one dataset",
    );
  }
  const ref = tr ?? ev;
  const shape: ImageShape = {
    inputShape: ref.shape,
    numClasses: ref.numClasses,
    mean: ref.mean,
    std: ref.std,
  };
  const needTrain = trainSplitGetter(tr, `the image task for ${ev.name}`);
  return {
    ...imageTaskForShape(shape, ev.name),
    classNames: ev.classNames,
    ...(tr ? { summary: { train_class_counts: classCounts(tr.labels, tr.numClasses) } } : {}),
    trainSize: tr?.n ?? 0,
    evalSize: ev.n,
    describe: () => `${ev.name} (${tr ? `${tr.n} train / ` : ""}${ev.n} ${ev.split})`,
    trainBatchCount: (batchSize) => trainBatchCount(needTrain().n, batchSize),
    *trainBatches(o) {
      const ds = needTrain();
      const it = trainBatches(ds, { ...o, augment: data.augment });
      for (const b of it) yield toTaskBatch(b, ds.shape);
    },
    *evalBatches(batchSize) {
      const transform = typeof data.augment === "string" ? data.augment : undefined;
      for (const b of evalBatches(ev, { batchSize, transform })) yield toTaskBatch(b, ev.shape);
    },
  };
}

/** The training split (when asked for) and the evaluation split of a run's dataset, subsets applied. */
export async function loadRunData(
  config: TrainConfig,
  options: TaskOpenOptions = { train: true },
): Promise<{ train?: Dataset; test: Dataset }> {
  const load = (split: "train" | "test") => {
    const n = split === "train" ? config.trainSubset : config.testSubset;
    return loadDataset(config.dataset, split, {
      dataDir: config.dataDir,
      synthetic: config.synthetic,
      subset: n ? { n } : undefined,
      longTail: config.longTail,
    });
  };
  const train = options.train ? await load("train") : undefined;
  const evalSplit = options.evalSplit ?? "test";
  const test = evalSplit === "train" && train ? train : await load(evalSplit);
  return { train, test };
}

/**
 * Host augmentation from the config: `default` follows the dataset (crop +
 * flip on CIFAR, none on Fashion-MNIST), `on`/`off` force crop + flip on or
 * off, `paper`/`weak` select a `data/augment/` pipeline.
 */
export function augmentSetting(config: TrainConfig): boolean | AugmentMode | undefined {
  switch (config.augment) {
    case "default":
      return undefined;
    case "paper":
    case "weak":
      return config.augment;
    default:
      return config.augment === "on";
  }
}

/** The `image` task kind: `config.dataset` is an image dataset (`loadDataset`). */
export const imageTaskPlugin: TaskPlugin = {
  name: "image",
  description: "image classification: x [B, C, H, W] in [0, 1] (normalised in-graph), labels [B]",
  async create(config, options) {
    for (const [key, flag] of [["maxLength", "--max-length"], ["vocab", "--vocab"]] as const) {
      if (config[key] !== undefined) {
        throw new ActlabError(
          `${flag} is an option of the text task, not of the image task`,
          `drop ${flag}, or pass --task text`,
        );
      }
    }
    // Image folders are streamed from disk, not held in memory.
    if (isImageFolderDataset(config.dataset)) return await openImageFolderTask(config, options);
    const { train, test } = await loadRunData(config, options);
    return imageTask({ train, eval: test, augment: augmentSetting(config) });
  },
};
