/**
 * actlab: controlled comparisons of activation mechanisms (ReLU … DPA) across
 * models and compute backends. This module is the public API.
 * @module
 */
export { ActlabError } from "./core/errors.ts";
export * from "./core/host_tensor.ts";
export {
  type Attrs,
  type AttrValue,
  Graph,
  type Node,
  type StateSlot,
  Tensor,
} from "./core/graph.ts";
export {
  attrError,
  defineOp,
  getOp,
  intList,
  listOps,
  type OpDef,
  type TensorInfo,
  type VjpArgs,
} from "./core/op_def.ts";
export * from "./core/ops.ts";
export { grad, type GradOptions, type GradResult } from "./core/autodiff.ts";
export { peakBytes, type Plan, plan, type PlanOptions, SOURCE_OPS } from "./core/plan.ts";
export type {
  Availability,
  Backend,
  CompileOptions,
  ExecStats,
  Executable,
} from "./backends/backend.ts";
export {
  getBackend,
  listBackends,
  probeAll,
  registerBackend,
  resolveBackend,
} from "./backends/registry.ts";
export { referenceBackend } from "./backends/reference/mod.ts";
export { type Kernel, type KernelRun, registerKernel } from "./backends/reference/kernel.ts";
import "./backends/mod.ts";
export * from "./activations/mod.ts";
export type {
  ActivationInstance,
  ActivationPlugin,
  ArmPrecondition,
  BooleanOptionSpec,
  ControlArm,
  EnumOptionSpec,
  NumberOptionSpec,
  OptionSchema,
  OptionSpec,
  OptionSpecBase,
  OptionValue,
  OptionValueOf,
  PluginOptions,
  RegulariserInstance,
  RegulariserPlugin,
  ResolvedOptions,
  Site,
  TaskDefault,
  TaskDefaultValue,
  TaskFacts,
} from "./plugin/types.ts";
export {
  type ActivationDefinition,
  defineActivation,
  defineRegulariser,
  type RegulariserDefinition,
} from "./plugin/define.ts";
export {
  camelCase,
  kebabCase,
  noOptions,
  readOptions,
  type ResolvedPluginOptions,
  resolveOptionsForTask,
  resolvePluginOptions,
} from "./plugin/options.ts";
export { byClassCount, type ClassCountSetting } from "./plugin/task_default.ts";
export * from "./regularisers/mod.ts";
export * as nn from "./nn/mod.ts";
export * from "./models/mod.ts";
export { BuildContext } from "./plugin/context.ts";
export type {
  BatchInfo,
  BufferSpec,
  BuildContextOptions,
  BuildRecord,
  HostFeedSpec,
  Initializer,
  LossTerm,
  ParamSpec,
  Phase,
  PooledLoss,
  RandomSource,
  TapRequest,
} from "./plugin/context.ts";
export { Rng, rngFromSeed, type RngState } from "./core/rng.ts";
export type { ActivationFactory, RegulariserFactory } from "./nn/sites.ts";
export {
  exportOnnx,
  exportOnnxBytes,
  type ExportOptions,
  ortCpuBackend,
  ortCudaBackend,
} from "./backends/ort/mod.ts";
export { evaluate, type EvaluateOptions, loadDataset, train } from "./api/library.ts";
export type { DatasetOptions } from "./api/library.ts";
export { resolveConfig, TRAIN_DEFAULTS, type TrainConfig } from "./train/config.ts";
export type { EpochLog, TrainOptions, TrainSummary } from "./train/engine.ts";
export type { EvalResult } from "./train/evaluate.ts";
export {
  adamwForRun,
  type BackendChooser,
  modelForRun,
  type Outputs,
  Run,
  type RunOpenOptions,
  stepGraphForRun,
  taskInputShape,
  trainStepFeeds,
} from "./train/run.ts";
export {
  AUTO_BACKEND_ENV,
  AUTO_CANDIDATES,
  type AutoBackendOptions,
  type BackendChoice,
  chooseAutoBackend,
  type StepTimer,
} from "./train/auto_backend.ts";
export { type StepTimingOptions, timeTrainStep } from "./train/step_timer.ts";
export type { StepGraph, StepGraphOptions, StepModel } from "./train/step_graph.ts";
export * from "./tasks/mod.ts";
export type { AdamWConfig } from "./train/adamw.ts";
export type { Checkpoint, CheckpointMeta } from "./train/checkpoint.ts";
export type { Dataset, LoadOptions, Split } from "./data/dataset.ts";
export type { SyntheticOptions } from "./data/synthetic.ts";
export type { AugmentMode } from "./data/augment/pipeline.ts";
export {
  encodeSafetensors,
  parseSafetensors,
  readSafetensors,
  type Safetensors,
} from "./data/safetensors.ts";
export type { InitFromReport } from "./train/pretrained.ts";
export {
  type FolderAugment,
  IMAGE_FOLDER_DATASETS,
  type ImageFolderData,
  type ImageFolderIndex,
  type ImageFolderOpenOptions,
  type ImageFolderOptions,
  ImageFolderStream,
  IMAGENET100_CLASSES,
  openImageFolder,
  type StreamOptions,
} from "./data/imagefolder/mod.ts";
export type { Batch } from "./data/loader.ts";
export { classCounts, longTailCounts, longTailDataset } from "./data/long_tail.ts";
export type { ActivationOutput } from "./plugin/context.ts";
export type { LocateOptions } from "./data/locate.ts";
export type { SubsetOptions } from "./data/subset.ts";
export type { DownloadProgress, FetchLike } from "./data/download.ts";
// Text data: tokenizer, datasets (registry), encoder (data/text/).
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
} from "./data/text/mod.ts";
export {
  buildTextGcnGraph,
  getGraphDataset,
  type GraphData,
  type GraphDatasetLoader,
  type GraphLoadOptions,
  type GraphPrimaryMetric,
  karateGraph,
  listGraphDatasets,
  registerGraphDataset,
  SBM_DEFAULTS,
  sbmGraph,
  type SbmOptions,
  type TextGcnDoc,
  type TextGcnOptions,
} from "./data/graph/mod.ts";
export {
  type NpyArray,
  type NpyData,
  type NpyDtype,
  type NpzFile,
  openNpz,
  parseNpy,
  readNpy,
} from "./data/npy.ts";
export {
  compare,
  type CompareOptions,
  type CompareResult,
  runPlan,
  writeReport,
} from "./compare/run.ts";
export type {
  ArmSpec,
  CompareGrid,
  GridCell,
  GridSweep,
  GridTrainSettings,
} from "./compare/grid.ts";
export { type ComparePlan, makePlan, readPlan } from "./compare/plan.ts";
export type {
  ArmReport,
  CompareReport,
  CostReport,
  GroupReport,
  ReportOptions,
  SiteReport,
} from "./compare/report.ts";
export type { CellResult, Collected, SiteStats } from "./compare/collect.ts";
export {
  type Contrast,
  contrasts,
  type ContrastSpec,
  contrastSpecs,
  type GroupValues,
  parseContrast,
} from "./compare/contrast.ts";
export { minimumDetectableDifference, pairedPower, seedsNeeded } from "./compare/power.ts";
export type { CellStatus, RunCounts, Shard } from "./compare/shard.ts";
export {
  holmAdjust,
  type PairedDifference,
  pairedDifference,
  studentTQuantile,
  studentTTwoSidedP,
  summarize,
  type Summary,
  type Verdict,
} from "./compare/stats.ts";
export { COMPARE_PRESETS, type ComparePreset } from "./compare/presets.ts";
export { onednnCpuBackend, onednnOps } from "./backends/onednn/mod.ts";
export {
  tfjsCpuBackend,
  tfjsGpuBackend,
  tfjsNodeBackend,
  tfjsWasmBackend,
} from "./backends/tfjs/mod.ts";
