/**
 * Host kernels for `sum`, `mean` and `max` over any axes (float32 in and out,
 * float64 accumulation), bit-identical with the reference kernels
 * (backends/reference/kernels/reduce.ts): each output accumulates its inputs
 * in ascending input index from 0 (`sum`, `mean`, then `/ count`) or from −∞
 * (`max`: a NaN wins, the first of equal values stays). Instead of the
 * reference's per-element index table, the shape is merged into alternating
 * kept/reduced runs (nest.ts `mergeAxes` with the output's strides, 0 on a
 * reduced axis) and the input is scanned once in flat order in
 * blocks of its two innermost runs:
 * - innermost reduced ([kept a, reduced b]): local double accumulators over
 *   contiguous runs of b, four outputs at a time (independent add chains
 *   overlap; each output still adds in ascending order);
 * - innermost kept ([reduced a, kept b]): a row of b double accumulators,
 *   each updated from four contiguous rows per pass (`((acc + x₀) + x₁) + …`,
 *   the same additions in the same order).
 * Outer runs step an odometer once per block. Accumulators live in a float64
 * row the size of the output, rounded into `out` (÷ count for `mean`) at the
 * end. Scanning in flat order keeps each output's additions in the
 * reference's order.
 * Declines (to the reference kernel) non-f32 tensors and empty ones.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { type HostKernel, registerHostKernel } from "../kernel.ts";
import { mergeAxes } from "./nest.ts";
import { stridesOf } from "../../../core/shape.ts";

/** The loop plan of one reduction. */
interface Plan {
  /** Sizes of the outer runs (all but the innermost two). */
  readonly outerSizes: Int32Array;
  /** Output strides of the outer runs (0 for reduced ones). */
  readonly outerStrides: Int32Array;
  /** Odometer scratch, one counter per outer run. */
  readonly counter: Int32Array;
  /** Blocks (product of the outer sizes). */
  readonly blocks: number;
  /** Outer size of the innermost block. */
  readonly a: number;
  /** Inner (contiguous) size of the innermost block. */
  readonly b: number;
  /** Whether the innermost run is reduced ([kept a, reduced b]) or kept ([reduced a, kept b]). */
  readonly lastReduced: boolean;
  /** Number of inputs per output. */
  readonly count: number;
  /** Float64 accumulators, one per output. */
  readonly acc: Float64Array;
}

/**
 * `shape` as alternating kept/reduced runs: size-1 axes dropped, adjacent
 * axes of one kind merged (stride 0 in the output marks a reduced run); a
 * one-element tensor is one kept run of size 1.
 */
function keptReducedRuns(
  shape: readonly number[],
  axes: readonly number[],
): { sizes: number[]; reduced: boolean[] } {
  const outStrides = stridesOf(shape.map((d, i) => (axes.includes(i) ? 1 : d)))
    .map((st, i) => (axes.includes(i) ? 0 : st));
  const m = mergeAxes(shape, [stridesOf(shape), outStrides]);
  if (m.dims.length === 0) return { sizes: [1], reduced: [false] };
  return { sizes: m.dims, reduced: m.strides[1].map((st) => st === 0) };
}

function plan(node: Node, x: Node): Plan | null {
  if (node.dtype !== "f32" || x.dtype !== "f32") return null;
  if (sizeOf(x.shape) === 0 || sizeOf(node.shape) === 0) return null;
  const { axes } = attrsOf(node, ["sum", "mean", "max"]);
  const { sizes, reduced } = keptReducedRuns(x.shape, axes);
  const m = sizes.length;
  const strides = new Array<number>(m).fill(0);
  for (let i = m - 1, s = 1; i >= 0; i--) {
    if (!reduced[i]) {
      strides[i] = s;
      s *= sizes[i];
    }
  }
  const outer = Math.max(m - 2, 0);
  const lastReduced = reduced[m - 1];
  return {
    outerSizes: Int32Array.from(sizes.slice(0, outer)),
    outerStrides: Int32Array.from(strides.slice(0, outer)),
    counter: new Int32Array(outer),
    blocks: sizes.slice(0, outer).reduce((p, d) => p * d, 1),
    a: m >= 2 ? sizes[m - 2] : 1,
    b: sizes[m - 1],
    lastReduced,
    count: axes.reduce((c, ax) => c * x.shape[ax], 1),
    acc: new Float64Array(sizeOf(node.shape)),
  };
}

/** Advance the odometer over the outer runs; returns the output offset delta. */
function step(p: Plan): number {
  const { outerSizes, outerStrides, counter } = p;
  let delta = 0;
  for (let d = counter.length - 1; d >= 0; d--) {
    delta += outerStrides[d];
    if (++counter[d] < outerSizes[d]) break;
    delta -= outerStrides[d] * outerSizes[d];
    counter[d] = 0;
  }
  return delta;
}

/**
 * acc[o + k] += Σ x[q + k·b + j] over j, for k < count, each sum in ascending j.
 * Four runs at a time: their additions are independent chains, so they
 * overlap instead of waiting on one another's latency.
 */
function sumRuns(
  acc: Float64Array,
  o: number,
  x: Float32Array,
  q: number,
  b: number,
  count: number,
) {
  let k = 0;
  for (; k + 4 <= count; k += 4, q += 4 * b) {
    let s0 = acc[o + k], s1 = acc[o + k + 1], s2 = acc[o + k + 2], s3 = acc[o + k + 3];
    for (let j = q, q1 = q + b, q2 = q1 + b, q3 = q2 + b; j < q1; j++) {
      s0 += x[j];
      s1 += x[q1 - q + j];
      s2 += x[q2 - q + j];
      s3 += x[q3 - q + j];
    }
    acc[o + k] = s0;
    acc[o + k + 1] = s1;
    acc[o + k + 2] = s2;
    acc[o + k + 3] = s3;
  }
  for (; k < count; k++, q += b) {
    let s = acc[o + k];
    for (let j = q; j < q + b; j++) s += x[j];
    acc[o + k] = s;
  }
}

