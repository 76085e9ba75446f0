/**
 * Host kernel for `layer_norm` (float32, no affine part), bit-identical with
 * the reference kernel (backends/reference/kernels/norm.ts): per row of the
 * trailing `numAxes` axes, a float64 mean, a second float64 pass for the
 * centred sum of squares, `rs = 1 / sqrt(ss / n + eps)` and
 * `(x − mu) · rs` — the same loops on monomorphic float32 arrays, four rows
 * at a time (their sums are independent add chains, which overlap), with the
 * centred values kept in float64 rows so the last pass reads them instead of
 * recomputing `x − mu`. Declines (to the reference kernel)
 * non-f32 and empty tensors.
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
    const d = new Float64Array(4 * n);
    return (out, [xd]) => {
      const o32 = out as Float32Array, x = xd as Float32Array;
      let base = 0;
      // Four rows at a time: their sums are independent add chains that overlap.
      for (; base + 4 * n <= total; base += 4 * n) {
        const b1 = base + n, b2 = b1 + n, b3 = b2 + n;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let i = 0; i < n; i++) {
          s0 += x[base + i];
          s1 += x[b1 + i];
          s2 += x[b2 + i];
          s3 += x[b3 + i];
        }
        const mu0 = s0 / n, mu1 = s1 / n, mu2 = s2 / n, mu3 = s3 / n;
        let ss0 = 0, ss1 = 0, ss2 = 0, ss3 = 0;
        for (let i = 0; i < n; i++) {
          const v0 = x[base + i] - mu0, v1 = x[b1 + i] - mu1;
          const v2 = x[b2 + i] - mu2, v3 = x[b3 + i] - mu3;
          d[i] = v0;
          d[n + i] = v1;
          d[2 * n + i] = v2;
          d[3 * n + i] = v3;
          ss0 += v0 * v0;
          ss1 += v1 * v1;
          ss2 += v2 * v2;
          ss3 += v3 * v3;
        }
        const r0 = 1 / Math.sqrt(ss0 / n + eps), r1 = 1 / Math.sqrt(ss1 / n + eps);
        const r2 = 1 / Math.sqrt(ss2 / n + eps), r3 = 1 / Math.sqrt(ss3 / n + eps);
        for (let i = 0; i < n; i++) {
          o32[base + i] = d[i] * r0;
          o32[b1 + i] = d[n + i] * r1;
          o32[b2 + i] = d[2 * n + i] * r2;
          o32[b3 + i] = d[3 * n + i] * r3;
        }
      }
      for (; base < total; base += n) {
        let s = 0;
        for (let i = 0; i < n; i++) s += x[base + i];
        const mu = s / n;
        let ss = 0;
        for (let i = 0; i < n; i++) {
          const v = x[base + i] - mu;
          d[i] = v;
          ss += v * v;
        }
        const rs = 1 / Math.sqrt(ss / n + eps);
        for (let i = 0; i < n; i++) o32[base + i] = d[i] * rs;
      }
    };
  },
};

for (const [op, k] of Object.entries(layerNormHostKernels)) registerHostKernel(op, k);
