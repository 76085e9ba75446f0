/**
 * The TensorFlow.js backends (`tfjs-gpu`, `tfjs-node`, `tfjs-wasm`,
 * `tfjs-cpu`): the step graph executed op by op with TF.js kernels.
 * @module
 */
export { tfjsCpuBackend, tfjsGpuBackend, tfjsNodeBackend, tfjsWasmBackend } from "./backend.ts";
export { TfjsExecutable } from "./executable.ts";
export {
  getTfKernel,
  registerTfKernel,
  type TfKernel,
  type TfKernelContext,
  tfKernelOps,
  type TfKernelRun,
} from "./kernel.ts";
export { loadTfjs, type TfjsFlavour, type TfjsLoad, type TfModule } from "./loader.ts";
