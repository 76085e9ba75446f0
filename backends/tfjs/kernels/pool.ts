/**
 * tfjs kernels for max/avg pooling and their gradient ops. Windows that tile
 * the input (kernel = stride, no padding: the common 2×2/2 pool) become a
 * trailing axis by reshape + transpose (first maximum via `argMax`); other
 * geometries are built from the
 * kh·kw strided "patches" of the padded input (patch (i, j) holds, for every
 * output pixel, the window element at row i, column j). This pins the
 * catalogue's tie rule — a max-pool window's gradient goes to its *first*
 * maximum in row-major order — which TF.js's `MaxPoolGrad` does not follow
 * (on WASM it picks the first element of an all-negative window), and the
 * three max-pool ops share one first-argmax mask so they always agree.
 * @module
 */
import { attrsOf } from "../../../core/ops/attrs.ts";
import { type Pool2dGeometry, pool2dGeometry } from "../../../core/ops/pool.ts";
import { registerTfKernel, type T } from "../kernel.ts";
import type { TfModule } from "../loader.ts";
import { spread } from "./indexing.ts";

/** Pad the spatial axes of an NCHW tensor by the pooling padding, with `value`. */
function padded(tf: TfModule, x: T, g: Pool2dGeometry, value: number): T {
  if (g.ph === 0 && g.pw === 0) return x;
  return tf.pad(x, [[0, 0], [0, 0], [g.ph, g.ph], [g.pw, g.pw]], value);
}

/**
 * Rows/columns of `xp` cropped or zero-padded (at the end) to `rows`×`cols`:
 * patches read whole stride blocks, which may reach past the padded input
 * (such positions are never read as window elements).
 */
function fitTo(tf: TfModule, xp: T, rows: number, cols: number, value: number): T {
  const [n, c, h, w] = xp.shape;
  const cropped = h > rows || w > cols
    ? tf.slice(xp, [0, 0, 0, 0], [n, c, Math.min(h, rows), Math.min(w, cols)])
    : xp;
  const [, , h2, w2] = cropped.shape;
  return h2 < rows || w2 < cols
    ? tf.pad(cropped, [[0, 0], [0, 0], [0, rows - h2], [0, cols - w2]], value)
    : cropped;
}

/**
 * The kh·kw patches of a padded input, row-major over the window. A strided
 * read is a reshape into stride blocks plus a plain slice (TF.js's
 * `stridedSlice` is ~10× slower than `slice` on WASM).
 */
function patches(tf: TfModule, xp: T, g: Pool2dGeometry, value: number): T[] {
  const bh = Math.floor((g.kh - 1) / g.sh) + g.ho, bw = Math.floor((g.kw - 1) / g.sw) + g.wo;
  const blocks = tf.reshape(fitTo(tf, xp, bh * g.sh, bw * g.sw, value), [
    g.n,
    g.c,
    bh,
    g.sh,
    bw,
    g.sw,
  ]);
  const out: T[] = [];
  for (let i = 0; i < g.kh; i++) {
    for (let j = 0; j < g.kw; j++) {
      const begin = [0, 0, Math.floor(i / g.sh), i % g.sh, Math.floor(j / g.sw), j % g.sw];
      const p = tf.slice(blocks, begin, [g.n, g.c, g.ho, 1, g.wo, 1]);
      out.push(tf.reshape(p, [g.n, g.c, g.ho, g.wo]));
    }
  }
  return out;
}

/** Whether the windows tile the input without overlap or padding (the common 2×2/2 pool). */
function tiles(g: Pool2dGeometry): boolean {
  return g.kh === g.sh && g.kw === g.sw && g.ph === 0 && g.pw === 0;
}

/** Tiling windows as a trailing axis: [n, c, ho, wo, kh·kw] (uncovered rows/cols dropped). */
function windowAxis(tf: TfModule, x: T, g: Pool2dGeometry): T {
  const cut = fitTo(tf, x, g.ho * g.kh, g.wo * g.kw, 0);
  const six = tf.reshape(cut, [g.n, g.c, g.ho, g.kh, g.wo, g.kw]);
  return tf.reshape(tf.transpose(six, [0, 1, 2, 4, 3, 5]), [g.n, g.c, g.ho, g.wo, g.kh * g.kw]);
}

