/**
 * Movement ops: reshape, transpose, broadcast_to (more live in sibling files).
 * @module
 */
import type { Attrs, Tensor } from "../graph.ts";
import { type Shape, sizeOf } from "../host_tensor.ts";
import { attrError, defineOp, intList } from "../op_def.ts";
import { broadcastShapes, fmtShape, sameShape } from "../shape.ts";
import { sumTo } from "./reduce.ts";

/** Attributes of `reshape` and `broadcast_to`: the target shape. */
export interface ShapeAttrs extends Attrs {
  /** Output shape (`reshape`'s -1 already resolved). */
  readonly shape: readonly number[];
}

defineOp<ShapeAttrs>({
  name: "reshape",
  arity: 1,
  attrs: (raw, [x]) => {
    const req = intList("reshape", "shape", raw.shape as number[]);
    const known = req.filter((d) => d !== -1);
    if (known.some((d) => d < 0) || req.length - known.length > 1) {
      return attrError(
        "reshape",
        `invalid target shape ${fmtShape(req)}`,
        "use sizes >= 0 and at most one -1",
      );
    }
    const n = sizeOf(x.shape);
    const k = sizeOf(known);
    const shape = req.map((d) => (d === -1 ? (k === 0 ? 0 : n / k) : d));
    if (sizeOf(shape) !== n || !shape.every(Number.isInteger)) {
      return attrError(
        "reshape",
        `cannot reshape ${fmtShape(x.shape)} (${n} elements) to ${fmtShape(req)}`,
        "the new shape must hold the same number of elements",
      );
    }
    return { shape };
  },
  infer: ([x], a) => ({ shape: a.shape, dtype: x.dtype }),
  vjp: ({ inputs: [x], grad }) => [reshape(grad, x.shape)],
});

/** View `x` with a new shape of the same size (one axis may be -1). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return x.graph.apply("reshape", [x], { shape: [...shape] });
}

/** Attributes of `transpose`. */
export interface TransposeAttrs extends Attrs {
  /** Output axis i is input axis `perm[i]` (the reversal filled in when omitted). */
  readonly perm: readonly number[];
}

defineOp<TransposeAttrs>({
  name: "transpose",
  arity: 1,
  attrs: (raw, [x]) => {
    const perm = raw.perm === undefined || raw.perm === null
      ? x.shape.map((_, i) => x.shape.length - 1 - i)
      : intList("transpose", "perm", raw.perm as number[], x.shape.length);
    const sorted = [...perm].sort((a, b) => a - b);
    if (!sorted.every((p, i) => p === i)) {
      return attrError(
        "transpose",
        `perm [${perm}] is not a permutation of 0..${x.shape.length - 1}`,
        "list every axis exactly once",
      );
    }
    return { perm };
  },
  infer: ([x], a) => ({ shape: a.perm.map((p) => x.shape[p]), dtype: x.dtype }),
  vjp: ({ grad, attrs }) => {
    const inv = new Array<number>(attrs.perm.length);
    attrs.perm.forEach((p, i) => (inv[p] = i));
    return [transpose(grad, inv)];
  },
});

/** Permute axes (reverse them when `perm` is omitted). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  return x.graph.apply("transpose", [x], { perm: perm ? [...perm] : null });
}

defineOp<ShapeAttrs>({
  name: "broadcast_to",
  arity: 1,
  attrs: (raw, [x]) => {
    const shape = intList("broadcast_to", "shape", raw.shape as number[]);
    const b = broadcastShapes(x.shape, shape, "broadcast_to");
    if (!sameShape(b, shape)) {
      return attrError(
        "broadcast_to",
        `cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`,
        "the target must contain the source shape (numpy rules)",
      );
    }
    return { shape };
  },
  infer: ([x], a) => ({ shape: a.shape, dtype: x.dtype }),
  vjp: ({ inputs: [x], grad }) => [sumTo(grad, x.shape)],
});

/** Broadcast `x` to `shape` (numpy rules). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return x.graph.apply("broadcast_to", [x], { shape: [...shape] });
}
