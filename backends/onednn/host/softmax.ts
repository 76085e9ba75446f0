/**
 * Host kernels for `softmax` and `log_softmax` (float32), bit-identical with
 * the reference kernels (backends/reference/kernels/norm.ts): per row the
 * maximum (a NaN wins; an all −∞ row subtracts 0), a float64 sum of
 * `Math.exp(x − m)` in ascending order, then `exp(x − m) / s` or
 * `x − (m + log s)`. Over the last axis a row is contiguous and its
 * exponentials are kept in a float64 row, so each is computed once (the same
 * `Math.exp` of the same argument, hence the same bits as the reference's
 * second call). Over another axis the kernel walks each [n, inner] block
 * row by row with a row of `inner` maxima and sums, so every column keeps the
 * reference's order. Declines (to the reference kernel) non-f32 and empty
 * tensors.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { type HostKernel, registerHostKernel } from "../kernel.ts";

/** Softmax over contiguous rows of length n. */
function lastAxis(log: boolean, rows: number, n: number): KernelRun {
  const ex = new Float64Array(n);
  return (out, [xd]) => {
    const o32 = out as Float32Array, x = xd as Float32Array;
    for (let base = 0; base < rows * n; base += n) {
      let m = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = x[base + i];
        if (v > m || v !== v) m = v;
      }
      if (m === -Infinity) m = 0;
      let s = 0;
      if (log) {
        for (let i = 0; i < n; i++) s += Math.exp(x[base + i] - m);
        const ls = m + Math.log(s);
        for (let i = 0; i < n; i++) o32[base + i] = x[base + i] - ls;
      } else {
        for (let i = 0; i < n; i++) {
          const e = Math.exp(x[base + i] - m);
          ex[i] = e;
          s += e;
        }
        for (let i = 0; i < n; i++) o32[base + i] = ex[i] / s;
      }
    }
  };
}

/** Softmax over a strided axis: [outer, n, inner] blocks walked row by row. */
function strided(log: boolean, outer: number, n: number, inner: number): KernelRun {
  const mrow = new Float64Array(inner), srow = new Float64Array(inner);
  return (out, [xd]) => {
    const o32 = out as Float32Array, x = xd as Float32Array;
    const block = n * inner;
    for (let base = 0; base < outer * block; base += block) {
      mrow.fill(-Infinity);
      srow.fill(0);
      for (let row = base; row < base + block; row += inner) {
        for (let k = 0; k < inner; k++) {
          const v = x[row + k];
          if (v > mrow[k] || v !== v) mrow[k] = v;
        }
      }
      for (let k = 0; k < inner; k++) if (mrow[k] === -Infinity) mrow[k] = 0;
      for (let row = base; row < base + block; row += inner) {
        for (let k = 0; k < inner; k++) srow[k] += Math.exp(x[row + k] - mrow[k]);
      }
      if (log) {
        for (let k = 0; k < inner; k++) srow[k] = mrow[k] + Math.log(srow[k]);
        for (let row = base; row < base + block; row += inner) {
          for (let k = 0; k < inner; k++) o32[row + k] = x[row + k] - srow[k];
        }
      } else {
        for (let row = base; row < base + block; row += inner) {
          for (let k = 0; k < inner; k++) o32[row + k] = Math.exp(x[row + k] - mrow[k]) / srow[k];
        }
      }
    }
  };
}

function softmaxKernel(log: boolean) {
  return (node: Node): KernelRun | null => {
    if (node.dtype !== "f32" || sizeOf(node.shape) === 0) return null;
    const { axis } = attrsOf(node, ["softmax", "log_softmax"]);
    const n = node.shape[axis];
    const outer = node.shape.slice(0, axis).reduce((p, d) => p * d, 1);
    const inner = node.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
    return inner === 1 ? lastAxis(log, outer, n) : strided(log, outer, n, inner);
  };
}

/** The host kernels of this file by op (registered below; tests call them directly). */
export const softmaxHostKernels: Readonly<Record<string, HostKernel>> = {
  softmax: softmaxKernel(false),
  log_softmax: softmaxKernel(true),
};

for (const [op, k] of Object.entries(softmaxHostKernels)) registerHostKernel(op, k);
