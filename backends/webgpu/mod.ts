/**
 * The WebGPU backend: WGSL kernels for every catalogue op, buffers planned
 * once, one command submission and at most one readback per run.
 * @module
 */
export {
  createWebGpuBackend,
  currentWebGpuProvider,
  setWebGpuProvider,
  webgpuBackend,
  type WebGpuBackendOptions,
} from "./backend.ts";
export {
  acquireDevice,
  checkProvider,
  type GpuContext,
  openDevice,
  providerFix,
  WEBGPU_PROVIDERS,
  type WebGpuProvider,
} from "./device.ts";
export { HOST_OPS } from "./buffers.ts";
export { type WebGpuExecStats, WebGpuExecutable } from "./executable.ts";
export {
  type BufferRef,
  type CopyPass,
  DIAG,
  type DispatchPass,
  getGpuKernel,
  type GpuKernel,
  gpuKernelOps,
  inp,
  type KernelContext,
  type KernelLimits,
  type KernelPlan,
  OUT,
  type Pass,
  registerGpuKernel,
  scratch,
} from "./kernel.ts";
