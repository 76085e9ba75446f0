/**
 * Indexing ops: `slice` (python semantics, positive steps) and its scatter
 * `slice_grad`, `concat`, constant `pad`, `gather` along one axis with its
 * transpose `scatter_add`, and `one_hot`.
 *
 * Index conventions shared by every backend: `gather`/`scatter_add` indices
 * must lie in [0, size) (backends that can check raise an error naming the
 * index, the reference kernel does); `one_hot` maps an out-of-range index
 * (including negatives, e.g. an "ignore" label of -1) to an all-zero row.
 * @module
 */
import type { Attrs, Tensor } from "../graph.ts";
import type { DType, Shape } from "../host_tensor.ts";
import { attrError, defineOp, intList, type TensorInfo } from "../op_def.ts";
import { fmtShape, normalizeAxes } from "../shape.ts";

function axisAttr(op: string, v: unknown, rank: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    return attrError(
      op,
      `attribute "axis" must be an integer, got ${JSON.stringify(v)}`,
      "pass axis: <int>",
    );
  }
  return normalizeAxes([v], rank, op)[0];
}

// ---- slice --------------------------------------------------------------------------------

/** Normalised attributes of `slice`: 0 ≤ start ≤ end-or-less ≤ dim, step ≥ 1, one per axis. */
export interface SliceAttrs extends Attrs {
  /** First index per axis, in [0, dim]. */
  starts: readonly number[];
  /** End (exclusive) per axis, in [0, dim]; may be below the start (empty axis). */
  ends: readonly number[];
  /** Step per axis, >= 1. */
  steps: readonly number[];
}

/** Python's clamping of a (possibly negative) slice bound into [0, dim]. */
function clampBound(v: number, dim: number): number {
  const w = v < 0 ? v + dim : v;
  return Math.min(Math.max(w, 0), dim);
}

function sliceAttrs(raw: Record<string, unknown>, shape: Shape): SliceAttrs {
  const rank = shape.length;
  const starts = intList("slice", "starts", raw.starts as number[], rank);
  const ends = intList("slice", "ends", raw.ends as number[], rank);
  const steps = raw.steps === undefined || raw.steps === null
    ? new Array<number>(rank).fill(1)
    : intList("slice", "steps", raw.steps as number[], rank);
  steps.forEach((s, ax) => {
    if (s < 1) {
      attrError(
        "slice",
        `step ${s} on axis ${ax} is not supported (steps must be >= 1)`,
        "use a positive step; reverse an axis with gather and descending indices",
      );
    }
  });
  return {
    starts: starts.map((s, ax) => clampBound(s, shape[ax])),
    ends: ends.map((e, ax) => clampBound(e, shape[ax])),
    steps,
  };
}

function sliceLength(start: number, end: number, step: number): number {
  return Math.max(0, Math.ceil((end - start) / step));
}

defineOp<SliceAttrs>({
  name: "slice",
  arity: 1,
  attrs: (raw, [x]) => sliceAttrs(raw, x.shape),
  infer: ([x], a) => ({
    shape: x.shape.map((_, ax) => sliceLength(a.starts[ax], a.ends[ax], a.steps[ax])),
    dtype: x.dtype,
  }),
  vjp: ({ inputs: [x], grad, attrs }) => [sliceGrad(grad, x.shape, attrs.starts, attrs.steps)],
});

/**
 * `x[starts[0]:ends[0]:steps[0], …]` with python semantics: one entry per
 * axis, negative bounds count from the end, bounds are clamped, steps ≥ 1
 * (default 1). Returns `x` itself when the slice selects everything.
 */
export function slice(
  x: Tensor,
  starts: readonly number[],
  ends: readonly number[],
  steps?: readonly number[],
): Tensor {
  const raw = { starts: [...starts], ends: [...ends], steps: steps ? [...steps] : null };
  const a = sliceAttrs(raw, x.shape);
  const whole = x.shape.every((d, ax) =>
    a.starts[ax] === 0 && a.ends[ax] === d && (a.steps[ax] === 1 || d <= 1)
  );
  return whole ? x : x.graph.apply("slice", [x], raw);
}

