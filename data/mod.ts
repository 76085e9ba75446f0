/**
 * Datasets and batching: Fashion-MNIST, CIFAR-10/100, synthetic images; file
 * lookup and verified downloads; the seeded loader with augmentation; graph
 * datasets (`graph/mod.ts`: DGraph-Fin, ogbn-arxiv, Planetoid, TextGCN) and
 * the `.npy` / `.npz` reader they use.
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
export * from "./graph/mod.ts";
export {
  type NpyArray,
  type NpyData,
  type NpyDtype,
  npyToFloat32,
  npyToInt32,
  type NpzFile,
  openNpz,
  parseNpy,
  readNpy,
} from "./npy.ts";
