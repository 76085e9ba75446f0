/**
 * A task says what a sample is and how a run feeds and scores it; the run
 * core (model, step graphs, feeds, checkpoints, evaluation) is the same for
 * every task. Image classification (`image`) is the built-in one; node
 * classification (one full graph per step, a node mask, labels per node) and
 * text classification (i32 token ids + padding mask, a `[CLS]` position) fit
 * the same contract:
 *
 * - `inputs` declares the step graph's feeds (any names, shapes and dtypes)
 *   and returns the model's primary input, every feed by name and the i32
 *   labels the loss and the pooled activation sites see;
 * - `trainBatches` / `evalBatches` assemble host batches whose feeds match
 *   those declarations; every random draw is a function of (seed, epoch,
 *   batch), so resuming and paired arms see identical batches;
 * - `loss` (optional) replaces the default mean cross-entropy, e.g. by one
 *   over labelled nodes only;
 * - `metrics` (optional) replaces the default accumulator of top-1, top-5 and
 *   mean cross-entropy over the rows that count (rows `< valid` whose label is
 *   ≥ 0: a label of −1 marks a sample without a label, e.g. an unlabelled
 *   node, which also updates no class memory).
 *
 * Tasks are registered by name (`registerTask`); a run's `config.task`
 * selects one and `create` builds it from the run's configuration.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { Registry } from "../core/registry.ts";
import type { Graph, Tensor } from "../core/graph.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import type { TrainConfig } from "./config.ts";
import type { ModelOptions } from "../models/registry.ts";
import { crossEntropySum, topKCorrect } from "./metrics.ts";

/** What a task declares in a step graph. */
export interface TaskInputs {
  /** The model's primary input (images: normalised pixels; text: token ids; nodes: features). */
  readonly x: Tensor;
  /** Every feed the task declared, by name (padding masks, edges, …), for models that need more. */
  readonly feeds: Readonly<Record<string, Tensor>>;
  /** i32 [B] labels: what the loss and the pooled activation sites see (−1 = no label). */
  readonly labels: Tensor;
}

/** One host batch, its feeds matching the task's `inputs` declarations. */
export interface TaskBatch {
  /** A value for every feed the task declared (the labels feed included). */
  readonly feeds: Record<string, HostTensor>;
  /** The labels feed's values on the host (metrics, host-computed feeds such as DPA's weights). */
  readonly labels: Int32Array;
  /** Leading rows that count; the rest pad a last batch to the static batch size. */
  readonly valid: number;
  /** Index of the batch within its epoch (or split). */
  readonly index: number;
}

/** Options of a task's `trainBatches`. */
export interface TaskTrainBatchOptions {
  /** Rows per batch (the step graph's static batch size). */
  readonly batchSize: number;
  /** The run's seed. */
  readonly seed: number;
  /** 0-based epoch. */
  readonly epoch: number;
  /** First batch of the epoch to produce (resuming mid-epoch). */
  readonly startBatch: number;
}

/** Accumulates evaluation results over batches. */
export interface MetricAccumulator {
  /** Score one batch's logits [B, K]. */
  add(logits: ArrayLike<number>, batch: TaskBatch): void;
  /** Samples scored so far. */
  readonly samples: number;
  /** The results: at least `top1`, `top5` and `loss` (mean cross-entropy). */
  result(): Record<string, number>;
}

