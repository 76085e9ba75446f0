/**
 * The contract between text dataset loaders and tokenizers (`data/text/`)
 * and the text classification task (`tasks/text.ts`): labelled examples
 * (a sentence, or a sentence pair) and a tokenizer that turns them into
 * BERT-style ids. Loaders are registered by name and read from a data
 * directory.
 * @module
 */
import { Registry } from "../../core/registry.ts";

/** One labelled example: a text, or a text pair (segment B), and its class. */
export interface TextExample {
  /** The text (segment A). */
  readonly text: string;
  /** The second text of a pair task (segment B), if any. */
  readonly pair?: string;
  /** Class index in [0, numClasses). */
  readonly label: number;
}

/** A text classification dataset held in memory. */
export interface TextDataset {
  /** Dataset name, e.g. `sst2`. */
  readonly name: string;
  /** Number of classes K. */
  readonly numClasses: number;
  /** Class names in label order. */
  readonly classNames: readonly string[];
  /** Training examples. */
  readonly train: readonly TextExample[];
  /** Evaluation examples (the split the dataset's papers report). */
  readonly test: readonly TextExample[];
  /** Where the data came from (a path or `generated`), for logs and summaries. */
  readonly source: string;
}

/** A sequence encoded for a BERT-style model (no padding: the task pads). */
export interface EncodedText {
  /** Token ids: `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`, truncated to the maximum length. */
  readonly ids: Int32Array;
  /** Segment (token type) ids: 0 for `[CLS] A [SEP]`, 1 for `B [SEP]`. */
  readonly typeIds: Int32Array;
}

/** A tokenizer with BERT's special tokens. */
export interface Tokenizer {
  /** Vocabulary size (the model's embedding rows). */
  readonly vocabSize: number;
  /** Id of `[CLS]`. */
  readonly clsId: number;
  /** Id of `[SEP]`. */
  readonly sepId: number;
  /** Id of `[PAD]`. */
  readonly padId: number;
  /** Id of `[UNK]`. */
  readonly unkId: number;
  /** The text's tokens (no special tokens). */
  tokenize(text: string): string[];
  /** Ids with special tokens, truncated to `maxLength` (longest-first for pairs, as BERT). */
  encode(text: string, pair: string | undefined, maxLength: number): EncodedText;
}

/** How a text loader is called. */
export interface TextLoadOptions {
  /** Directory holding the dataset's files (`--data-dir`). */
  readonly dataDir?: string;
  /** Seed for generated datasets. */
  readonly seed?: number;
}

/** A text dataset, registered by name. */
export interface TextDatasetLoader {
  /** Registry name (`--dataset`), e.g. `sst2`. */
  readonly name: string;
  /** One line for listings: what it is and which files it reads. */
  readonly description: string;
  /** Read the dataset; a missing or malformed file is an ActlabError naming it and the line. */
  load(options: TextLoadOptions): Promise<TextDataset>;
}

const textDatasets = new Registry<TextDatasetLoader>("text dataset");

/** Register a text dataset loader (names are unique). */
export function registerTextDataset(loader: TextDatasetLoader): void {
  textDatasets.register(loader);
}

/** The text dataset called `name`; unknown names list the valid ones. */
export function getTextDataset(name: string): TextDatasetLoader {
  return textDatasets.get(name);
}

/** Registered text dataset names, sorted. */
export function listTextDatasets(): string[] {
  return textDatasets.names();
}
