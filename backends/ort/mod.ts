/**
 * The ONNX Runtime backends (`ort-cpu`, `ort-cuda`) and ONNX export.
 * @module
 */
export { ortCpuBackend, ortCudaBackend } from "./backend.ts";
export { exportOnnx, exportOnnxBytes, type ExportOptions } from "./export.ts";
