/**
 * Source ops (feeds, state, constants) and gradient-flow control ops.
 * @module
 */
import { ActlabError } from "../errors.ts";
import type { Attrs, Tensor } from "../graph.ts";
import { type DType, type HostTensor, hostTensor, type Shape, sizeOf } from "../host_tensor.ts";
import { attrError, defineOp, intList } from "../op_def.ts";

const DTYPES: readonly DType[] = ["f32", "i32", "bool"];

function dtypeAttr(op: string, v: unknown): DType {
  if (typeof v !== "string" || !DTYPES.includes(v as DType)) {
    return attrError(
      op,
      `dtype must be one of f32, i32, bool; got ${JSON.stringify(v)}`,
      "use f32, i32 or bool",
    );
  }
  return v as DType;
}

function shapeAttr(op: string, v: unknown): number[] {
  const s = intList(op, "shape", v as number[]);
  if (s.some((d) => d < 0)) {
    return attrError(op, `shape [${s}] has a negative size`, "sizes must be >= 0");
  }
  return s;
}

/** Attributes of `input` and `state`: the name the value is fed or kept under, its shape and dtype. */
export interface SourceAttrs extends Attrs {
  /** Feed or state name. */
  readonly name: string;
  /** Declared shape. */
  readonly shape: readonly number[];
  /** Declared dtype. */
  readonly dtype: DType;
}

for (const op of ["input", "state"]) {
  defineOp<SourceAttrs>({
    name: op,
    arity: 0,
    attrs: (raw) => {
      if (typeof raw.name !== "string" || raw.name === "") {
        return attrError(op, "needs a non-empty name", `pass a name for the ${op}`);
      }
      return {
        name: raw.name,
        shape: shapeAttr(op, raw.shape),
        dtype: dtypeAttr(op, raw.dtype ?? "f32"),
      };
    },
    infer: (_, a) => ({ shape: a.shape, dtype: a.dtype }),
  });
}

/** Attributes of `constant`: the (copied) host value. */
export interface ConstantAttrs extends Attrs {
  /** The value, owned by the node. */
  readonly value: HostTensor;
}

defineOp<ConstantAttrs>({
  name: "constant",
  arity: 0,
  attrs: (raw) => {
    const v = raw.value as HostTensor | undefined;
    if (!v || typeof v !== "object" || !("data" in v)) {
      return attrError(
        "constant",
        "needs a host tensor `value`",
        "pass value: hostTensor(dtype, shape, data)",
      );
    }
    return { value: hostTensor(v.dtype, v.shape, v.data) };
  },
  infer: (_, a) => ({ shape: a.value.shape, dtype: a.value.dtype }),
});

/** Attributes of `full`: one fill value, the shape and the dtype. */
export interface FullAttrs extends Attrs {
  /** Fill value. */
  readonly value: number;
  /** Output shape. */
  readonly shape: readonly number[];
  /** Output dtype. */
  readonly dtype: DType;
}

defineOp<FullAttrs>({
  name: "full",
  arity: 0,
  attrs: (raw) => {
    if (typeof raw.value !== "number") {
      return attrError("full", "needs a numeric `value`", "pass value: <number>");
    }
    return {
      value: raw.value,
      shape: shapeAttr("full", raw.shape),
      dtype: dtypeAttr("full", raw.dtype ?? "f32"),
    };
  },
  infer: (_, a) => ({ shape: a.shape, dtype: a.dtype }),
});

defineOp({
  name: "stop_gradient",
  arity: 1,
  infer: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  // No vjp: gradients stop here by definition.
});

defineOp({
  name: "identity",
  arity: 1,
  infer: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  vjp: ({ grad }) => [grad],
});

/** A constant tensor holding `value` (copied). */
export function constant(like: Tensor, value: HostTensor): Tensor {
  return like.graph.apply("constant", [], { value });
}

/** A tensor of `shape` filled with `value`, built in the graph of `like`. */
export function full(like: Tensor, shape: Shape, value: number, dtype: DType = "f32"): Tensor {
  if (!Number.isFinite(value) && !Number.isNaN(value) && dtype !== "f32") {
    throw new ActlabError(`full: ${value} is not representable as ${dtype}`, "use a finite value");
  }
  return like.graph.apply("full", [], { value, shape: [...shape], dtype });
}

/** A scalar constant of `like`'s dtype (f32 unless given). */
export function scalar(
  like: Tensor,
  value: number,
  dtype: DType = like.dtype === "i32" ? "i32" : "f32",
): Tensor {
  return full(like, [], value, dtype);
}

/** Identity in the forward pass; blocks gradients in the backward pass. */
export function stopGradient(x: Tensor): Tensor {
  return x.graph.apply("stop_gradient", [x]);
}

/** Identity (a distinct node; useful as a tap point). */
export function identity(x: Tensor): Tensor {
  return x.graph.apply("identity", [x]);
}

/** Elements of a tensor, for size checks. */
export function numel(x: Tensor): number {
  return sizeOf(x.shape);
}
