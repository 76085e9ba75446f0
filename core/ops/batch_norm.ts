/**
 * Batch normalisation's training-phase core as composite ops (core/expand.ts),
 * over every axis of `[B, C, ...]` but the channel axis 1:
 * - `batch_moments(x)` → `[2, C]`: each channel's mean (row 0) and biased
 *   variance (row 1). A statistic with no gradient of its own: it feeds the
 *   running averages (never differentiated) and `batch_norm`, whose VJP
 *   already carries the statistics' dependence on x.
 * - `batch_norm(x, moments, weight, bias)` → `x̂·weight + bias` per channel,
 *   `x̂ = (x − mean) / sqrt(var + eps)`, where `moments` must be
 *   `batch_moments(x)` of the same x (the builder checks): its VJP with
 *   respect to x is the full training-mode gradient, `batch_norm_grad`, with
 *   respect to weight and bias `batch_norm_param_grad`, and none flows to
 *   `moments`.
 * - `batch_norm_grad(x, moments, weight, g)` → `r · (ĝ − mean(ĝ) − x̂ ·
 *   mean(ĝ·x̂))` with `ĝ = g·weight`, `r = 1/sqrt(var + eps)` and means over
 *   the normalised axes (layer norm's formula, over other axes);
 * - `batch_norm_param_grad(x, moments, g)` → `[2, C]`: Σ g·x̂ (the weight's
 *   gradient, row 0) and Σ g (the bias's, row 1). Neither gradient op is
 *   differentiable again.
 * onednn-cpu runs them on oneDNN's batch normalisation primitives (forward
 * with scale and shift; one backward call for all three gradients); every
 * other backend runs their decompositions below — the forward ones are
 * exactly the ops nn/batch_norm.ts built before, so forward values are
 * unchanged.
 * @module
 */
import { ActlabError } from "../errors.ts";
import type { Attrs, AttrValue, Tensor } from "../graph.ts";
import { attrError, defineOp, type TensorInfo } from "../op_def.ts";
import { fmtShape } from "../shape.ts";
import { add, mul, rsqrt, square, sub } from "./elementwise.ts";
import { concat, slice } from "./indexing.ts";
import { reshape } from "./movement.ts";
import { mean, sum } from "./reduce.ts";

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

function checkParams(op: string, x: TensorInfo, params: readonly TensorInfo[]): void {
  const c = x.shape[1];
  for (const p of params) {
    if (p.dtype !== "f32" || fmtShape(p.shape) !== fmtShape([c])) {
      attrError(
        op,
        `weight and bias must be f32[${c}] for input ${fmtShape(x.shape)}, got ${p.dtype}${
          fmtShape(p.shape)
        }`,
        "pass one value per channel",
      );
    }
  }
}

function sameShapes(op: string, x: TensorInfo, g: TensorInfo): void {
  if (fmtShape(g.shape) !== fmtShape(x.shape) || g.dtype !== "f32") {
    attrError(
      op,
      `the gradient ${g.dtype}${fmtShape(g.shape)} must match the input ${fmtShape(x.shape)}`,
      "pass batch_norm's input and its output's gradient",
    );
  }
}

/** x̂ = (x − mean)·r and r = 1/sqrt(var + eps), per channel broadcast as [1, C, 1, ...]. */
function normalised(x: Tensor, m: Tensor, eps: number): { xhat: Tensor; r: Tensor } {
  const { bshape } = channelAxes(x);
  const r = rsqrt(add(momentRow(m, 1, bshape), eps));
  return { xhat: mul(sub(x, momentRow(m, 0, bshape)), r), r };
}

