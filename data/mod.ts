/**
 * Datasets and batching: Fashion-MNIST, CIFAR-10/100, synthetic images; file
 * lookup and verified downloads; the seeded loader with augmentation;
 * streamed image folders (`imagefolder/mod.ts`); long-tailed splits; text
 * datasets (SST-2, AG News, TextGCN corpora, generated) with BERT's WordPiece
 * tokenizer and the padded encoder (`./text/mod.ts` has the rest); graph
 * datasets (`graph/mod.ts`: DGraph-Fin, ogbn-arxiv, Planetoid, TextGCN) and
 * the `.npy` / `.npz` reader they use; the DPA/DNRT authors' augmentation
 * pipeline on one decoded image (`./augment/mod.ts`).
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
export { classCounts, longTailCounts, longTailDataset } from "./long_tail.ts";
export * from "./imagefolder/mod.ts";
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
export {
  BertTokenizer,
  type BertTokenizerOptions,
  type EncodedSplit,
  type EncodedText,
  encodeSplit,
  type EncodeSplitOptions,
  type GeneratedTextOptions,
  generatedTextVocab,
  getTextDataset,
  listTextDatasets,
  loadBertTokenizer,
  makeGeneratedText,
  parseVocab,
  readVocab,
  registerTextDataset,
  type TextDataset,
  type TextDatasetLoader,
  type TextExample,
  type TextLoadOptions,
  type Tokenizer,
  type Vocab,
  writeGeneratedVocab,
  writeVocab,
} from "./text/mod.ts";
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