/** acc[o + k] = max(acc[o + k], x[q + k·b + j] over ascending j) for k < count; a NaN wins. */
function maxRuns(
  acc: Float64Array,
  o: number,
  x: Float32Array,
  q: number,
  b: number,
  count: number,
) {
  let k = 0;
  for (; k + 4 <= count; k += 4, q += 4 * b) {
    let m0 = acc[o + k], m1 = acc[o + k + 1], m2 = acc[o + k + 2], m3 = acc[o + k + 3];
    for (let j = q, d = b; j < q + b; j++) {
      const v0 = x[j], v1 = x[j + d], v2 = x[j + 2 * d], v3 = x[j + 3 * d];
      if (v0 > m0 || v0 !== v0) m0 = v0;
      if (v1 > m1 || v1 !== v1) m1 = v1;
      if (v2 > m2 || v2 !== v2) m2 = v2;
      if (v3 > m3 || v3 !== v3) m3 = v3;
    }
    acc[o + k] = m0;
    acc[o + k + 1] = m1;
    acc[o + k + 2] = m2;
    acc[o + k + 3] = m3;
  }
  for (; k < count; k++, q += b) {
    let m = acc[o + k];
    for (let j = q; j < q + b; j++) {
      const v = x[j];
      if (v > m || v !== v) m = v;
    }
    acc[o + k] = m;
  }
}

/**
 * acc[o + j] += x[q + r·b + j] for r < count in ascending r, each j kept in
 * order: four rows per pass, `((acc + x₀) + x₁) + …` in a register, so the
 * row of accumulators is loaded and stored once per four rows.
 */
function addRows(
  acc: Float64Array,
  o: number,
  x: Float32Array,
  q: number,
  b: number,
  count: number,
) {
  let r = 0;
  for (; r + 4 <= count; r += 4, q += 4 * b) {
    for (let j = 0, i = q; j < b; j++, i++) {
      acc[o + j] = acc[o + j] + x[i] + x[i + b] + x[i + 2 * b] + x[i + 3 * b];
    }
  }
  for (; r < count; r++, q += b) {
    for (let j = 0, i = q; j < b; j++, i++) acc[o + j] += x[i];
  }
}

/** acc[o + j] = max(acc[o + j], x[q + r·b + j] over ascending r < count); a NaN wins. Four rows per pass. */
function maxRows(
  acc: Float64Array,
  o: number,
  x: Float32Array,
  q: number,
  b: number,
  count: number,
) {
  let r = 0;
  for (; r + 4 <= count; r += 4, q += 4 * b) {
    for (let j = 0, i = q; j < b; j++, i++) {
      let m = acc[o + j];
      const v0 = x[i], v1 = x[i + b], v2 = x[i + 2 * b], v3 = x[i + 3 * b];
      if (v0 > m || v0 !== v0) m = v0;
      if (v1 > m || v1 !== v1) m = v1;
      if (v2 > m || v2 !== v2) m = v2;
      if (v3 > m || v3 !== v3) m = v3;
      acc[o + j] = m;
    }
  }
  for (; r < count; r++, q += b) {
    for (let j = 0, i = q; j < b; j++, i++) {
      const v = x[i];
      if (v > acc[o + j] || v !== v) acc[o + j] = v;
    }
  }
}

/** `out[i] = Σ inputs` (÷ `div` when not 1), each sum from 0 in ascending input index. */
function runSum(p: Plan, out: Float32Array, x: Float32Array, div: number): void {
  const { a, b, acc } = p;
  acc.fill(0);
  p.counter.fill(0);
  let o = 0, q = 0;
  for (let it = 0; it < p.blocks; it++, q += a * b) {
    if (p.lastReduced) sumRuns(acc, o, x, q, b, a);
    else addRows(acc, o, x, q, b, a);
    o += step(p);
  }
  if (div === 1) { for (let i = 0; i < acc.length; i++) out[i] = acc[i]; }
  else for (let i = 0; i < acc.length; i++) out[i] = acc[i] / div;
}

/** `out[i] = max inputs` from −∞ in ascending input index; a NaN wins. */
function runMax(p: Plan, out: Float32Array, x: Float32Array): void {
  const { a, b, acc } = p;
  acc.fill(-Infinity);
  p.counter.fill(0);
  let o = 0, q = 0;
  for (let it = 0; it < p.blocks; it++, q += a * b) {
    if (p.lastReduced) maxRuns(acc, o, x, q, b, a);
    else maxRows(acc, o, x, q, b, a);
    o += step(p);
  }
  for (let i = 0; i < acc.length; i++) out[i] = acc[i];
}

/** The host kernels of this file by op (registered below; tests call them directly). */
export const reduceHostKernels: Readonly<Record<string, HostKernel>> = {
  sum: (node, [x]): KernelRun | null => {
    const p = plan(node, x);
    return p && ((out, [xd]) => runSum(p, out as Float32Array, xd as Float32Array, 1));
  },
  mean: (node, [x]): KernelRun | null => {
    const p = plan(node, x);
    return p && ((out, [xd]) => runSum(p, out as Float32Array, xd as Float32Array, p.count));
  },
  max: (node, [x]): KernelRun | null => {
    const p = plan(node, x);
    return p && ((out, [xd]) => runMax(p, out as Float32Array, xd as Float32Array));
  },
};

for (const [op, k] of Object.entries(reduceHostKernels)) registerHostKernel(op, k);
