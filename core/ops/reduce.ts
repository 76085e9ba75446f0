/**
 * Reductions over given axes (sum, mean, max) with keepdims, and `sumTo`,
 * the broadcast-undoing reduction every broadcasting VJP needs.
 * @module
 */
import type { Attrs, Tensor } from "../graph.ts";
import { type Shape, sizeOf } from "../host_tensor.ts";
import { attrError, defineOp, intList, type TensorInfo } from "../op_def.ts";
import { normalizeAxes, sameShape } from "../shape.ts";
import { cast, div, eq, mul } from "./elementwise.ts";
import { broadcastTo, reshape } from "./movement.ts";

/** Attributes of every reduction: normalised, sorted axes and keepdims. */
export interface ReduceAttrs extends Attrs {
  /** Reduced axes, non-negative and sorted. */
  axes: readonly number[];
  /** Keep reduced axes as size 1. */
  keepdims: boolean;
}

function reduceAttrs(op: string) {
  return (raw: Record<string, unknown>, [x]: readonly TensorInfo[]): ReduceAttrs => {
    const axes = raw.axes === undefined || raw.axes === null
      ? x.shape.map((_, i) => i)
      : normalizeAxes(intList(op, "axes", raw.axes as number[]), x.shape.length, op).sort((a, b) =>
        a - b
      );
    if (raw.keepdims !== undefined && typeof raw.keepdims !== "boolean") {
      return attrError(op, "keepdims must be a boolean", "pass keepdims: true or false");
    }
    return { axes, keepdims: raw.keepdims === true };
  };
}

/** Output shape of a reduction. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

function infer(op: string) {
  return ([x]: readonly TensorInfo[], a: ReduceAttrs) => {
    if (x.dtype === "bool") {
      return attrError(op, "cannot reduce a bool tensor", "cast it to f32 or i32 first");
    }
    if (op !== "sum" && a.axes.some((ax) => x.shape[ax] === 0)) {
      return attrError(op, "cannot reduce over an empty axis", "reduce over non-empty axes");
    }
    return { shape: reducedShape(x.shape, a.axes, a.keepdims), dtype: x.dtype };
  };
}

/** Gradient of a reduction broadcast back to the input shape. */
function expand(g: Tensor, x: Tensor, a: ReduceAttrs): Tensor {
  return broadcastTo(reshape(g, reducedShape(x.shape, a.axes, true)), x.shape);
}

defineOp<ReduceAttrs>({
  name: "sum",
  arity: 1,
  attrs: reduceAttrs("sum"),
  infer: infer("sum"),
  vjp: ({ inputs: [x], grad, attrs }) => [expand(grad, x, attrs)],
});

defineOp<ReduceAttrs>({
  name: "mean",
  arity: 1,
  attrs: reduceAttrs("mean"),
  infer: infer("mean"),
  vjp: ({ inputs: [x], grad, attrs }) => {
    const count = attrs.axes.reduce((n, ax) => n * x.shape[ax], 1);
    return [expand(div(grad, count), x, attrs)];
  },
});

defineOp<ReduceAttrs>({
  name: "max",
  arity: 1,
  attrs: reduceAttrs("max"),
  infer: infer("max"),
  // Ties share the gradient equally (the subgradient PyTorch's amax uses).
  vjp: ({ inputs: [x], output, grad, attrs }) => {
    const hit = cast(eq(x, expand(output, x, attrs)), "f32");
    const count = expand(sum(hit, attrs.axes, true), x, { axes: attrs.axes, keepdims: true });
    return [div(mul(hit, expand(grad, x, attrs)), count)];
  },
});

/** Sum over `axes` (all axes when omitted). */
export function sum(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return x.graph.apply("sum", [x], { axes: axes ? [...axes] : null, keepdims });
}
/** Mean over `axes` (all axes when omitted). */
export function mean(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return x.graph.apply("mean", [x], { axes: axes ? [...axes] : null, keepdims });
}
/** Maximum over `axes` (all axes when omitted). */
export function max(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return x.graph.apply("max", [x], { axes: axes ? [...axes] : null, keepdims });
}

/** Sum a broadcast result back down to `shape` (undoes numpy broadcasting). */
export function sumTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const lead = x.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? sum(x, axes, true) : x;
  return sizeOf(s.shape) === sizeOf(shape) && !sameShape(s.shape, shape) ? reshape(s, shape) : s;
}
