/**
 * Host kernels of the indexing ops — `slice`, `slice_grad`, `pad`, `concat`,
 * `gather`, `scatter_add` — for the layouts where they beat the reference
 * kernels (backends/reference/kernels/indexing.ts), measured by
 * bench/onednn_host_indexing_bench.ts.
 *
 * The reference slices, pads and slice gradients through a per-element index
 * table (`out[i] = a[idx[i]]`), one loop shared by every dtype. Here a slice
 * is a box of the larger tensor: its axes merge where both sides stay
 * contiguous (nest.ts), and where what is left are rows contiguous on both
 * sides and at least `NATIVE_ROW` long, each row is one native `set` (vit's
 * qkv split and [128,50,384] class token: 1.3–13×; the rare [128,50,96]
 * class token, 128 rows of 96 far apart, 0.5–2.3× by JIT state). Other layouts decline: an element
 * loop over short or strided rows measured 0.7× the reference's index table
 * when that loop has only ever seen f32 (1.2–1.6× when it has seen several
 * dtypes). `slice_grad` and `pad` first `fill` the output (0, or the pad
 * value) as the reference does, then copy the box in. `concat` is taken only
 * where the reference copies some input in chunks under `NATIVE_ROW` (one
 * `set` per chunk): there a per-dtype generated loop copies it (2.3–2.5×);
 * longer chunks are the same `set`s on both sides, and it declines.
 * `gather` with rows under `NATIVE_ROW` and `scatter_add` run the reference's
 * own loops, generated per dtype (codegen.ts) so that V8 sees one element
 * kind per loop: `scatter_add` adds in the reference's order (outer
 * position, then index, then element, into a zero-filled output, each sum
 * stored into the output's typed array), so f32 sums round exactly as there
 * and i32 sums wrap as there. Their gain is the reference loop's
 * polymorphism: 1.4–1.8× (gather, short rows) and 1.4–4.7× (scatter_add)
 * where that loop has also run on i32, 1.6–1.8× and 1.0–1.1× where it has
 * only seen f32. Indices are checked as the reference checks
 * them (in [0, size)); on an out-of-range index the reference kernel runs
 * instead, so the same `ActlabError` is thrown. Values are only copied (or
 * summed as there), so results are the reference's bit for bit, −0 included
 * (a NaN's payload aside, which V8 does not keep stable across its own tiers
 * either).
 *
 * Left to the reference, as no faster here: `one_hot` (its loop is as fast
 * once warm: 1.0×), and `cast` to f32 (bool masks, i32: the reference's
 * `out.set(x)`, V8's native conversion, measured 0.35–0.4 ns/element on 2.4M
 * elements, a generated loop 0.9 from bool and 1.7 from i32).
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { type DType, type Shape, sizeOf, type TensorData } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { stridesOf } from "../../../core/shape.ts";
import { getKernel, type KernelRun } from "../../reference/kernel.ts";
import "../../reference/kernels/indexing.ts";
import { type HostKernel, registerHostKernel } from "../kernel.ts";
import { generated } from "./codegen.ts";
import { mergeAxes, nestOf } from "./nest.ts";

/** Rows at least this long, contiguous on both sides, are copied with the native `set`. */
const NATIVE_ROW = 32;

type CopyKind = "set" | "run" | "strided";

/** The row copy of `dtype` of one kind, over a nest's outer positions and rows. */
function copyKernel(dtype: DType, kind: CopyKind) {
  const row: Record<CopyKind, string> = {
    set: "o.set(X.subarray(xo, xo + cols), oo);",
    run: "for (let c = 0; c < cols; c++) o[oo + c] = X[xo + c];",
    strided: "for (let c = 0, p = oo, q = xo; c < cols; c++, p += oc, q += xc) o[p] = X[q];",
  };
  return generated(
    `host_box_${dtype}_${kind}`,
    ["o", "X", "OB", "XB", "count", "rows", "cols", "or", "xr", "oc", "xc", "o0", "x0"],
    `
  for (let j = 0; j < count; j++) {
    let oo = o0 + OB[j], xo = x0 + XB[j];
    for (let r = 0; r < rows; r++) {
      ${row[kind]}
      oo += or; xo += xr;
    }
  }`,
  );
}

