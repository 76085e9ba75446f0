/**
 * Image classification over a streamed image folder (`imagefolder`,
 * `imagenet100`, `imagenet1k`): the same feeds, graph-side normalisation,
 * loss and metrics as the in-memory image task; batches come from the
 * decode pool as the step runs, and the run that opens the task stops the
 * pool when it is disposed.
 * @module
 */
import { type ImageFolderData, openImageFolder } from "../data/imagefolder/dataset.ts";
import type { TrainConfig } from "../train/config.ts";
import {
  type Task,
  type TaskBatch,
  type TaskOpenOptions,
  trainSplitGetter,
} from "../train/task.ts";
import { imageBatch, imageTaskForShape } from "./image.ts";
import { classCounts } from "../data/long_tail.ts";
import { trainBatchCount } from "../data/loader.ts";

/** The task over an opened image folder (it closes the folder's pool on `dispose`). */
export function imageFolderTask(data: ImageFolderData): Task {
  const { train, eval: ev, shape } = data;
  const needTrain = trainSplitGetter(train, `the ${data.name} task`);
  const toTask = (b: { x: Float32Array; labels: Int32Array; valid: number; index: number }) =>
    imageBatch(b.x, b.labels, shape, b.valid, b.index);
  const base = imageTaskForShape(
    { inputShape: shape, numClasses: data.classNames.length, mean: data.mean, std: data.std },
    data.name,
  );
  return {
    kind: "image",
    dataset: data.name,
    numClasses: data.classNames.length,
    classNames: data.classNames,
    trainSize: train?.n ?? 0,
    evalSize: ev.n,
    inputs: base.inputs,
    describe: () =>
      `${data.name} (${train ? `${train.n} train / ` : ""}${ev.n} ${
        ev === train ? "train" : "val"
      }, ${shape[1]} px, streamed)`,
    summary: {
      ...(train
        ? { train_class_counts: classCounts(train.index.labels, data.classNames.length) }
        : {}),
      skipped_images_train: data.skipped.train,
      skipped_images_eval: data.skipped.eval,
    },
    trainBatchCount: (batchSize) => trainBatchCount(needTrain().n, batchSize),
    async *trainBatches(o): AsyncGenerator<TaskBatch> {
      for await (const b of needTrain().trainBatches(o)) yield toTask(b);
    },
    async *evalBatches(batchSize): AsyncGenerator<TaskBatch> {
      for await (const b of ev.evalBatches(batchSize)) yield toTask(b);
    },
    dispose: () => data.close(),
  };
}

/** Open the image-folder task a run configuration describes. */
export async function openImageFolderTask(
  config: TrainConfig,
  options: TaskOpenOptions,
): Promise<Task> {
  const data = await openImageFolder(config.dataset, config.dataDir, config.imageFolder ?? {}, {
    train: options.train,
    evalSplit: options.evalSplit,
    augment: config.augment,
  });
  return imageFolderTask(data);
}
