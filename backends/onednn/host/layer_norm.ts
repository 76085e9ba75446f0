/**
 * Host kernel for `layer_norm` (float32, no affine part), bit-identical with
 * the reference kernel (backends/reference/kernels/norm.ts): per row of the
 * trailing `numAxes` axes, a float64 mean, a second float64 pass for the
 * centred sum of squares, `rs = 1 / sqrt(ss / n + eps)` and
 * `(x − mu) · rs` — the reference's loops on monomorphic float32 arrays.
 * (Measured: running four rows at a time, or keeping `x − mu` in a float64
 * row, gained nothing here; the plain loops are the fastest tried.)
 * Declines (to the reference kernel) non-f32 and empty tensors.
 * @module
 */
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { type HostKernel, registerHostKernel } from "../kernel.ts";

/** The host kernels of this file by op (registered below; tests call them directly). */
export const layerNormHostKernels: Readonly<Record<string, HostKernel>> = {
  layer_norm: (node): KernelRun | null => {
    if (node.dtype !== "f32" || sizeOf(node.shape) === 0) return null;
    const { numAxes, eps } = attrsOf(node, "layer_norm");
    const n = node.shape.slice(node.shape.length - numAxes).reduce((p, d) => p * d, 1);
    const total = sizeOf(node.shape);
    return (out, [xd]) => {
      const o32 = out as Float32Array, x = xd as Float32Array;
      for (let base = 0; base < total; base += n) {
        const end = base + n;
        let s = 0;
        for (let i = base; i < end; i++) s += x[i];
        const mu = s / n;
        let ss = 0;
        for (let i = base; i < end; i++) {
          const d = x[i] - mu;
          ss += d * d;
        }
        const rs = 1 / Math.sqrt(ss / n + eps);
        for (let i = base; i < end; i++) o32[i] = (x[i] - mu) * rs;
      }
    };
  },
};

for (const [op, k] of Object.entries(layerNormHostKernels)) registerHostKernel(op, k);