defineOp<BatchNormAttrs>({
  name: "batch_norm",
  arity: 4,
  attrs: (raw) => epsAttr("batch_norm", raw),
  infer: ([x, m, w, b]) => {
    checkInput("batch_norm", x);
    checkMoments("batch_norm", x, m);
    checkParams("batch_norm", x, [w, b]);
    return { shape: x.shape, dtype: "f32" };
  },
  vjp: ({ inputs: [x, m, w], grad: g, attrs, needs }) => {
    // dx first: onednn-cpu computes the parameters' gradients in the same call.
    const dx = needs[0] ? x.graph.apply("batch_norm_grad", [x, m, w, g], { eps: attrs.eps }) : null;
    if (!needs[2] && !needs[3]) return [dx, null, null, null];
    const pg = x.graph.apply("batch_norm_param_grad", [x, m, g], { eps: attrs.eps });
    const c = x.shape[1];
    return [
      dx,
      null,
      needs[2] ? reshape(slice(pg, [0, 0], [1, c]), [c]) : null,
      needs[3] ? reshape(slice(pg, [1, 0], [2, c]), [c]) : null,
    ];
  },
  decompose: ([x, m, w, b], { eps }) => {
    // As nn/batch_norm.ts built it before: normalise, then the affine part.
    const { bshape } = channelAxes(x);
    const centred = sub(x, momentRow(m, 0, bshape));
    const xhat = mul(centred, rsqrt(add(momentRow(m, 1, bshape), eps)));
    return add(mul(xhat, reshape(w, bshape)), reshape(b, bshape));
  },
});

defineOp<BatchNormAttrs>({
  name: "batch_norm_grad",
  arity: 4,
  attrs: (raw) => epsAttr("batch_norm_grad", raw),
  infer: ([x, m, w, g]) => {
    checkInput("batch_norm_grad", x);
    checkMoments("batch_norm_grad", x, m);
    checkParams("batch_norm_grad", x, [w]);
    sameShapes("batch_norm_grad", x, g);
    return { shape: x.shape, dtype: "f32" };
  },
  decompose: ([x, m, w, g], { eps }) => {
    const { axes, bshape } = channelAxes(x);
    const { xhat, r } = normalised(x, m, eps);
    const gh = mul(g, reshape(w, bshape));
    const inner = sub(sub(gh, mean(gh, axes, true)), mul(xhat, mean(mul(gh, xhat), axes, true)));
    return mul(r, inner);
  },
});

defineOp<BatchNormAttrs>({
  name: "batch_norm_param_grad",
  arity: 3,
  attrs: (raw) => epsAttr("batch_norm_param_grad", raw),
  infer: ([x, m, g]) => {
    checkInput("batch_norm_param_grad", x);
    checkMoments("batch_norm_param_grad", x, m);
    sameShapes("batch_norm_param_grad", x, g);
    return { shape: [2, x.shape[1]], dtype: "f32" };
  },
  decompose: ([x, m, g], { eps }) => {
    const { axes } = channelAxes(x);
    const c = x.shape[1];
    const { xhat } = normalised(x, m, eps);
    return concat([reshape(sum(mul(g, xhat), axes), [1, c]), reshape(sum(g, axes), [1, c])], 0);
  },
});

/** Each channel's mean (row 0) and biased variance (row 1) of `x` [B, C, ...], without gradient. */
export function batchMoments(x: Tensor): Tensor {
  return x.graph.apply("batch_moments", [x]);
}

/**
 * Normalise `x` [B, C, ...] per channel with its own batch statistics
 * `moments = batchMoments(x)` and apply `weight` and `bias` ([C]):
 * `(x − mean) / sqrt(var + eps) · weight + bias`, differentiable in x (the
 * statistics' dependence included), weight and bias.
 */
export function batchNormalize(
  x: Tensor,
  moments: Tensor,
  weight: Tensor,
  bias: Tensor,
  eps = 1e-5,
): Tensor {
  const m = moments.node;
  if (m.op !== "batch_moments" || m.inputs[0] !== x.id) {
    throw new ActlabError(
      `batch_norm: moments must be batch_moments(x) of the same x, got a "${m.op}" node`,
      "compute them with batchMoments(x)",
    );
  }
  return x.graph.apply("batch_norm", [x, moments, weight, bias], { eps });
}
