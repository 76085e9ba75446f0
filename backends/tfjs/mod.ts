/**
 * The TensorFlow.js backends (`tfjs-gpu`, `tfjs-node`, `tfjs-wasm`,
 * `tfjs-cpu`): the step graph executed op by op with TF.js kernels. This door
 * is light: TF.js itself, the executable and the kernel table are in
 * `runtime.ts`, which the backends load on first use.
 * @module
 */
export {
  tfjsCpuBackend,
  type TfjsFlavour,
  tfjsGpuBackend,
  tfjsNodeBackend,
  tfjsWasmBackend,
} from "./backend.ts";
