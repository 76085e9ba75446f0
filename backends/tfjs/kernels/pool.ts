/**
 * tfjs kernels for max/avg pooling and their gradient ops, built from the
 * kh·kw strided "patches" of the padded input (patch (i, j) holds, for every
 * output pixel, the window element at row i, column j). This pins the
 * catalogue's tie rule — a max-pool window's gradient goes to its *first*
 * maximum in row-major order — which TF.js's `MaxPoolGrad` does not follow
 * (on WASM it picks the first element of an all-negative window), and the
 * three max-pool ops share one first-argmax mask so they always agree.
 * @module
 */
import {
  type AvgPool2dAttrs,
  type AvgPool2dGradAttrs,
  type Pool2dAttrs,
  type Pool2dGeometry,
  pool2dGeometry,
} from "../../../core/ops/pool.ts";
import { registerTfKernel, type T } from "../kernel.ts";
import type { TfModule } from "../loader.ts";
import { spread } from "./indexing.ts";

/** Pad the spatial axes of an NCHW tensor by the pooling padding, with `value`. */
function padded(tf: TfModule, x: T, g: Pool2dGeometry, value: number): T {
  if (g.ph === 0 && g.pw === 0) return x;
  return tf.pad(x, [[0, 0], [0, 0], [g.ph, g.ph], [g.pw, g.pw]], value);
}

/** The kh·kw patches of a padded input, row-major over the window. */
function patches(tf: TfModule, xp: T, g: Pool2dGeometry): T[] {
  const out: T[] = [];
  const hs = (g.ho - 1) * g.sh + 1, ws = (g.wo - 1) * g.sw + 1;
  for (let i = 0; i < g.kh; i++) {
    for (let j = 0; j < g.kw; j++) {
      out.push(
        g.sh === 1 && g.sw === 1
          ? tf.slice(xp, [0, 0, i, j], [g.n, g.c, g.ho, g.wo])
          : tf.stridedSlice(xp, [0, 0, i, j], [g.n, g.c, i + hs, j + ws], [1, 1, g.sh, g.sw]),
      );
    }
  }
  return out;
}

/** For each patch, where it holds its window's first maximum (bool, pooled shape). */
function firstMaxMasks(tf: TfModule, x: T, g: Pool2dGeometry): T[] {
  const ps = patches(tf, padded(tf, x, g, -Infinity), g);
  const m = ps.reduce((a, b) => tf.maximum(a, b));
  let found: T | null = null;
  return ps.map((p) => {
    const eq = tf.equal(p, m);
    const hit = found ? tf.logicalAnd(eq, tf.logicalNot(found)) : eq;
    found = found ? tf.logicalOr(found, eq) : eq;
    return hit;
  });
}

/**
 * The adjoint of `patches`: each pooled-shape term added back at its window
 * offset (zeros spread between rows/columns by the stride), padding cropped.
 */
function unpatch(tf: TfModule, terms: readonly T[], g: Pool2dGeometry): T {
  const hp = g.h + 2 * g.ph, wp = g.w + 2 * g.pw;
  const hs = (g.ho - 1) * g.sh + 1, ws = (g.wo - 1) * g.sw + 1;
  const placed = terms.map((t, k) => {
    const i = Math.floor(k / g.kw), j = k % g.kw;
    const s = spread(tf, spread(tf, t, 2, g.sh), 3, g.sw);
    return tf.pad(s, [[0, 0], [0, 0], [i, hp - i - hs], [j, wp - j - ws]]);
  });
  const sum = placed.length === 1 ? placed[0] : tf.addN(placed);
  return tf.slice(sum, [0, 0, g.ph, g.pw], [g.n, g.c, g.h, g.w]);
}

/** Divisor per output pixel of an average pool: [ho, wo]. */
function divisor(g: Pool2dGeometry, countIncludePad: boolean): Float32Array {
  const d = new Float32Array(g.ho * g.wo);
  for (let oh = 0; oh < g.ho; oh++) {
    const h0 = oh * g.sh - g.ph;
    const rows = Math.min(h0 + g.kh, g.h) - Math.max(h0, 0);
    for (let ow = 0; ow < g.wo; ow++) {
      const w0 = ow * g.sw - g.pw;
      const cols = Math.min(w0 + g.kw, g.w) - Math.max(w0, 0);
      d[oh * g.wo + ow] = countIncludePad ? g.kh * g.kw : rows * cols;
    }
  }
  return d;
}

registerTfKernel("max_pool2d", ({ tf }, node, [xn]) => {
  const g = pool2dGeometry("max_pool2d", xn.shape, node.attrs as Pool2dAttrs);
  return ([x]) => patches(tf, padded(tf, x, g, -Infinity), g).reduce((a, b) => tf.maximum(a, b));
});

registerTfKernel("max_pool2d_gather", ({ tf }, node, [xn]) => {
  const g = pool2dGeometry("max_pool2d_gather", xn.shape, node.attrs as Pool2dAttrs);
  return ([x, v]) => {
    const masks = firstMaxMasks(tf, x, g);
    const vs = patches(tf, padded(tf, v, g, 0), g);
    const zero = tf.zerosLike(vs[0]);
    const picked = masks.map((m, k) => tf.where(m, vs[k], zero));
    return picked.length === 1 ? tf.clone(picked[0]) : tf.addN(picked);
  };
});

registerTfKernel("max_pool2d_grad", ({ tf }, node, [xn]) => {
  const g = pool2dGeometry("max_pool2d_grad", xn.shape, node.attrs as Pool2dAttrs);
  return ([x, dy]) => {
    const zero = tf.zerosLike(dy);
    return unpatch(tf, firstMaxMasks(tf, x, g).map((m) => tf.where(m, dy, zero)), g);
  };
});

registerTfKernel("avg_pool2d", ({ tf, keep }, node, [xn]) => {
  const a = node.attrs as AvgPool2dAttrs;
  const g = pool2dGeometry("avg_pool2d", xn.shape, a);
  const div = keep(tf.tensor(divisor(g, a.countIncludePad), [g.ho, g.wo]));
  return ([x]) => {
    const ps = patches(tf, padded(tf, x, g, 0), g);
    return tf.div(ps.length === 1 ? ps[0] : tf.addN(ps), div);
  };
});

registerTfKernel("avg_pool2d_grad", ({ tf, keep }, node) => {
  const a = node.attrs as AvgPool2dGradAttrs;
  const g = pool2dGeometry("avg_pool2d_grad", a.inputShape, a);
  const div = keep(tf.tensor(divisor(g, a.countIncludePad), [g.ho, g.wo]));
  return ([dy]) => {
    const share = tf.div(dy, div);
    return unpatch(tf, Array.from({ length: g.kh * g.kw }, () => share), g);
  };
});