/** A copy of one input into the output: `out[dstBase + i·dst] = x[srcBase + i·src]` over a box. */
type BoxCopy = (out: TensorData, x: TensorData) => void;

/** A box copy, and whether it copies whole rows with the native `set`. */
interface Box {
  readonly copy: BoxCopy;
  readonly native: boolean;
}

/**
 * The copy of a `dims` box read at `srcStrides` from `srcBase` and written
 * at `dstStrides` from `dstBase`, its axes merged into one nest.
 */
function boxCopy(
  dtype: DType,
  dims: Shape,
  dst: readonly number[],
  dstBase: number,
  src: readonly number[],
  srcBase: number,
): Box {
  const m = mergeAxes(dims, [dst, src]);
  const { bases: [OB, XB], rows, cols, rowStrides: [or, xr], colStrides: [oc, xc] } = nestOf(
    m.dims,
    m.strides,
  );
  const kind: CopyKind = oc === 1 && xc === 1 ? (cols >= NATIVE_ROW ? "set" : "run") : "strided";
  const k = copyKernel(dtype, kind);
  const count = OB.length;
  return {
    copy: (out, x) => k(out, x, OB, XB, count, rows, cols, or, xr, oc, xc, dstBase, srcBase),
    native: kind === "set",
  };
}

/** Strides of `shape` times `steps`, and the offset of `starts`. */
function steppedStrides(shape: Shape, starts: readonly number[], steps: readonly number[]) {
  const st = stridesOf(shape);
  return {
    strides: st.map((s, ax) => s * steps[ax]),
    base: starts.reduce((acc, s, ax) => acc + s * st[ax], 0),
  };
}

const empty = (nodes: readonly Node[]) => nodes.some((n) => sizeOf(n.shape) === 0);

function slice(node: Node, [x]: readonly Node[]): KernelRun | null {
  if (empty([node, x])) return null;
  const { starts, steps } = attrsOf(node, "slice");
  const { strides, base } = steppedStrides(x.shape, starts, steps);
  const { copy, native } = boxCopy(node.dtype, node.shape, stridesOf(node.shape), 0, strides, base);
  if (!native) return null;
  return (out, [a]) => copy(out, a);
}

function sliceGrad(node: Node, [dy]: readonly Node[]): KernelRun | null {
  if (empty([node, dy])) return null;
  const { starts, steps } = attrsOf(node, "slice_grad");
  const { strides, base } = steppedStrides(node.shape, starts, steps);
  const { copy, native } = boxCopy(node.dtype, dy.shape, strides, base, stridesOf(dy.shape), 0);
  if (!native) return null;
  return (out, [g]) => {
    out.fill(0);
    copy(out, g);
  };
}

function pad(node: Node, [x]: readonly Node[]): KernelRun | null {
  if (empty([node, x])) return null;
  const { before, value } = attrsOf(node, "pad");
  const { strides, base } = steppedStrides(node.shape, before, before.map(() => 1));
  const { copy, native } = boxCopy(node.dtype, x.shape, strides, base, stridesOf(x.shape), 0);
  if (!native) return null;
  return (out, [a]) => {
    out.fill(value);
    copy(out, a);
  };
}

/**
 * `concat`, where the reference copies some input in chunks shorter than
 * `NATIVE_ROW` (one `set` per chunk: 3.3× here on chunks of 7 and 9);
 * where every chunk is longer, both copy the same chunks with `set`, and it
 * declines.
 */
