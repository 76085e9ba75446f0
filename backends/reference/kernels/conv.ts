/**
 * Reference kernels for conv2d and its two gradients, as im2col + GEMM per
 * batch image and channel group:
 *
 * - forward:      y_g[Cout/g, P] = W_g[Cout/g, K] · col(x_g)[K, P]
 * - input grad:   dx_g = col2im(W_gᵀ[K, Cout/g] · dy_g[Cout/g, P])
 * - filter grad:  dW_g[Cout/g, K] = Σ_n dy_g[Cout/g, P] · col(x_g)ᵀ[P, K]
 *
 * with K = (Cin/g)·kh·kw and P = Ho·Wo. The gather table of col (one input
 * offset per col entry, −1 for padding) depends only on the geometry, so it
 * is built at prepare time and shared by the three ops of one layer.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import type { TensorData } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { type Conv2dGeometry, conv2dGeometry } from "../../../core/ops/conv.ts";
import { registerKernel } from "../kernel.ts";
import { type FloatArray, gemm } from "./gemm.ts";

/** Geometry key → col gather table; bounded so long sessions do not hoard memory. */
const tables = new Map<string, Int32Array>();
const MAX_TABLES = 64;

/**
 * For col entry (k, p) with k = (c·kh + i)·kw + j and p = oh·Wo + ow: the
 * offset of x[c, oh·sh − pt + i·dh, ow·sw − pl + j·dw] inside one group's
 * [Cin/g, H, W] block, or −1 where that lands in the padding.
 */
function colTable(g: Conv2dGeometry): Int32Array {
  const key = [g.cinG, g.h, g.w, g.kh, g.kw, g.ho, g.wo, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl].join();
  const hit = tables.get(key);
  if (hit) return hit;
  const P = g.ho * g.wo;
  const t = new Int32Array(g.cinG * g.kh * g.kw * P);
  let at = 0;
  for (let c = 0; c < g.cinG; c++) {
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++) {
        for (let oh = 0; oh < g.ho; oh++) {
          const ih = oh * g.sh - g.pt + i * g.dh;
          const rowOk = ih >= 0 && ih < g.h;
          const rowOff = (c * g.h + ih) * g.w;
          for (let ow = 0; ow < g.wo; ow++) {
            const iw = ow * g.sw - g.pl + j * g.dw;
            t[at++] = rowOk && iw >= 0 && iw < g.w ? rowOff + iw : -1;
          }
        }
      }
    }
  }
  if (tables.size >= MAX_TABLES) tables.clear();
  tables.set(key, t);
  return t;
}

/** Scratch shared by every conv kernel (kernels run one at a time). */
let colScratch = new Float64Array(0);
let accScratch = new Float64Array(0);

function colBuffer(n: number): Float64Array {
  if (colScratch.length < n) colScratch = new Float64Array(n);
  return colScratch;
}

function accBuffer(n: number): Float64Array {
  if (accScratch.length < n) accScratch = new Float64Array(n);
  return accScratch;
}

function im2col(table: Int32Array, x: TensorData, base: number, col: Float64Array): void {
  for (let t = 0; t < table.length; t++) {
    const s = table[t];
    col[t] = s < 0 ? 0 : x[base + s];
  }
}

registerKernel("conv2d", (node: Node, [xn, wn]: readonly Node[]) => {
  const g = conv2dGeometry("conv2d", xn.shape, wn.shape, attrsOf(node, "conv2d"));
  const table = colTable(g);
  const K = g.cinG * g.kh * g.kw;
  const P = g.ho * g.wo;
  const groupIn = g.cinG * g.h * g.w;
  return (out, [x, w]) => {
    const col = colBuffer(K * P);
    for (let n = 0; n < g.n; n++) {
      for (let grp = 0; grp < g.groups; grp++) {
        im2col(table, x, (n * g.groups + grp) * groupIn, col);
        const yOff = (n * g.cout + grp * g.coutG) * P;
        gemm(
          g.coutG,
          P,
          K,
          w as FloatArray,
          grp * g.coutG * K,
          false,
          col,
          0,
          false,
          out as FloatArray,
          yOff,
          false,
        );
      }
    }
  };
});

registerKernel("conv2d_input_grad", (node: Node, [, wn]: readonly Node[]) => {
  const a = attrsOf(node, "conv2d_input_grad");
  const g = conv2dGeometry("conv2d_input_grad", a.inputShape, wn.shape, a);
  const table = colTable(g);
  const K = g.cinG * g.kh * g.kw;
  const P = g.ho * g.wo;
  const groupIn = g.cinG * g.h * g.w;
  return (out, [dy, w]) => {
    const col = colBuffer(K * P);
    // col2im sums overlapping windows in float64, then rounds once.
    const acc = accBuffer(groupIn);
    for (let n = 0; n < g.n; n++) {
      for (let grp = 0; grp < g.groups; grp++) {
        const dyOff = (n * g.cout + grp * g.coutG) * P;
        gemm(
          K,
          P,
          g.coutG,
          w as FloatArray,
          grp * g.coutG * K,
          true,
          dy as FloatArray,
          dyOff,
          false,
          col,
          0,
          false,
        );
        acc.fill(0, 0, groupIn);
        for (let t = 0; t < table.length; t++) {
          const s = table[t];
          if (s >= 0) acc[s] += col[t];
        }
        const base = (n * g.groups + grp) * groupIn;
        for (let i = 0; i < groupIn; i++) out[base + i] = acc[i];
      }
    }
  };
});

registerKernel("conv2d_filter_grad", (node: Node, [xn]: readonly Node[]) => {
  const a = attrsOf(node, "conv2d_filter_grad");
  const g = conv2dGeometry("conv2d_filter_grad", xn.shape, a.filterShape, a);
  const table = colTable(g);
  const K = g.cinG * g.kh * g.kw;
  const P = g.ho * g.wo;
  const groupIn = g.cinG * g.h * g.w;
  const size = g.cout * K;
  return (out, [x, dy]) => {
    const col = colBuffer(K * P);
    // Sum over the batch in float64; the output is rounded once at the end.
    const acc = accBuffer(size);
    acc.fill(0, 0, size);
    for (let n = 0; n < g.n; n++) {
      for (let grp = 0; grp < g.groups; grp++) {
        im2col(table, x, (n * g.groups + grp) * groupIn, col);
        const dyOff = (n * g.cout + grp * g.coutG) * P;
        gemm(
          g.coutG,
          K,
          P,
          dy as FloatArray,
          dyOff,
          false,
          col,
          0,
          true,
          acc,
          grp * g.coutG * K,
          true,
        );
      }
    }
    for (let i = 0; i < size; i++) out[i] = acc[i];
  };
});
