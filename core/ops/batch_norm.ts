/**
 * Batch normalisation's training-phase core as composite ops (core/expand.ts),
 * over every axis of `[B, C, ...]` but the channel axis 1:
 * - `batch_moments(x)` → `[2, C]`: each channel's mean (row 0) and biased
 *   variance (row 1). A statistic with no gradient of its own: it feeds the
 *   running averages (never differentiated) and `batch_norm`, whose VJP
 *   already carries the statistics' dependence on x.
 * - `batch_norm(x, moments)` → `(x − mean) / sqrt(var + eps)`, where
 *   `moments` must be `batch_moments(x)` of the same x (the builder checks):
 *   its VJP with respect to x is the full training-mode gradient,
 *   `batch_norm_grad`, and none flows to `moments`.
 * - `batch_norm_grad(x, moments, y, g)` → `r · (g − mean(g) − y · mean(g·y))`
 *   with `r = 1/sqrt(var + eps)` and means over the normalised axes (the same
 *   formula as layer norm's, over other axes); not differentiable again.
 * onednn-cpu runs the three on oneDNN's batch normalisation primitives
 * (forward training, forward with given statistics, backward); every other
 * backend runs their decompositions below — the forward ones are exactly
 * the ops nn/batch_norm.ts built before, so forward values are unchanged.
 * The affine scale and shift stay outside (nn/batch_norm.ts).
 * @module
 */
import { ActlabError } from "../errors.ts";
import type { Attrs, AttrValue, Tensor } from "../graph.ts";
import { attrError, defineOp, type TensorInfo } from "../op_def.ts";
import { fmtShape } from "../shape.ts";
import { add, mul, rsqrt, square, sub } from "./elementwise.ts";
import { concat, slice } from "./indexing.ts";
import { reshape } from "./movement.ts";
import { mean } from "./reduce.ts";

/** Attributes of `batch_norm` and `batch_norm_grad`. */
export interface BatchNormAttrs extends Attrs {
  /** Added to the variance before the square root. */
  readonly eps: number;
}

function checkInput(op: string, x: TensorInfo): void {
  if (x.dtype !== "f32" || x.shape.length < 2) {
    attrError(
      op,
      `needs an f32 input [B, C, ...], got ${x.dtype}${fmtShape(x.shape)}`,
      "pass a float tensor with a batch and a channel axis",
    );
  }
  if (x.shape.some((d) => d === 0)) {
    attrError(op, `cannot normalise an empty tensor ${fmtShape(x.shape)}`, "pass a non-empty one");
  }
}

function checkMoments(op: string, x: TensorInfo, m: TensorInfo): void {
  const c = x.shape[1];
  if (m.dtype !== "f32" || fmtShape(m.shape) !== fmtShape([2, c])) {
    attrError(
      op,
      `moments must be f32[2, ${c}] for input ${fmtShape(x.shape)}, got ${m.dtype}${
        fmtShape(m.shape)
      }`,
      "pass batch_moments(x)",
    );
  }
}

function epsAttr(op: string, raw: Record<string, AttrValue>): BatchNormAttrs {
  const eps = raw.eps ?? 1e-5;
  if (typeof eps !== "number" || !(eps > 0) || !Number.isFinite(eps)) {
    return attrError(
      op,
      `eps must be a finite number > 0, got ${JSON.stringify(eps)}`,
      "eps: 1e-5",
    );
  }
  return { eps };
}

/** The normalised axes (all but 1) and the per-channel broadcast shape [1, C, 1, ...]. */
function channelAxes(x: Tensor): { axes: number[]; bshape: number[] } {
  return {
    axes: x.shape.map((_, i) => i).filter((i) => i !== 1),
    bshape: x.shape.map((d, i) => (i === 1 ? d : 1)),
  };
}

/** Row `row` of the moments (0: mean, 1: variance) as [1, C, 1, ...]. */
function momentRow(m: Tensor, row: number, bshape: readonly number[]): Tensor {
  return reshape(slice(m, [row, 0], [row + 1, m.shape[1]]), bshape);
}

defineOp({
  name: "batch_moments",
  arity: 1,
  infer: ([x]) => {
    checkInput("batch_moments", x);
    return { shape: [2, x.shape[1]], dtype: "f32" };
  },
  // No vjp: a statistic (see the module header).
  decompose: ([x]) => {
    const { axes } = channelAxes(x);
    const c = x.shape[1];
    const mu = mean(x, axes, true);
    const variance = mean(square(sub(x, mu)), axes, true);
    return concat([reshape(mu, [1, c]), reshape(variance, [1, c])], 0);
  },
});

defineOp<BatchNormAttrs>({
  name: "batch_norm",
  arity: 2,
  attrs: (raw) => epsAttr("batch_norm", raw),
  infer: ([x, m]) => {
    checkInput("batch_norm", x);
    checkMoments("batch_norm", x, m);
    return { shape: x.shape, dtype: "f32" };
  },
  vjp: ({ inputs: [x, m], output: y, grad: g, attrs, needs }) => [
    needs[0] ? x.graph.apply("batch_norm_grad", [x, m, y, g], { eps: attrs.eps }) : null,
    null,
  ],
  decompose: ([x, m], { eps }) => {
    const { bshape } = channelAxes(x);
    const centred = sub(x, momentRow(m, 0, bshape));
    return mul(centred, rsqrt(add(momentRow(m, 1, bshape), eps)));
  },
});

defineOp<BatchNormAttrs>({
  name: "batch_norm_grad",
  arity: 4,
  attrs: (raw) => epsAttr("batch_norm_grad", raw),
  infer: ([x, m, y, g]) => {
    checkInput("batch_norm_grad", x);
    checkMoments("batch_norm_grad", x, m);
    if (fmtShape(y.shape) !== fmtShape(x.shape) || fmtShape(g.shape) !== fmtShape(x.shape)) {
      return attrError(
        "batch_norm_grad",
        `x ${fmtShape(x.shape)}, y ${fmtShape(y.shape)} and g ${fmtShape(g.shape)} differ`,
        "pass batch_norm's input, moments, output and the output's gradient",
      );
    }
    return { shape: x.shape, dtype: "f32" };
  },
  decompose: ([x, m, y, g], { eps }) => {
    const { axes, bshape } = channelAxes(x);
    const r = rsqrt(add(momentRow(m, 1, bshape), eps));
    const inner = sub(sub(g, mean(g, axes, true)), mul(y, mean(mul(g, y), axes, true)));
    return mul(r, inner);
  },
});

/** Each channel's mean (row 0) and biased variance (row 1) of `x` [B, C, ...], without gradient. */
export function batchMoments(x: Tensor): Tensor {
  return x.graph.apply("batch_moments", [x]);
}

/**
 * Normalise `x` [B, C, ...] per channel with its own batch statistics
 * `moments = batchMoments(x)`: `(x − mean) / sqrt(var + eps)`, differentiable
 * in x (the statistics' dependence included).
 */
export function batchNormalize(x: Tensor, moments: Tensor, eps = 1e-5): Tensor {
  const m = moments.node;
  if (m.op !== "batch_moments" || m.inputs[0] !== x.id) {
    throw new ActlabError(
      `batch_norm: moments must be batch_moments(x) of the same x, got a "${m.op}" node`,
      "compute them with batchMoments(x)",
    );
  }
  return x.graph.apply("batch_norm", [x, moments], { eps });
}
