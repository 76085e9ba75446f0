/**
 * Host kernels for max/avg pooling and their gradient ops (float32),
 * bit-identical with the reference kernels
 * (backends/reference/kernels/pool.ts): a max window's row-major first
 * maximum with the first NaN winning; avg windows summed from 0 in row-major
 * order then divided by the (clipped or full) window size; gradients
 * scattered in output order, accumulated in float64 where windows overlap.
 * Windows are clipped bounds tabulated per output row and column; the 2×2
 * stride-2 unpadded window (the usual CNN pool) has its own unrolled loop.
 * Where windows cannot overlap (stride ≥ kernel on both axes) the gradients
 * write `out` directly: each input then takes at most one term, `0 + v`.
 * `max_pool2d_gather`/`_grad` first write each window's argmax into an
 * Int32 scratch of the output's size, then gather/scatter through it.
 * Declines (to the reference kernel) non-f32 tensors and empty ones.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { type Pool2dGeometry, pool2dGeometry } from "../../../core/ops/pool.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import {
  type Windows as ReferenceWindows,
  windows as referenceWindows,
} from "../../reference/kernels/pool.ts";
import { type HostKernel, registerHostKernel } from "../kernel.ts";

/** The reference's clipped windows and avg divisors, plus the fast-path flags. */
interface Windows extends ReferenceWindows {
  /** 2×2 windows, stride 2, no padding. */
  readonly k2s2: boolean;
  /** No two windows share an input element. */
  readonly disjoint: boolean;
}

function windows(g: Pool2dGeometry, countIncludePad: boolean): Windows {
  const k2s2 = g.kh === 2 && g.kw === 2 && g.sh === 2 && g.sw === 2 && g.ph === 0 && g.pw === 0;
  return {
    ...referenceWindows(g, countIncludePad),
    k2s2,
    disjoint: g.sh >= g.kh && g.sw >= g.kw,
  };
}

/** The geometry of a pooling node over an f32 input, or null to decline. */
function geometryOf(node: Node, shape: readonly number[], countIncludePad = false): Windows | null {
  if (node.dtype !== "f32" || sizeOf(node.shape) === 0 || sizeOf(shape) === 0) return null;
  const op = node.op as "max_pool2d" | "max_pool2d_gather" | "max_pool2d_grad" | "avg_pool2d";
  return windows(pool2dGeometry(op, shape, attrsOf(node, op)), countIncludePad);
}

/** out[o] = first maximum of each window (a NaN wins). */
function maxValues(w: Windows, out: Float32Array, x: Float32Array): void {
  const { g, hs, he, ws, we } = w;
  const { h, w: width, ho, wo } = g;
  const plane = h * width;
  let o = 0;
  for (let base = 0; base < g.n * g.c * plane; base += plane) {
    if (w.k2s2) {
      for (let oh = 0; oh < ho; oh++) {
        const r0 = base + 2 * oh * width, r1 = r0 + width;
        for (let ow = 0, j = 0; ow < wo; ow++, j += 2) {
          let bv = x[r0 + j];
          let v = x[r0 + j + 1];
          if (v > bv || (v !== v && bv === bv)) bv = v;
          v = x[r1 + j];
          if (v > bv || (v !== v && bv === bv)) bv = v;
          v = x[r1 + j + 1];
          if (v > bv || (v !== v && bv === bv)) bv = v;
          out[o++] = bv;
        }
      }
      continue;
    }
    for (let oh = 0; oh < ho; oh++) {
      const i0 = hs[oh], i1 = he[oh];
      for (let ow = 0; ow < wo; ow++) {
        const j0 = ws[ow], j1 = we[ow];
        let bv = x[base + i0 * width + j0];
        for (let row = base + i0 * width; row < base + i1 * width; row += width) {
          for (let j = j0; j < j1; j++) {
            const v = x[row + j];
            if (v > bv || (v !== v && bv === bv)) bv = v;
          }
        }
        out[o++] = bv;
      }
    }
  }
}

/** arg[o] = flat input index of each window's first maximum (a NaN wins). */
function maxArgs(w: Windows, arg: Int32Array, x: Float32Array): void {
  const { g, hs, he, ws, we } = w;
  const { h, w: width, ho, wo } = g;
  const plane = h * width;
  let o = 0;
  for (let base = 0; base < g.n * g.c * plane; base += plane) {
    if (w.k2s2) {
      for (let oh = 0; oh < ho; oh++) {
        const r0 = base + 2 * oh * width, r1 = r0 + width;
        for (let ow = 0, j = 0; ow < wo; ow++, j += 2) {
          let best = r0 + j;
          let bv = x[best];
          let v = x[r0 + j + 1];
          if (v > bv || (v !== v && bv === bv)) bv = v, best = r0 + j + 1;
          v = x[r1 + j];
          if (v > bv || (v !== v && bv === bv)) bv = v, best = r1 + j;
          v = x[r1 + j + 1];
          if (v > bv || (v !== v && bv === bv)) best = r1 + j + 1;
          arg[o++] = best;
        }
      }
      continue;
    }
    for (let oh = 0; oh < ho; oh++) {
      const i0 = hs[oh], i1 = he[oh];
      for (let ow = 0; ow < wo; ow++) {
        const j0 = ws[ow], j1 = we[ow];
        let best = base + i0 * width + j0;
        let bv = x[best];
        for (let row = base + i0 * width; row < base + i1 * width; row += width) {
          for (let j = j0; j < j1; j++) {
            const v = x[row + j];
            if (v > bv || (v !== v && bv === bv)) bv = v, best = row + j;
          }
        }
        arg[o++] = best;
      }
    }
  }
}

