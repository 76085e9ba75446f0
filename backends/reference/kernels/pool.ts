/**
 * Reference kernels for max/avg pooling and their gradient ops: direct
 * loops over windows whose clipped bounds are tabulated at prepare time.
 * The three max-pool kernels share one argmax scan so they always agree on
 * which element a window selects.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import type { TensorData } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { type Pool2dGeometry, pool2dGeometry } from "../../../core/ops/pool.ts";
import { registerKernel } from "../kernel.ts";

/** Clipped window bounds per output row/column, and the avg-pool divisor per output pixel. */
export interface Windows {
  readonly g: Pool2dGeometry;
  readonly hs: Int32Array;
  readonly he: Int32Array;
  readonly ws: Int32Array;
  readonly we: Int32Array;
  readonly div: Float64Array;
}

/** The windows of `g` (shared with onednn-cpu's host pooling kernels, which must agree). */
export function windows(g: Pool2dGeometry, countIncludePad: boolean): Windows {
  const hs = new Int32Array(g.ho), he = new Int32Array(g.ho);
  const ws = new Int32Array(g.wo), we = new Int32Array(g.wo);
  for (let o = 0; o < g.ho; o++) {
    const s = o * g.sh - g.ph;
    hs[o] = Math.max(s, 0);
    he[o] = Math.min(s + g.kh, g.h);
  }
  for (let o = 0; o < g.wo; o++) {
    const s = o * g.sw - g.pw;
    ws[o] = Math.max(s, 0);
    we[o] = Math.min(s + g.kw, g.w);
  }
  const div = new Float64Array(g.ho * g.wo);
  for (let oh = 0; oh < g.ho; oh++) {
    for (let ow = 0; ow < g.wo; ow++) {
      div[oh * g.wo + ow] = countIncludePad ? g.kh * g.kw : (he[oh] - hs[oh]) * (we[ow] - ws[ow]);
    }
  }
  return { g, hs, he, ws, we, div };
}

/**
 * Flat index of the first maximum (row-major) of x[base + i·W + j] over the
 * window; a NaN wins over numbers so that NaNs propagate like in `max`.
 */
function argmax(
  x: TensorData,
  base: number,
  hs: number,
  he: number,
  ws: number,
  we: number,
  width: number,
): number {
  let best = base + hs * width + ws;
  let bv = x[best];
  for (let i = hs; i < he; i++) {
    const row = base + i * width;
    for (let j = ws; j < we; j++) {
      const v = x[row + j];
      if (v > bv || (v !== v && bv === bv)) {
        bv = v;
        best = row + j;
      }
    }
  }
  return best;
}

/** Calls `f(outIndex, argmaxIndex)` for every output element of a max pool over `x`. */
function forEachArgmax(w: Windows, x: TensorData, f: (o: number, a: number) => void): void {
  const { g, hs, he, ws, we } = w;
  const plane = g.h * g.w;
  let o = 0;
  for (let nc = 0; nc < g.n * g.c; nc++) {
    const base = nc * plane;
    for (let oh = 0; oh < g.ho; oh++) {
      for (let ow = 0; ow < g.wo; ow++) {
        f(o++, argmax(x, base, hs[oh], he[oh], ws[ow], we[ow], g.w));
      }
    }
  }
}

/** Scratch for float64 scatter-accumulation (kernels run one at a time). */
let accScratch = new Float64Array(0);

function accBuffer(n: number): Float64Array {
  if (accScratch.length < n) accScratch = new Float64Array(n);
  accScratch.fill(0, 0, n);
  return accScratch;
}

registerKernel("max_pool2d", (node: Node, [xn]: readonly Node[]) => {
  const w = windows(pool2dGeometry("max_pool2d", xn.shape, attrsOf(node, "max_pool2d")), false);
  return (out, [x]) => forEachArgmax(w, x, (o, a) => (out[o] = x[a]));
});

registerKernel("max_pool2d_gather", (node: Node, [xn]: readonly Node[]) => {
  const a = attrsOf(node, "max_pool2d_gather");
  const w = windows(pool2dGeometry("max_pool2d_gather", xn.shape, a), false);
  return (out, [x, v]) => forEachArgmax(w, x, (o, i) => (out[o] = v[i]));
});

registerKernel("max_pool2d_grad", (node: Node, [xn]: readonly Node[]) => {
  const a = attrsOf(node, "max_pool2d_grad");
  const w = windows(pool2dGeometry("max_pool2d_grad", xn.shape, a), false);
  const size = node.shape.reduce((p, d) => p * d, 1);
  return (out, [x, dy]) => {
    const acc = accBuffer(size);
    forEachArgmax(w, x, (o, i) => (acc[i] += dy[o]));
    for (let i = 0; i < size; i++) out[i] = acc[i];
  };
});

registerKernel("avg_pool2d", (node: Node, [xn]: readonly Node[]) => {
  const a = attrsOf(node, "avg_pool2d");
  const { g, hs, he, ws, we, div } = windows(
    pool2dGeometry("avg_pool2d", xn.shape, a),
    a.countIncludePad,
  );
  const plane = g.h * g.w;
  return (out, [x]) => {
    let o = 0;
    for (let nc = 0; nc < g.n * g.c; nc++) {
      const base = nc * plane;
      for (let oh = 0; oh < g.ho; oh++) {
        for (let ow = 0; ow < g.wo; ow++) {
          let s = 0;
          for (let i = hs[oh]; i < he[oh]; i++) {
            const row = base + i * g.w;
            for (let j = ws[ow]; j < we[ow]; j++) s += x[row + j];
          }
          out[o++] = s / div[oh * g.wo + ow];
        }
      }
    }
  };
});

registerKernel("avg_pool2d_grad", (node: Node) => {
  const a = attrsOf(node, "avg_pool2d_grad");
  const { g, hs, he, ws, we, div } = windows(
    pool2dGeometry("avg_pool2d_grad", a.inputShape, a),
    a.countIncludePad,
  );
  const plane = g.h * g.w;
  const size = g.n * g.c * plane;
  return (out, [dy]) => {
    const acc = accBuffer(size);
    let o = 0;
    for (let nc = 0; nc < g.n * g.c; nc++) {
      const base = nc * plane;
      for (let oh = 0; oh < g.ho; oh++) {
        for (let ow = 0; ow < g.wo; ow++) {
          const v = dy[o++] / div[oh * g.wo + ow];
          for (let i = hs[oh]; i < he[oh]; i++) {
            const row = base + i * g.w;
            for (let j = ws[ow]; j < we[ow]; j++) acc[row + j] += v;
          }
        }
      }
    }
    for (let i = 0; i < size; i++) out[i] = acc[i];
  };
});