/** Attributes of `slice_grad`: the sliced tensor's shape and the normalised starts/steps. */
export interface SliceGradAttrs extends Attrs {
  /** Shape of the tensor that was sliced (the output). */
  shape: readonly number[];
  /** Normalised (non-negative) first index per axis. */
  starts: readonly number[];
  /** Step per axis, >= 1. */
  steps: readonly number[];
}

defineOp<SliceGradAttrs>({
  name: "slice_grad",
  arity: 1,
  attrs: (raw, [dy]) => {
    const rank = dy.shape.length;
    const shape = intList("slice_grad", "shape", raw.shape as number[], rank);
    const starts = intList("slice_grad", "starts", raw.starts as number[], rank);
    const steps = raw.steps === undefined || raw.steps === null
      ? new Array<number>(rank).fill(1)
      : intList("slice_grad", "steps", raw.steps as number[], rank);
    for (let ax = 0; ax < rank; ax++) {
      const n = dy.shape[ax];
      const last = starts[ax] + (n - 1) * steps[ax];
      if (
        shape[ax] < 0 || starts[ax] < 0 || steps[ax] < 1 ||
        (n > 0 ? last >= shape[ax] : starts[ax] > shape[ax])
      ) {
        return attrError(
          "slice_grad",
          `a ${n}-element slice from ${starts[ax]} step ${
            steps[ax]
          } does not fit axis ${ax} of size ${shape[ax]} (gradient ${fmtShape(dy.shape)} into ${
            fmtShape(shape)
          })`,
          "pass the sliced tensor's shape and the normalised (non-negative) starts and steps >= 1",
        );
      }
    }
    return { shape, starts, steps };
  },
  infer: ([dy], a) => ({ shape: a.shape, dtype: dy.dtype }),
  vjp: ({ grad, inputs: [dy], attrs }) => {
    const ends = dy.shape.map((n, ax) =>
      n === 0 ? attrs.starts[ax] : attrs.starts[ax] + (n - 1) * attrs.steps[ax] + 1
    );
    return [slice(grad, attrs.starts, ends, attrs.steps)];
  },
});

/**
 * The transpose of a slice: a zero tensor of `shape` with `dy` written at
 * `starts + i·steps` (starts normalised: non-negative; steps ≥ 1, default 1).
 */
export function sliceGrad(
  dy: Tensor,
  shape: Shape,
  starts: readonly number[],
  steps?: readonly number[],
): Tensor {
  return dy.graph.apply("slice_grad", [dy], {
    shape: [...shape],
    starts: [...starts],
    steps: steps ? [...steps] : null,
  });
}

// ---- concat -------------------------------------------------------------------------------

/** Attributes of `concat` and `gather`: one normalised (non-negative) axis. */
export interface AxisAttrs extends Attrs {
  /** The joined (`concat`) or indexed (`gather`) axis. */
  readonly axis: number;
}

defineOp<AxisAttrs>({
  name: "concat",
  attrs: (raw, xs) => {
    if (xs.length === 0) {
      return attrError("concat", "needs at least one input", "pass a tensor list");
    }
    return { axis: axisAttr("concat", raw.axis, xs[0].shape.length) };
  },
  infer: (xs, { axis }) => {
    const first = xs[0];
    let total = 0;
    for (const x of xs) {
      const fits = x.dtype === first.dtype && x.shape.length === first.shape.length &&
        x.shape.every((d, ax) => ax === axis || d === first.shape[ax]);
      if (!fits) {
        return attrError(
          "concat",
          `cannot join ${xs.map((t) => t.dtype + fmtShape(t.shape)).join(", ")} along axis ${axis}`,
          "inputs need one dtype, one rank, and equal sizes on every axis but the joined one",
        );
      }
      total += x.shape[axis];
    }
    return { shape: first.shape.map((d, ax) => (ax === axis ? total : d)), dtype: first.dtype };
  },
  vjp: ({ inputs, grad, attrs: { axis }, needs }) => {
    let offset = 0;
    return inputs.map((x, i) => {
      const lo = offset;
      offset += x.shape[axis];
      if (!needs[i]) return null;
      const starts = x.shape.map((_, ax) => (ax === axis ? lo : 0));
      const ends = x.shape.map((d, ax) => (ax === axis ? lo + d : d));
      return slice(grad, starts, ends);
    });
  },
});