/** Float64 scatter scratch (kernels run one at a time). */
let accScratch = new Float64Array(0);

function accBuffer(n: number): Float64Array {
  if (accScratch.length < n) accScratch = new Float64Array(n);
  accScratch.fill(0, 0, n);
  return accScratch;
}

/** The host kernels of this file by op (registered below; tests call them directly). */
export const poolHostKernels: Readonly<Record<string, HostKernel>> = {
  max_pool2d: (node, [xn]): KernelRun | null => {
    const w = geometryOf(node, xn.shape);
    return w && ((out, [x]) => maxValues(w, out as Float32Array, x as Float32Array));
  },
  max_pool2d_gather: (node, [xn]): KernelRun | null => {
    const w = geometryOf(node, xn.shape);
    if (!w) return null;
    const arg = new Int32Array(sizeOf(node.shape));
    return (out, [x, v]) => {
      maxArgs(w, arg, x as Float32Array);
      const o32 = out as Float32Array, v32 = v as Float32Array;
      for (let o = 0; o < arg.length; o++) o32[o] = v32[arg[o]];
    };
  },
  max_pool2d_grad: (node, [xn, dyn]): KernelRun | null => {
    const w = geometryOf(node, xn.shape);
    if (!w || sizeOf(dyn.shape) === 0) return null;
    const arg = new Int32Array(sizeOf(dyn.shape));
    const size = sizeOf(node.shape);
    return (out, [x, dy]) => {
      maxArgs(w, arg, x as Float32Array);
      const o32 = out as Float32Array, d32 = dy as Float32Array;
      if (w.disjoint) {
        // Each input is the argmax of at most one window: 0 + dy (so −0 becomes +0 as in float64).
        o32.fill(0);
        for (let o = 0; o < arg.length; o++) o32[arg[o]] = 0 + d32[o];
        return;
      }
      const acc = accBuffer(size);
      for (let o = 0; o < arg.length; o++) acc[arg[o]] += d32[o];
      for (let i = 0; i < size; i++) o32[i] = acc[i];
    };
  },
  avg_pool2d: (node, [xn]): KernelRun | null => {
    const w = geometryOf(node, xn.shape, attrsOf(node, "avg_pool2d").countIncludePad);
    if (!w) return null;
    const { g, hs, he, ws, we, div } = w;
    const { h, w: width, ho, wo } = g;
    const plane = h * width;
    const total = g.n * g.c * plane;
    return (out, [xd]) => {
      const o32 = out as Float32Array, x = xd as Float32Array;
      let o = 0;
      for (let base = 0; base < total; base += plane) {
        if (w.k2s2) {
          for (let oh = 0; oh < ho; oh++) {
            const r0 = base + 2 * oh * width, r1 = r0 + width;
            for (let ow = 0, j = 0; ow < wo; ow++, j += 2) {
              o32[o++] = (0 + x[r0 + j] + x[r0 + j + 1] + x[r1 + j] + x[r1 + j + 1]) / 4;
            }
          }
          continue;
        }
        for (let oh = 0; oh < ho; oh++) {
          const i0 = hs[oh], i1 = he[oh];
          for (let ow = 0; ow < wo; ow++) {
            const j0 = ws[ow], j1 = we[ow];
            let s = 0;
            for (let row = base + i0 * width; row < base + i1 * width; row += width) {
              for (let j = j0; j < j1; j++) s += x[row + j];
            }
            o32[o++] = s / div[oh * wo + ow];
          }
        }
      }
    };
  },
  avg_pool2d_grad: (node, [dyn]): KernelRun | null => {
    const a = attrsOf(node, "avg_pool2d_grad");
    if (node.dtype !== "f32" || sizeOf(node.shape) === 0 || sizeOf(dyn.shape) === 0) return null;
    const w = windows(pool2dGeometry("avg_pool2d_grad", a.inputShape, a), a.countIncludePad);
    const { g, hs, he, ws, we, div } = w;
    const { h, w: width, ho, wo } = g;
    const plane = h * width;
    const size = g.n * g.c * plane;
    return (out, [dyd]) => {
      const o32 = out as Float32Array, dy = dyd as Float32Array;
      // Disjoint windows: each input takes at most one term (0 + v); otherwise float64 scatter.
      const acc = w.disjoint ? null : accBuffer(size);
      if (!acc) o32.fill(0);
      let o = 0;
      for (let base = 0; base < size; base += plane) {
        for (let oh = 0; oh < ho; oh++) {
          const i0 = hs[oh], i1 = he[oh];
          for (let ow = 0; ow < wo; ow++) {
            const v = dy[o++] / div[oh * wo + ow];
            const j0 = ws[ow], j1 = we[ow];
            for (let row = base + i0 * width; row < base + i1 * width; row += width) {
              if (acc) { for (let j = j0; j < j1; j++) acc[row + j] += v; }
              else for (let j = j0; j < j1; j++) o32[row + j] = 0 + v;
            }
          }
        }
      }
      if (acc) { for (let i = 0; i < size; i++) o32[i] = acc[i]; }
    };
  },
};

for (const [op, k] of Object.entries(poolHostKernels)) registerHostKernel(op, k);