/** The adjoint of `windowAxis`: [n, c, ho, wo, kh·kw] back to [n, c, h, w] (zeros elsewhere). */
function unwindowAxis(tf: TfModule, t: T, g: Pool2dGeometry): T {
  const six = tf.reshape(t, [g.n, g.c, g.ho, g.wo, g.kh, g.kw]);
  const img = tf.reshape(tf.transpose(six, [0, 1, 2, 4, 3, 5]), [
    g.n,
    g.c,
    g.ho * g.kh,
    g.wo * g.kw,
  ]);
  return fitTo(tf, img, g.h, g.w, 0);
}

/**
 * First-maximum one-hot mask over the tiling windows, f32 [n, c, ho, wo, K].
 * `argMax` returns the first index of the maximum on both kernel sets
 * (pinned by tests/tfjs_backend_test.ts).
 */
function tiledMask(tf: TfModule, x: T, g: Pool2dGeometry): T {
  return tf.cast(tf.oneHot(tf.argMax(windowAxis(tf, x, g), -1), g.kh * g.kw), "float32");
}

/** For each patch, where it holds its window's first maximum (bool, pooled shape). */
function firstMaxMasks(tf: TfModule, x: T, g: Pool2dGeometry): T[] {
  const ps = patches(tf, padded(tf, x, g, -Infinity), g, -Infinity);
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
  const g = pool2dGeometry("max_pool2d", xn.shape, attrsOf(node, "max_pool2d"));
  if (tiles(g)) return ([x]) => tf.max(windowAxis(tf, x, g), -1);
  return ([x]) =>
    patches(tf, padded(tf, x, g, -Infinity), g, -Infinity).reduce((a, b) => tf.maximum(a, b));
});

registerTfKernel("max_pool2d_gather", ({ tf }, node, [xn]) => {
  const g = pool2dGeometry("max_pool2d_gather", xn.shape, attrsOf(node, "max_pool2d_gather"));
  if (tiles(g)) {
    return ([x, v]) => tf.sum(tf.mul(tiledMask(tf, x, g), windowAxis(tf, v, g)), -1);
  }
  return ([x, v]) => {
    const masks = firstMaxMasks(tf, x, g);
    const vs = patches(tf, padded(tf, v, g, 0), g, 0);
    const zero = tf.zerosLike(vs[0]);
    const picked = masks.map((m, k) => tf.where(m, vs[k], zero));
    return picked.length === 1 ? tf.clone(picked[0]) : tf.addN(picked);
  };
});

registerTfKernel("max_pool2d_grad", ({ tf }, node, [xn]) => {
  const g = pool2dGeometry("max_pool2d_grad", xn.shape, attrsOf(node, "max_pool2d_grad"));
  if (tiles(g)) {
    return ([x, dy]) =>
      unwindowAxis(tf, tf.mul(tiledMask(tf, x, g), tf.reshape(dy, [...dy.shape, 1])), g);
  }
  return ([x, dy]) => {
    const zero = tf.zerosLike(dy);
    return unpatch(tf, firstMaxMasks(tf, x, g).map((m) => tf.where(m, dy, zero)), g);
  };
});

registerTfKernel("avg_pool2d", ({ tf, keep }, node, [xn]) => {
  const a = attrsOf(node, "avg_pool2d");
  const g = pool2dGeometry("avg_pool2d", xn.shape, a);
  if (tiles(g)) return ([x]) => tf.mean(windowAxis(tf, x, g), -1);
  const div = keep(tf.tensor(divisor(g, a.countIncludePad), [g.ho, g.wo]));
  return ([x]) => {
    const ps = patches(tf, padded(tf, x, g, 0), g, 0);
    return tf.div(ps.length === 1 ? ps[0] : tf.addN(ps), div);
  };
});

registerTfKernel("avg_pool2d_grad", ({ tf, keep }, node) => {
  const a = attrsOf(node, "avg_pool2d_grad");
  const g = pool2dGeometry("avg_pool2d_grad", a.inputShape, a);
  if (tiles(g)) {
    const spreadK = keep(tf.fill([g.kh * g.kw], 1 / (g.kh * g.kw)));
    return ([dy]) => unwindowAxis(tf, tf.mul(tf.reshape(dy, [...dy.shape, 1]), spreadK), g);
  }
  const div = keep(tf.tensor(divisor(g, a.countIncludePad), [g.ho, g.wo]));
  return ([dy]) => {
    const share = tf.div(dy, div);
    return unpatch(tf, Array.from({ length: g.kh * g.kw }, () => share), g);
  };
});
