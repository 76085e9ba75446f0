/**
 * Text classification: a sample is a sentence (or a sentence pair) encoded
 * BERT-style by a `Tokenizer` (`[CLS] A [SEP] (B [SEP])`), and a class label.
 * Feeds, all [B, T] with T = `--max-length` (default 128):
 *
 * - `ids` i32: token ids, padded with the tokenizer's `[PAD]`;
 * - `typeIds` i32: segment ids (0 for `[CLS] A [SEP]`, 1 for `B [SEP]`, 0 on padding);
 * - `mask` f32: 1 for a token, 0 for padding;
 * - `labels` i32 [B].
 *
 * Every sequence is padded to T rather than bucketed by length: a step graph
 * is compiled once per static shape on every backend (an ONNX session, a
 * WebGPU plan), so buckets would mean one compiled graph — and one warm-up —
 * per bucket length, and training steps of different shapes are not the
 * same computation across arms. The padding mask keeps padded keys out of
 * attention. Every row starts with `[CLS]` (checked), so no attention row is
 * all padding.
 *
 * Batches are deterministic: epoch e's order is the permutation of
 * (seed, e) that the image loader uses (`epochOrder`), the last partial
 * training batch is dropped; evaluation covers the split in order, its last
 * batch filled with `[CLS] [SEP]` rows that do not count (`valid`).
 *
 * The dataset comes from the text registry (`--dataset`: `sst2`, `ag_news`,
 * `textgcn-*`, `generated`; `data/text/`) and is encoded once by
 * `encodeSplit`; the tokenizer from the tokenizer factory, which receives
 * the run configuration — by default BERT's WordPiece over `--vocab FILE` (a
 * `vocab.txt`); `setTokenizerFactory` replaces it (tests, other tokenizers).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Graph } from "../core/graph.ts";
import { epochOrder, trainBatchCount } from "../data/loader.ts";
import { loadBertTokenizer } from "../data/text/bert_tokenizer.ts";
import { type EncodedSplit, encodeSplit } from "../data/text/encode.ts";
import {
  getTextDataset,
  type TextDataset,
  type TextExample,
  type Tokenizer,
} from "../data/text/types.ts";
import "../data/text/datasets.ts";
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

/** The sequence length T when `--max-length` is not given (BERT fine-tuning's usual 128). */
export const DEFAULT_MAX_LENGTH = 128;

/** Builds the tokenizer a run configuration asks for (`config.vocab`, …). */
export type TokenizerFactory = (config: TrainConfig) => Promise<Tokenizer>;

/** BERT's WordPiece tokenizer over `config.vocab` (cased or uncased as the vocabulary says). */
const wordPieceFromConfig: TokenizerFactory = (config) => {
  if (config.vocab === undefined) {
    throw new ActlabError(
      "the text task needs a tokenizer vocabulary: no --vocab was given",
      "pass --vocab FILE, a BERT vocab.txt (e.g. bert-base-uncased/vocab.txt; the generated " +
        "dataset's from writeGeneratedVocab)",
    );
  }
  return loadBertTokenizer(config.vocab);
};

let tokenizerFactory: TokenizerFactory = wordPieceFromConfig;

/** Use `factory` to build the text task's tokenizer from now on; returns the previous factory. */
export function setTokenizerFactory(factory: TokenizerFactory): TokenizerFactory {
  const previous = tokenizerFactory;
  tokenizerFactory = factory;
  return previous;
}

/** A dataset split encoded and padded to T (`encodeSplit`), its rows checked. */
function encodeChecked(
  examples: readonly TextExample[],
  tokenizer: Tokenizer,
  t: number,
  what: string,
  numClasses: number,
): EncodedSplit {
  const e = encodeSplit(examples, tokenizer, { maxLength: t });
  for (let i = 0; i < e.count; i++) {
    const row = e.ids.subarray(i * t, i * t + e.lengths[i]);
    if (row[0] !== tokenizer.clsId || row.some((id) => !(id >= 0 && id < tokenizer.vocabSize))) {
      throw new ActlabError(
        `${what} example ${i}: the tokenizer returned ids [${row.slice(0, 4).join(", ")}, …] ` +
          `([CLS] is ${tokenizer.clsId}, the vocabulary has ${tokenizer.vocabSize})`,
        "the tokenizer must start every sequence with [CLS] and give ids below its vocabSize",
      );
    }
    const label = e.labels[i];
    if (!(label >= 0 && label < numClasses) || label !== examples[i].label) {
      throw new ActlabError(
        `${what} example ${i} has label ${examples[i].label}, outside [0, ${numClasses})`,
        "fix the dataset loader's labels",
      );
    }
  }
  return e;
}

