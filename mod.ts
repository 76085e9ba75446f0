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
export * from "./regularisers/mod.ts";
export * as nn from "./nn/mod.ts";
export * from "./models/mod.ts";
export { BuildContext } from "./nn/context.ts";
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
} from "./nn/context.ts";
export { Rng, rngFromSeed, type RngState } from "./core/rng.ts";
export type { ActivationFactory, RegulariserFactory } from "./nn/sites.ts";
export {
  exportOnnx,
  exportOnnxBytes,
  type ExportOptions,
  ortCpuBackend,
  ortCudaBackend,
} from "./backends/ort/mod.ts";
export {
  tfjsCpuBackend,
  tfjsGpuBackend,
  tfjsNodeBackend,
  tfjsWasmBackend,
} from "./backends/tfjs/mod.ts";