/** A configured task. */
export interface Task {
  /** Registry name of the kind of task, e.g. `image`. */
  readonly kind: string;
  /** Dataset name (logs, summaries). */
  readonly dataset: string;
  /** Number of classes K (the model's head outputs [B, K]). */
  readonly numClasses: number;
  /** Class names in label order. */
  readonly classNames: readonly string[];
  /** Samples in the training split (0 when the task was opened for evaluation only). */
  readonly trainSize: number;
  /** Samples in the evaluation split. */
  readonly evalSize: number;
  /**
   * Model options the data fixes (e.g. `vocabSize`: the tokenizer's
   * vocabulary). A model that has such an option gets this value unless the
   * configuration gives it; a configured value that differs is an error.
   */
  readonly modelHints?: ModelOptions;
  /** One line for logs, e.g. `fashion-mnist (60000 train / 10000 test)`. */
  describe(): string;
  /** Declare the step graph's feeds for a static batch of `batchSize` samples. */
  inputs(graph: Graph, batchSize: number): TaskInputs;
  /** Scalar training loss from the logits (default: mean cross-entropy over the batch). */
  loss?(logits: Tensor, inputs: TaskInputs, labelSmoothing: number): Tensor;
  /** Full training batches per epoch. */
  trainBatchCount(batchSize: number): number;
  /** The training batches of one epoch, from `startBatch` on. */
  trainBatches(options: TaskTrainBatchOptions): TaskBatches;
  /** Every sample of the evaluation split once, in order; the last batch padded. */
  evalBatches(batchSize: number): TaskBatches;
  /** A fresh evaluation accumulator (default: `classificationMetrics`). */
  metrics?(): MetricAccumulator;
  /**
   * Facts about the task's data for `summary.json`, by key (e.g. the
   * training split's images per class, which a long-tailed split needs).
   */
  readonly summary?: Readonly<Record<string, number | string | readonly number[]>>;
  /** Release what the task holds (decode workers, files); the run that opened it calls it. */
  dispose?(): void;
  /**
   * Whether batches may hold label −1 (samples without a label, e.g. nodes
   * outside the split): class-memory plugins then take their masked form.
   */
  readonly partialLabels?: boolean;
  /**
   * The static batch every step uses, when the task fixes it (a full-batch
   * graph task: its node count); it replaces the configured batch sizes.
   */
  readonly fullBatch?: number;
}

/**
 * Batches as a task yields them: synchronously for data in memory, or
 * asynchronously when they are decoded while the step runs (image folders).
 */
export type TaskBatches = Iterable<TaskBatch> | AsyncIterable<TaskBatch>;

/** What `createTask` needs beyond the configuration. */
export interface TaskOpenOptions {
  /** Whether the training split is needed (false for evaluation, analysis and export). */
  readonly train: boolean;
  /** The split `evalBatches` covers (default `test`; `analyze --split train` reads the training split). */
  readonly evalSplit?: "train" | "test";
}

/** A kind of task, registered by name. */
export interface TaskPlugin {
  /** Registry name (`config.task`), e.g. `image`. */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /** Build the task a run configuration describes (loading its data). */
  create(config: TrainConfig, options: TaskOpenOptions): Promise<Task>;
}

const tasks = new Registry<TaskPlugin>("task");

/**
 * A getter of a task's training split that fails clearly when the task was
 * opened for evaluation only (`{ train: false }`) and is then asked to train.
 */
export function trainSplitGetter<T>(split: T | null | undefined, what: string): () => T {
  return () => {
    if (split === null || split === undefined) {
      throw new ActlabError(
        `${what} was opened without its training split`,
        "open it with { train: true } to train",
      );
    }
    return split;
  };
}

/** Register a task kind (names are unique). */
export function registerTask(plugin: TaskPlugin): void {
  tasks.register(plugin);
}

/** The task kind called `name`; unknown names list the valid ones. */
export function getTask(name: string): TaskPlugin {
  return tasks.get(name);
}

/** Registered task names, sorted. */
export function listTasks(): string[] {
  return tasks.names();
}

/**
 * The default evaluation accumulator: top-1, top-5 (top-K below 5 classes)
 * and mean cross-entropy over the rows that count — rows before `valid`
 * whose label is ≥ 0.
 */
export function classificationMetrics(numClasses: number): MetricAccumulator {
  let top1 = 0, top5 = 0, loss = 0, samples = 0;
  const k5 = Math.min(5, numClasses);
  return {
    get samples() {
      return samples;
    },
    add(logits, batch) {
      const { labels, valid } = batch;
      if (labels.subarray(0, valid).every((l) => l >= 0)) {
        top1 += topKCorrect(logits, labels, numClasses, 1, valid);
        top5 += topKCorrect(logits, labels, numClasses, k5, valid);
        loss += crossEntropySum(logits, labels, numClasses, valid);
        samples += valid;
        return;
      }
      for (let r = 0; r < valid; r++) {
        if (labels[r] < 0) continue;
        const row = logits instanceof Float32Array
          ? logits.subarray(r * numClasses, (r + 1) * numClasses)
          : Array.from({ length: numClasses }, (_, c) => logits[r * numClasses + c]);
        const one = [labels[r]];
        top1 += topKCorrect(row, one, numClasses, 1, 1);
        top5 += topKCorrect(row, one, numClasses, k5, 1);
        loss += crossEntropySum(row, one, numClasses, 1);
        samples++;
      }
    },
    result() {
      return { top1: top1 / samples, top5: top5 / samples, loss: loss / samples };
    },
  };
}