/**
 * A task batch of `ids`, `typeIds` (i32) and `mask` (f32), each [B, T]
 * row-major, and `labels` [B]; the first `valid` rows count (default all).
 */
export function textBatch(
  ids: Int32Array,
  typeIds: Int32Array,
  mask: Float32Array,
  labels: Int32Array,
  valid: number = labels.length,
  index = 0,
): TaskBatch {
  const b = labels.length, t = ids.length / b;
  const shape = [b, t];
  if (!Number.isInteger(t) || typeIds.length !== b * t || mask.length !== b * t) {
    throw new ActlabError(
      `text batch: ${ids.length} ids, ${typeIds.length} segment ids, ${mask.length} mask values ` +
        `for ${b} labels`,
      "pass [B, T] ids, segment ids and mask with B labels",
    );
  }
  return {
    feeds: {
      ids: { dtype: "i32", shape, data: ids },
      typeIds: { dtype: "i32", shape, data: typeIds },
      mask: { dtype: "f32", shape, data: mask },
      labels: { dtype: "i32", shape: [b], data: labels },
    },
    labels,
    valid,
    index,
  };
}

/** Assemble a batch of rows `rows` of `split`; rows past `rows.length` are filler. */
function batchOf(
  split: EncodedSplit,
  rows: ArrayLike<number>,
  size: number,
  t: number,
  filler: Tokenizer,
  index: number,
): TaskBatch {
  const ids = new Int32Array(size * t).fill(filler.padId);
  const typeIds = new Int32Array(size * t), mask = new Float32Array(size * t);
  const labels = new Int32Array(size);
  for (let r = 0; r < size; r++) {
    if (r < rows.length) {
      const src = rows[r] * t;
      ids.set(split.ids.subarray(src, src + t), r * t);
      typeIds.set(split.typeIds.subarray(src, src + t), r * t);
      mask.set(split.mask.subarray(src, src + t), r * t);
      labels[r] = split.labels[rows[r]];
    } else {
      // Filler rows are `[CLS] [SEP]`: valid sequences, never counted.
      ids[r * t] = filler.clsId;
      if (t > 1) ids[r * t + 1] = filler.sepId;
      mask.fill(1, r * t, r * t + Math.min(2, t));
    }
  }
  return textBatch(ids, typeIds, mask, labels, rows.length, index);
}

/** Options of `textTask`. */
export interface TextTaskOptions {
  /** The dataset (both splits; `train` may be empty for an evaluation-only task). */
  readonly dataset: TextDataset;
  /** The tokenizer. */
  readonly tokenizer: Tokenizer;
  /** Sequence length T (default 128). */
  readonly maxLength?: number;
  /** Encode the training split (default true). */
  readonly train?: boolean;
  /** The split `evalBatches` covers (default `test`). */
  readonly evalSplit?: "train" | "test";
}

/** A text task: the generic `Task` plus its sequence length and tokenizer. */
export interface TextTask extends Task {
  /** Sequence length T of every batch. */
  readonly maxLength: number;
  /** The tokenizer examples were encoded with. */
  readonly tokenizer: Tokenizer;
  /** The training batches of one epoch (synchronous: the data is in memory). */
  trainBatches(options: TaskTrainBatchOptions): Iterable<TaskBatch>;
  /** The evaluation batches (synchronous). */
  evalBatches(batchSize: number): Iterable<TaskBatch>;
}

/** Declare `ids`, `typeIds`, `mask` [B, T] and `labels` [B]; the model's input is `ids`. */
function declareInputs(graph: Graph, b: number, t: number): TaskInputs {
  const ids = graph.input("ids", [b, t], "i32");
  const typeIds = graph.input("typeIds", [b, t], "i32");
  const mask = graph.input("mask", [b, t], "f32");
  const labels = graph.input("labels", [b], "i32");
  return { x: ids, feeds: { ids, typeIds, mask, labels }, labels };
}

/** The shape facts of a text task (what a model is built for). */
export interface TextShape {
  /** Sequence length T. */
  readonly maxLength: number;
  /** Number of classes. */
  readonly numClasses: number;
  /** The tokenizer's vocabulary size (a model hint: `vocabSize`). */
  readonly vocabSize: number;
}