/** Join tensors along `axis` (negative counts from the end); a single tensor is returned as is. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) return attrError("concat", "needs at least one input", "pass a tensor list");
  if (xs.length === 1) {
    axisAttr("concat", axis, xs[0].rank);
    return xs[0];
  }
  return xs[0].graph.apply("concat", xs, { axis });
}

// ---- pad ----------------------------------------------------------------------------------

/** Attributes of `pad`: elements added before/after each axis, and the fill value. */
export interface PadAttrs extends Attrs {
  /** Elements added before each axis (>= 0). */
  before: readonly number[];
  /** Elements added after each axis (>= 0). */
  after: readonly number[];
  /** Fill value. */
  value: number;
}

function checkFill(op: string, value: unknown, dtype: DType): number {
  const ok = typeof value === "number" &&
    (dtype === "f32" || (dtype === "i32" ? Number.isInteger(value) : value === 0 || value === 1));
  if (!ok) {
    return attrError(
      op,
      `fill value ${JSON.stringify(value)} does not fit a ${dtype} tensor`,
      dtype === "f32" ? "pass a number" : dtype === "i32" ? "pass an integer" : "pass 0 or 1",
    );
  }
  return value as number;
}

defineOp<PadAttrs>({
  name: "pad",
  arity: 1,
  attrs: (raw, [x]) => {
    const rank = x.shape.length;
    const before = intList("pad", "before", raw.before as number[], rank);
    const after = intList("pad", "after", raw.after as number[], rank);
    for (let ax = 0; ax < rank; ax++) {
      if (before[ax] < 0 || after[ax] < 0) {
        return attrError(
          "pad",
          `negative padding [${before[ax]}, ${after[ax]}] on axis ${ax}`,
          "pad amounts must be >= 0; crop with slice() instead",
        );
      }
    }
    return { before, after, value: checkFill("pad", raw.value ?? 0, x.dtype) };
  },
  infer: ([x], a) => ({
    shape: x.shape.map((d, ax) => a.before[ax] + d + a.after[ax]),
    dtype: x.dtype,
  }),
  vjp: ({ inputs: [x], grad, attrs }) => [
    slice(grad, attrs.before, x.shape.map((d, ax) => attrs.before[ax] + d)),
  ],
});

/** Constant padding: `pads[axis] = [before, after]` (non-negative), filled with `value`. */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  if (!Array.isArray(pads) || pads.length !== x.rank || !pads.every((p) => p?.length === 2)) {
    return attrError(
      "pad",
      `needs one [before, after] pair per axis of the rank-${x.rank} input, got ${
        JSON.stringify(pads)
      }`,
      `pass ${x.rank} pairs, e.g. [[0, 0], [1, 1]]`,
    );
  }
  return x.graph.apply("pad", [x], {
    before: pads.map((p) => p[0]),
    after: pads.map((p) => p[1]),
    value,
  });
}

// ---- gather / scatter_add -----------------------------------------------------------------

function needIndices(op: string, t: TensorInfo): void {
  if (t.dtype !== "i32") {
    attrError(op, `indices must be i32, got ${t.dtype}`, "cast the indices to i32");
  }
}

defineOp<AxisAttrs>({
  name: "gather",
  arity: 2,
  attrs: (raw, [x]) => {
    if (x.shape.length === 0) {
      return attrError(
        "gather",
        "cannot gather from a scalar",
        "gather from a tensor of rank >= 1",
      );
    }
    return { axis: axisAttr("gather", raw.axis, x.shape.length) };
  },
  infer: ([x, idx], { axis }) => {
    needIndices("gather", idx);
    return {
      shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)],
      dtype: x.dtype,
    };
  },
  vjp: ({ inputs: [x, idx], grad, attrs: { axis } }) => [
    scatterAdd(grad, idx, axis, x.shape[axis]),
    null,
  ],
});

