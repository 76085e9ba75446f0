/**
 * Normalisation ops with fused kernels: softmax and log-softmax along one
 * axis, and layer normalisation over trailing axes (no affine part: callers
 * multiply by gamma and add beta). Each VJP reuses the op's own output.
 * Layer norm's VJP is itself one op, `layer_norm_grad`, a composite
 * (core/expand.ts): backends with a fused kernel (onednn-cpu: oneDNN's layer
 * normalisation backward) run it as one; the rest run its decomposition, the
 * formula below in elementwise and reduction ops.
 * @module
 */
import type { Attrs, AttrValue, Tensor } from "../graph.ts";
import { attrError, defineOp, type TensorInfo } from "../op_def.ts";
import { fmtShape, normalizeAxes } from "../shape.ts";
import { add, exp, mul, rsqrt, square, sub } from "./elementwise.ts";
import { mean, sum } from "./reduce.ts";

/** Attributes of softmax / log_softmax. */
export interface SoftmaxAttrs extends Attrs {
  /** The normalised (non-negative) axis. */
  readonly axis: number;
}

/** Attributes of layer_norm. */
export interface LayerNormAttrs extends Attrs {
  /** How many trailing axes are normalised together. */
  readonly numAxes: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
}

function floatInput(op: string, x: TensorInfo): void {
  if (x.dtype !== "f32") attrError(op, `needs an f32 input, got ${x.dtype}`, "cast to f32 first");
}

function axisAttr(op: string, raw: Record<string, AttrValue>, x: TensorInfo): SoftmaxAttrs {
  const axis = raw.axis ?? -1;
  if (typeof axis !== "number") {
    return attrError(op, `axis must be an integer, got ${JSON.stringify(axis)}`, "pass axis: -1");
  }
  if (x.shape.length === 0) {
    return attrError(op, "cannot normalise a scalar", "pass a tensor with at least one axis");
  }
  return { axis: normalizeAxes([axis], x.shape.length, op)[0] };
}

/** Validate layer norm's numAxes and eps against input `x`. */
function layerNormAttrs(op: string, raw: Record<string, AttrValue>, x: TensorInfo): LayerNormAttrs {
  const numAxes = raw.numAxes ?? 1;
  const eps = raw.eps ?? 1e-5;
  const rank = x.shape.length;
  if (
    typeof numAxes !== "number" || !Number.isInteger(numAxes) || numAxes < 1 || numAxes > rank
  ) {
    return attrError(
      op,
      `numAxes must be an integer in [1, ${rank}] for input ${fmtShape(x.shape)}, got ${
        JSON.stringify(numAxes)
      }`,
      "normalise over 1 (features) up to all axes",
    );
  }
  if (typeof eps !== "number" || !(eps >= 0) || !Number.isFinite(eps)) {
    return attrError(
      op,
      `eps must be a finite number >= 0, got ${JSON.stringify(eps)}`,
      "pass eps: 1e-5",
    );
  }
  return { numAxes, eps };
}

for (const op of ["softmax", "log_softmax"]) {
  defineOp<SoftmaxAttrs>({
    name: op,
    arity: 1,
    attrs: (raw, [x]) => axisAttr(op, raw, x),
    infer: ([x]) => {
      floatInput(op, x);
      return { shape: x.shape, dtype: "f32" };
    },
    vjp: ({ output: y, grad: g, attrs }) => {
      const ax = [attrs.axis];
      return op === "softmax"
        ? [mul(y, sub(g, sum(mul(g, y), ax, true)))]
        : [sub(g, mul(exp(y), sum(g, ax, true)))];
    },
  });
}

defineOp<LayerNormAttrs>({
  name: "layer_norm",
  arity: 1,
  attrs: (raw, [x]) => layerNormAttrs("layer_norm", raw, x),
  infer: ([x], a) => {
    floatInput("layer_norm", x);
    const trailing = x.shape.slice(x.shape.length - a.numAxes);
    if (trailing.some((d) => d === 0)) {
      return attrError(
        "layer_norm",
        `cannot normalise over empty axes (trailing ${fmtShape(trailing)} of ${fmtShape(x.shape)})`,
        "normalise over non-empty axes",
      );
    }
    return { shape: x.shape, dtype: "f32" };
  },
  vjp: ({ inputs: [x], output: y, grad: g, attrs }) => [
    x.graph.apply("layer_norm_grad", [x, y, g], { numAxes: attrs.numAxes, eps: attrs.eps }),
  ],
});

defineOp<LayerNormAttrs>({
  name: "layer_norm_grad",
  arity: 3,
  attrs: (raw, [x]) => layerNormAttrs("layer_norm_grad", raw, x),
  infer: ([x, y, g]) => {
    for (const t of [x, y, g]) floatInput("layer_norm_grad", t);
    if (fmtShape(y.shape) !== fmtShape(x.shape) || fmtShape(g.shape) !== fmtShape(x.shape)) {
      return attrError(
        "layer_norm_grad",
        `x ${fmtShape(x.shape)}, y ${fmtShape(y.shape)} and g ${fmtShape(g.shape)} differ`,
        "pass layer_norm's input, its output and the output's gradient",
      );
    }
    return { shape: x.shape, dtype: "f32" };
  },
  // With r = 1/sqrt(var + eps) and y = (x − mean)·r:
  // dx = r · (g − mean(g) − y · mean(g·y)), means over the normalised axes.
  decompose: ([x, y, g], attrs) => {
    const axes = x.shape.map((_, i) => i).slice(x.rank - attrs.numAxes);
    const centred = sub(x, mean(x, axes, true));
    const r = rsqrt(add(mean(square(centred), axes, true), attrs.eps));
    const inner = sub(sub(g, mean(g, axes, true)), mul(y, mean(mul(g, y), axes, true)));
    return mul(r, inner);
  },
});

/** Softmax along `axis` (default last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return x.graph.apply("softmax", [x], { axis });
}

/** Log-softmax along `axis` (default last); stable for large logits. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return x.graph.apply("log_softmax", [x], { axis });
}

/**
 * Normalise over the trailing `numAxes` axes to zero mean and unit (biased)
 * variance: `(x − mean) / sqrt(var + eps)`. No scale or shift.
 */
export function layerNorm(x: Tensor, numAxes = 1, eps = 1e-5): Tensor {
  return x.graph.apply("layer_norm", [x], { numAxes, eps });
}
