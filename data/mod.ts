/**
 * Datasets and batching: Fashion-MNIST, CIFAR-10/100, synthetic images; file
 * lookup and verified downloads; the seeded loader with augmentation, and the
 * DPA/DNRT authors' augmentation pipeline on one decoded image (`./augment/`).
 * @module
 */
export {
  type Dataset,
  DATASET_NAMES,
  type DatasetName,
  isDatasetName,
  loadDataset,
  type LoadOptions,
  type Split,
} from "./dataset.ts";
export {
  type AugmentOptions,
  type Batch,
  cropFlip,
  epochOrder,
  evalBatchCount,
  evalBatches,
  type EvalLoaderOptions,
  trainBatchCount,
  trainBatches,
  type TrainLoaderOptions,
} from "./loader.ts";
export {
  DATA_ENV,
  type DataLayout,
  defaultCacheDir,
  locate,
  type Located,
  type LocateOptions,
} from "./locate.ts";
export type { DownloadProgress, FetchLike, RemoteFile } from "./download.ts";
export { subsetDataset, type SubsetOptions } from "./subset.ts";
export { makeSynthetic, SYNTHETIC_DEFAULTS, type SyntheticOptions } from "./synthetic.ts";
export {
  AUGMENT_MODES,
  type AugmentMode,
  evalSample,
  evalTransform,
  type Normalisation,
  paperTrainSample,
  sampleKey,
  trainSample,
  type U8Image,
  u8Image,
  weakTrainSample,
} from "./augment/mod.ts";