/**
 * Select entries of `x` along `axis` by i32 `indices` (each in [0, size)):
 * the result has shape `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 */
export function gather(x: Tensor, indices: Tensor, axis: number): Tensor {
  return x.graph.apply("gather", [x, indices], { axis });
}

/** Attributes of `scatter_add`: the output axis indexed and its size. */
export interface ScatterAddAttrs extends Attrs {
  /** Output axis the indices address (normalised, non-negative). */
  axis: number;
  /** Length of that output axis. */
  size: number;
}

defineOp<ScatterAddAttrs>({
  name: "scatter_add",
  arity: 2,
  attrs: (raw, [upd, idx]) => {
    const outRank = upd.shape.length - idx.shape.length + 1;
    if (outRank < 1) {
      return attrError(
        "scatter_add",
        `updates ${fmtShape(upd.shape)} have fewer axes than indices ${fmtShape(idx.shape)}`,
        "updates must have shape prefix + indices.shape + suffix",
      );
    }
    const size = raw.size;
    if (typeof size !== "number" || !Number.isInteger(size) || size < 0) {
      return attrError(
        "scatter_add",
        `attribute "size" must be a non-negative integer, got ${JSON.stringify(size)}`,
        "pass the size of the output axis",
      );
    }
    return { axis: axisAttr("scatter_add", raw.axis, outRank), size };
  },
  infer: ([upd, idx], { axis, size }) => {
    needIndices("scatter_add", idx);
    if (upd.dtype === "bool") {
      return attrError("scatter_add", "cannot add bool updates", "cast the updates to f32 or i32");
    }
    const mid = upd.shape.slice(axis, axis + idx.shape.length);
    if (mid.length !== idx.shape.length || mid.some((d, i) => d !== idx.shape[i])) {
      return attrError(
        "scatter_add",
        `updates ${fmtShape(upd.shape)} do not hold indices ${fmtShape(idx.shape)} at axis ${axis}`,
        "updates must have shape prefix + indices.shape + suffix, with the prefix of length axis",
      );
    }
    return {
      shape: [...upd.shape.slice(0, axis), size, ...upd.shape.slice(axis + idx.shape.length)],
      dtype: upd.dtype,
    };
  },
  vjp: ({ inputs: [, idx], grad, attrs: { axis } }) => [gather(grad, idx, axis), null],
});

/**
 * The transpose of `gather`: zeros with `axis` of length `size`, where each
 * update slice is added at its index (repeated indices accumulate).
 */
export function scatterAdd(updates: Tensor, indices: Tensor, axis: number, size: number): Tensor {
  return updates.graph.apply("scatter_add", [updates, indices], { axis, size });
}

// ---- one_hot ------------------------------------------------------------------------------

/** Attributes of `one_hot`. */
export interface OneHotAttrs extends Attrs {
  /** Number of classes (the length of the new last axis). */
  readonly depth: number;
}

defineOp<OneHotAttrs>({
  name: "one_hot",
  arity: 1,
  attrs: (raw) => {
    const d = raw.depth;
    if (typeof d !== "number" || !Number.isInteger(d) || d < 1) {
      return attrError(
        "one_hot",
        `depth must be a positive integer, got ${JSON.stringify(d)}`,
        "pass the number of classes",
      );
    }
    return { depth: d };
  },
  infer: ([idx], { depth }) => {
    needIndices("one_hot", idx);
    return { shape: [...idx.shape, depth], dtype: "f32" };
  },
  // No vjp: the indices are integers.
});

/** f32 one-hot encoding `[...indices.shape, depth]`; out-of-range indices give a zero row. */
export function oneHot(indices: Tensor, depth: number): Tensor {
  return indices.graph.apply("one_hot", [indices], { depth });
}