function concat(node: Node, inputs: readonly Node[]): KernelRun | null {
  if (empty([node])) return null;
  const axis = attrsOf(node, "concat").axis;
  const chunk = (x: Node) => sizeOf(x.shape.slice(axis));
  if (!inputs.some((x) => chunk(x) > 0 && chunk(x) < NATIVE_ROW)) return null;
  const st = stridesOf(node.shape);
  const copies: [number, BoxCopy][] = [];
  let at = 0;
  inputs.forEach((x, k) => {
    if (sizeOf(x.shape) > 0) {
      const box = boxCopy(node.dtype, x.shape, st, at * st[axis], stridesOf(x.shape), 0);
      copies.push([k, box.copy]);
    }
    at += x.shape[axis];
  });
  return (out, ins) => {
    for (const [k, copy] of copies) copy(out, ins[k]);
  };
}

/** Loop bounds of gather/scatter_add around the indexed axis of the "big" tensor. */
function axisGeometry(big: Shape, axis: number) {
  return {
    outer: sizeOf(big.slice(0, axis)),
    dim: big[axis],
    inner: sizeOf(big.slice(axis + 1)),
  };
}

/** True when every index lies in [0, dim), the reference's check. */
const indicesFit = generated(
  "host_indices_fit",
  ["ids", "dim"],
  `
  for (let j = 0; j < ids.length; j++) {
    const v = ids[j];
    if (v < 0 || v >= dim) return false;
  }
  return true;`,
) as unknown as (ids: TensorData, dim: number) => boolean;

/** The reference's gather loop for rows under `NATIVE_ROW`, generated per dtype. */
function gatherKernel(dtype: DType) {
  return generated(
    `host_gather_${dtype}`,
    ["o", "a", "ids", "outer", "dim", "nIdx", "inner"],
    `
  for (let oi = 0; oi < outer; oi++) {
    for (let j = 0; j < nIdx; j++) {
      const s = (oi * dim + ids[j]) * inner;
      const d = (oi * nIdx + j) * inner;
      for (let t = 0; t < inner; t++) o[d + t] = a[s + t];
    }
  }`,
  );
}

function gather(node: Node, inputs: readonly Node[]): KernelRun | null {
  const [x, ind] = inputs;
  if (empty([node, x, ind])) return null;
  const { outer, dim, inner } = axisGeometry(x.shape, attrsOf(node, "gather").axis);
  // From 32 elements on the reference copies rows with `set` too: no gain.
  if (inner >= NATIVE_ROW) return null;
  const nIdx = sizeOf(ind.shape);
  const k = gatherKernel(node.dtype);
  const reference = getKernel("gather")(node, inputs, false);
  return (out, ins) => {
    const [a, ids] = ins;
    if (!indicesFit(ids, dim)) return reference(out, ins);
    k(out, a, ids, outer, dim, nIdx, inner);
  };
}

function scatterKernel(dtype: DType) {
  return generated(
    `host_scatter_add_${dtype}`,
    ["o", "u", "ids", "outer", "dim", "nIdx", "inner"],
    `
  o.fill(0);
  for (let oi = 0; oi < outer; oi++) {
    for (let j = 0; j < nIdx; j++) {
      const d = (oi * dim + ids[j]) * inner;
      const s = (oi * nIdx + j) * inner;
      for (let t = 0; t < inner; t++) o[d + t] += u[s + t];
    }
  }`,
  );
}

function scatterAdd(node: Node, inputs: readonly Node[]): KernelRun | null {
  const [upd, ind] = inputs;
  if (empty([node, upd, ind])) return null;
  const { outer, dim, inner } = axisGeometry(node.shape, attrsOf(node, "scatter_add").axis);
  const nIdx = sizeOf(ind.shape);
  const k = scatterKernel(node.dtype);
  const reference = getKernel("scatter_add")(node, inputs, false);
  return (out, ins) => {
    const [u, ids] = ins;
    if (!indicesFit(ids, dim)) return reference(out, ins);
    k(out, u, ids, outer, dim, nIdx, inner);
  };
}

/** The host kernels of the indexing ops (registered below; the tests call them directly). */
export const INDEXING_HOST_KERNELS: Record<string, HostKernel> = {
  slice,
  slice_grad: sliceGrad,
  pad,
  concat,
  gather,
  scatter_add: scatterAdd,
};
for (const [op, k] of Object.entries(INDEXING_HOST_KERNELS)) registerHostKernel(op, k);