/**
 * A text task with no data: it declares the graph's feeds for a shape but
 * has no batches. For building graphs only (export, benches, parity tests).
 */
export function textTaskForShape(shape: TextShape, dataset = "(shape only)"): Task {
  const noData = (): never => {
    throw new ActlabError(
      `the text task for ${dataset} was built from a shape alone and has no data`,
      "open the task from a run configuration (Run.open) to train or evaluate",
    );
  };
  const t = shape.maxLength;
  return {
    kind: "text",
    dataset,
    numClasses: shape.numClasses,
    classNames: Array.from({ length: shape.numClasses }, (_, k) => String(k)),
    trainSize: 0,
    evalSize: 0,
    modelHints: { vocabSize: shape.vocabSize },
    describe: () => `${dataset} (${t} tokens, ${shape.numClasses} classes)`,
    inputs: (graph, b) => declareInputs(graph, b, t),
    trainBatchCount: () => 0,
    trainBatches: noData,
    evalBatches: noData,
  };
}

/** A text classification task over an in-memory dataset, encoded once here. */
export function textTask(options: TextTaskOptions): TextTask {
  const { dataset: ds, tokenizer } = options;
  const t = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (!Number.isInteger(t) || t < 3) {
    throw new ActlabError(
      `--max-length must be an integer >= 3, got ${t}`,
      "e.g. --max-length 128 ([CLS] and [SEP] take two positions)",
    );
  }
  const k = ds.numClasses;
  const trainSplit = (options.train ?? true)
    ? encodeChecked(ds.train, tokenizer, t, `${ds.name} train`, k)
    : null;
  const evalSplit = options.evalSplit === "train"
    ? trainSplit ?? encodeChecked(ds.train, tokenizer, t, `${ds.name} train`, k)
    : encodeChecked(ds.test, tokenizer, t, `${ds.name} test`, k);
  const needTrain = trainSplitGetter(trainSplit, `the text task for ${ds.name}`);
  return {
    kind: "text",
    dataset: ds.name,
    numClasses: k,
    classNames: ds.classNames,
    trainSize: trainSplit?.count ?? 0,
    evalSize: evalSplit.count,
    maxLength: t,
    tokenizer,
    modelHints: { vocabSize: tokenizer.vocabSize },
    describe: () =>
      `${ds.name} (${trainSplit ? `${trainSplit.count} train / ` : ""}${evalSplit.count} ${
        options.evalSplit ?? "test"
      }, ${t} tokens, ${ds.source})`,
    inputs: (graph, b) => declareInputs(graph, b, t),
    trainBatchCount: (b) => trainBatchCount(needTrain().count, b),
    *trainBatches(o) {
      const split = needTrain();
      const order = epochOrder(split.count, o.seed, o.epoch);
      const count = trainBatchCount(split.count, o.batchSize);
      for (let b = o.startBatch; b < count; b++) {
        const rows = order.subarray(b * o.batchSize, (b + 1) * o.batchSize);
        yield batchOf(split, rows, o.batchSize, t, tokenizer, b);
      }
    },
    *evalBatches(size) {
      for (let b = 0; b * size < evalSplit.count; b++) {
        const rows: number[] = [];
        for (let r = b * size; r < Math.min(evalSplit.count, (b + 1) * size); r++) rows.push(r);
        yield batchOf(evalSplit, rows, size, t, tokenizer, b);
      }
    },
  };
}

/** The first `n` examples (0 = all). */
function subset(xs: readonly TextExample[], n: number): readonly TextExample[] {
  return n > 0 ? xs.slice(0, n) : xs;
}

/** The `text` task kind: `config.dataset` from the text registry, the tokenizer from the factory. */
export const textTaskPlugin: TaskPlugin = {
  name: "text",
  description:
    "text classification: ids, typeIds i32 [B, T], mask f32 [B, T] (padded to --max-length), labels [B]",
  async create(config: TrainConfig, options: TaskOpenOptions): Promise<Task> {
    const loaded = await getTextDataset(config.dataset).load({
      dataDir: config.dataDir,
      seed: config.seed,
    });
    const dataset: TextDataset = {
      ...loaded,
      train: subset(loaded.train, config.trainSubset),
      test: subset(loaded.test, config.testSubset),
    };
    const tokenizer = await tokenizerFactory(config);
    return textTask({
      dataset,
      tokenizer,
      maxLength: config.maxLength,
      train: options.train,
      evalSplit: options.evalSplit,
    });
  },
};
