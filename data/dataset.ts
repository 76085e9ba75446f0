/**
 * The common in-memory form of every dataset, and `loadDataset`, the one
 * entry point that maps a dataset name to its reader.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { loadCifar } from "./cifar.ts";
import { loadFashionMnist } from "./fashion_mnist.ts";
import type { LocateOptions } from "./locate.ts";
import { longTailDataset } from "./long_tail.ts";
import { subsetDataset, type SubsetOptions } from "./subset.ts";
import { makeSynthetic, type SyntheticOptions } from "./synthetic.ts";

/** A split of a dataset. */
export type Split = "train" | "test";

/** Names accepted by `loadDataset`. */
export type DatasetName = "fashion-mnist" | "cifar10" | "cifar100" | "synthetic";

/** Every valid dataset name, in the order help texts list them. */
export const DATASET_NAMES: readonly DatasetName[] = [
  "fashion-mnist",
  "cifar10",
  "cifar100",
  "synthetic",
];

/** One split of a dataset, held in memory as uint8 pixels. */
export interface Dataset {
  /** Dataset name (one of `DATASET_NAMES`). */
  readonly name: string;
  /** Which split this is. */
  readonly split: Split;
  /** Pixels, N×C×H×W (NCHW), 0..255. */
  readonly images: Uint8Array;
  /** Class index per image, in [0, numClasses). */
  readonly labels: Int32Array;
  /** Number of images. */
  readonly n: number;
  /** Shape of one image: [C, H, W]. */
  readonly shape: readonly [number, number, number];
  /** Number of classes. */
  readonly numClasses: number;
  /**
   * Per-channel mean on the [0, 1] scale, from the train split (or the
   * standard published value): the graph normalises with `(x − mean) / std`.
   */
  readonly mean: readonly number[];
  /** Per-channel standard deviation on the [0, 1] scale (see `mean`). */
  readonly std: readonly number[];
  /** Class names in label order. */
  readonly classNames: readonly string[];
  /** Where the data came from (a path, or a description for synthetic data). */
  readonly source: string;
  /** Whether the standard augmentation (crop + flip) is on by default for this dataset. */
  readonly defaultAugment: boolean;
}

/** Options of `loadDataset`: where to look (see `LocateOptions`), synthetic shape, subset. */
export interface LoadOptions extends LocateOptions {
  /** Shape/size/seed of the `synthetic` dataset (ignored by the others). */
  readonly synthetic?: SyntheticOptions;
  /** Keep only part of the split, for quick runs. */
  readonly subset?: SubsetOptions;
  /**
   * Imbalance β of a long-tailed training split (`long_tail.ts`; absent or 0:
   * balanced). Applied before `subset`; the test split is never changed.
   */
  readonly longTail?: number;
}

/** Whether `name` is a valid dataset name. */
export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

/**
 * Load one split of the dataset `name`. Real datasets are located (and, if
 * allowed, downloaded) as described in `locate.ts`; bad files and unknown
 * names are `ActlabError`s that say what is wrong and how to fix it.
 */
export async function loadDataset(
  name: string,
  split: Split,
  options: LoadOptions = {},
): Promise<Dataset> {
  if (split !== "train" && split !== "test") {
    throw new ActlabError(`unknown split "${split}"`, 'use "train" or "test"');
  }
  let ds: Dataset;
  switch (name) {
    case "fashion-mnist":
      ds = await loadFashionMnist(split, options);
      break;
    case "cifar10":
    case "cifar100":
      ds = await loadCifar(name, split, options);
      break;
    case "synthetic":
      ds = makeSynthetic(split, options.synthetic);
      break;
    default:
      throw new ActlabError(
        `unknown dataset "${name}"`,
        `use one of: ${DATASET_NAMES.join(", ")}`,
      );
  }
  // The long-tailed split is one fixed dataset (draw seed 0) whatever the run's seed, as the
  // benchmark's CIFAR-LT splits are: seeds vary initialisation and order, not the data.
  if (options.longTail && split === "train") ds = longTailDataset(ds, options.longTail, 0);
  return options.subset ? subsetDataset(ds, options.subset) : ds;
}
