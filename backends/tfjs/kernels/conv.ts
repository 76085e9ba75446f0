/**
 * tfjs kernels for conv2d and its two gradient ops, all as forward
 * convolutions (TF.js convolves NHWC tensors with [kh, kw, in, out] filters):
 *
 * - `conv2d`: the NCHW input transposed to NHWC, one conv per channel group.
 * - `conv2d_input_grad`: a stride-1 conv of `dy` (with stride − 1 zeros
 *   spread between its rows/columns) with the spatially flipped filter,
 *   padded so the output has the input's size (uncovered trailing rows come
 *   out zero). TF.js's own `conv2dTranspose` is ~10× slower on WASM.
 * - `conv2d_filter_grad`: a conv over transposed tensors — the input with
 *   channels as batch and batch as channels, `dy` as the filter — with the
 *   conv's stride and dilation swapped. The WASM backend has no
 *   `Conv2DBackpropFilter`.
 *
 * Groups (depthwise included) run one conv per group; TF.js requires stride
 * or dilation to be 1, so when both are not the filter is dilated with zeros.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { type Conv2dGeometry, conv2dGeometry } from "../../../core/ops/conv.ts";
import { registerTfKernel, type T } from "../kernel.ts";
import type { TfModule } from "../loader.ts";
import { spread } from "./indexing.ts";

type Pads = [number, number, number, number]; // top, left, bottom, right

/**
 * NHWC conv of `x` with filter `f` [kh, kw, in, out]; explicit pads may be
 * negative (cropping).
 */
function conv(
  tf: TfModule,
  x: T,
  f: T,
  stride: [number, number],
  dilation: [number, number],
  pads: Pads,
): T {
  let [pt, pl, pb, pr] = pads;
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) {
    const [n, h, w, c] = x.shape;
    const ct = Math.max(0, -pt), cl = Math.max(0, -pl);
    const cb = Math.max(0, -pb), cr = Math.max(0, -pr);
    x = tf.slice(x, [0, ct, cl, 0], [n, h - ct - cb, w - cl - cr, c]);
    [pt, pl, pb, pr] = [pt + ct, pl + cl, pb + cb, pr + cr];
  }
  let d = dilation;
  if ((stride[0] > 1 || stride[1] > 1) && (d[0] > 1 || d[1] > 1)) {
    f = spread(tf, spread(tf, f, 0, d[0]), 1, d[1]);
    d = [1, 1];
  }
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [pt, pb],
    [pl, pr],
    [0, 0],
  ];
  return tf.conv2d(x as never, f as never, stride, pad, "NHWC", d);
}

function groupSlice(tf: TfModule, t: T, axis: number, g: number, size: number): T {
  const begin = t.shape.map((_, ax) => (ax === axis ? g * size : 0));
  const extent = t.shape.map((d, ax) => (ax === axis ? size : d));
  return tf.slice(t, begin, extent);
}

function perGroup(tf: TfModule, groups: number, axis: number, f: (g: number) => T): T {
  if (groups === 1) return f(0);
  return tf.concat(Array.from({ length: groups }, (_, g) => f(g)), axis);
}

const NHWC = [0, 2, 3, 1];
const NCHW = [0, 3, 1, 2];

function geometry(
  op: "conv2d" | "conv2d_input_grad" | "conv2d_filter_grad",
  node: Node,
  x: readonly number[],
  w: readonly number[],
) {
  return conv2dGeometry(op, x, w, attrsOf(node, op));
}

registerTfKernel("conv2d", ({ tf }, node, [xn, wn]) => {
  const g: Conv2dGeometry = geometry("conv2d", node, xn.shape, wn.shape);
  return ([x, w]) => {
    const xh = tf.transpose(x, NHWC);
    const y = perGroup(tf, g.groups, 3, (k) => {
      const f = tf.transpose(groupSlice(tf, w, 0, k, g.coutG), [2, 3, 1, 0]);
      return conv(tf, groupSlice(tf, xh, 3, k, g.cinG), f, [g.sh, g.sw], [g.dh, g.dw], [
        g.pt,
        g.pl,
        g.pb,
        g.pr,
      ]);
    });
    return tf.transpose(y, NCHW);
  };
});

registerTfKernel("conv2d_input_grad", ({ tf }, node, [, wn]) => {
  const xs = node.shape;
  const g = geometry("conv2d_input_grad", node, xs, wn.shape);
  const ekh = g.dh * (g.kh - 1) + 1, ekw = g.dw * (g.kw - 1) + 1;
  const pads: Pads = [
    ekh - 1 - g.pt,
    ekw - 1 - g.pl,
    g.h + g.pt - (g.ho - 1) * g.sh - 1,
    g.w + g.pl - (g.wo - 1) * g.sw - 1,
  ];
  return ([dy, w]) => {
    const d = spread(tf, spread(tf, tf.transpose(dy, NHWC), 1, g.sh), 2, g.sw);
    const flipped = tf.reverse(w, [2, 3]);
    const y = perGroup(tf, g.groups, 3, (k) => {
      const f = tf.transpose(groupSlice(tf, flipped, 0, k, g.coutG), [2, 3, 0, 1]);
      return conv(tf, groupSlice(tf, d, 3, k, g.coutG), f, [1, 1], [g.dh, g.dw], pads);
    });
    return tf.transpose(y, NCHW);
  };
});

registerTfKernel("conv2d_filter_grad", ({ tf }, node, [xn]) => {
  const g = geometry("conv2d_filter_grad", node, xn.shape, node.shape);
  // Only the first kh×kw outputs are wanted: pad bottom/right just enough to reach them.
  const pads: Pads = [
    g.pt,
    g.pl,
    Math.max(0, (g.ho - 1) * g.sh + 1 + g.dh * (g.kh - 1) - g.h - g.pt),
    Math.max(0, (g.wo - 1) * g.sw + 1 + g.dw * (g.kw - 1) - g.w - g.pl),
  ];
  return ([x, dy]) => {
    const xt = tf.transpose(x, [1, 2, 3, 0]); // [Cin, H, W, N]: channels as batch
    const ft = tf.transpose(dy, [2, 3, 0, 1]); // [Ho, Wo, N, Cout]: dy as the filter
    return perGroup(tf, g.groups, 0, (k) => {
      const r = conv(
        tf,
        groupSlice(tf, xt, 0, k, g.cinG),
        groupSlice(tf, ft, 3, k, g.coutG),
        [g.dh, g.dw],
        [g.sh, g.sw],
        pads,
      );
      const cut = tf.slice(r, [0, 0, 0, 0], [g.cinG, g.kh, g.kw, g.coutG]);
      return tf.transpose(cut, [3, 0, 1, 2]);
    });
  };
});
