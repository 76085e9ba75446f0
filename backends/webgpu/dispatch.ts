/**
 * Dispatch sizing: the device limits kernels and dispatches plan around, and
 * the workgroup grid of a pass. A 1-D count above the per-axis limit folds
 * into 2-D (shaders recover the linear id with `WG_ID`, see wgsl.ts).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { KernelLimits } from "./kernel.ts";

/** Limits of one device: what kernels see, plus binding and grid sizes. */
export interface DeviceLimits extends KernelLimits {
  /** Largest buffer one storage binding may cover, in bytes. */
  readonly maxBinding: number;
  /** Largest workgroup count along one grid axis. */
  readonly maxPerDim: number;
}

/** The limits of `device` that planning depends on. */
export function deviceLimits(device: GPUDevice): DeviceLimits {
  const l = device.limits;
  return {
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxBinding: Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize),
    maxPerDim: l.maxComputeWorkgroupsPerDimension,
  };
}

/** The `[x, y, z]` grid of a pass of op `op` asking for `workgroups`. */
export function workgroupGrid(
  op: string,
  workgroups: number | readonly [number, number, number],
  maxPerDim: number,
): [number, number, number] {
  let wg: [number, number, number];
  if (typeof workgroups === "number") {
    const x = Math.min(workgroups, maxPerDim);
    const y = Math.ceil(workgroups / x);
    if (y > maxPerDim) {
      throw new ActlabError(
        `webgpu: the ${op} kernel needs ${workgroups} workgroups, more than ${maxPerDim}² on this device`,
        "use a smaller batch or layer",
      );
    }
    wg = [x, y, 1];
  } else {
    wg = [...workgroups];
    if (wg.some((d) => d > maxPerDim)) {
      throw new ActlabError(
        `webgpu: the ${op} kernel needs [${wg}] workgroups, over ${maxPerDim} on an axis`,
        "use a smaller batch or layer",
      );
    }
  }
  return wg.some((d) => d === 0) ? [0, 0, 0] : wg;
}
