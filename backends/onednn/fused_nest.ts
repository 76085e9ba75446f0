/**
 * The loop nest of a fused program (fuse_loops.ts), shared by its two
 * kernels (host/fused.ts, kernels/fused.ts) and by the pass that merges
 * reductions into maps: operand 0 is the output (or, for a reduction, its
 * float64 accumulator, stride 0 along the reduced axes), then each leaf at
 * its broadcast strides, then the accumulator of each reduction a merged map
 * also computes (`reductionsOf`), in the order of its outputs. nest.ts merges
 * the axes every operand walks contiguously.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { broadcastStrides, stridesOf } from "../../core/shape.ts";
import type { FusedProgram, FusedReduction, FusedSpread } from "./fuse_loops.ts";
import { mergeAxes, type Nest, nestOf } from "./host/nest.ts";

/** The strides of a reduction's accumulator over `axes` of `domain` (0 on reduced axes). */
function accumulatorStrides(domain: readonly number[], axes: readonly number[]): number[] {
  const kept = domain.map((d, i) => (axes.includes(i) ? 1 : d));
  return stridesOf(kept).map((st, i) => (axes.includes(i) ? 0 : st));
}

/** A merged map's reductions (`reductionsOf` less the nulls), in the order of its outputs. */
export function mergedReductions(program: FusedProgram): FusedReduction[] {
  return (program.reductions ?? []).filter((r): r is FusedReduction => r !== null);
}

/**
 * The loop nest of `program` over leaves of `leafShapes`; every column
 * stride is 0 or 1. A spread leaf (`FusedSpread`) keeps its covered axis
 * out of the two inner levels, so each call of the loop lies wholly inside
 * or wholly outside the part it covers: its base is its element there, or
 * −1 outside (the kernels read a row of zeros, row stride 0).
 */
export function fusedNest(program: FusedProgram, leafShapes: readonly (readonly number[])[]): Nest {
  const { kind, domain, axes } = program;
  const outStrides = kind !== "map" ? accumulatorStrides(domain, axes) : stridesOf(domain);
  const spreads = program.spreads ?? [];
  const k = spreads.findIndex((sp) => sp !== null);
  const operands = [
    outStrides,
    ...leafShapes.map((shape, j) =>
      spreads[j]
        // The leaf's own strides; NaN along the covered axis: no axis merges with it.
        ? stridesOf(shape).map((st, ax) => (ax === spreads[j]!.axis ? NaN : st))
        : broadcastStrides(shape, domain)
    ),
    ...mergedReductions(program).map((r) => accumulatorStrides(domain, r.axes)),
  ];
  const nest = k < 0
    ? nestOf(...mergedAxes(domain, operands))
    : spreadNest(domain, operands, 1 + k, spreads[k]!, stridesOf(leafShapes[k])[spreads[k]!.axis]);
  if (nest.colStrides.some((s) => s !== 0 && s !== 1)) {
    throw new ActlabError(
      `fused loop: leaves ${
        leafShapes.map((s) => `[${s}]`).join(" ")
      } are not broadcasts of [${domain}]`,
      "a bug in fuse_loops.ts",
    );
  }
  return nest;
}

/** `mergeAxes` of `operands` over `domain`, as `nestOf`'s first two arguments. */
function mergedAxes(
  domain: readonly number[],
  operands: readonly (readonly number[])[],
): [number[], number[][]] {
  const m = mergeAxes(domain, operands);
  return [m.dims, m.strides];
}

/**
 * The nest with operand `q` a spread over `sp` (its stride along the covered
 * axis `stride`): the covered axis is an outer one, and `q`'s base per call
 * is its element at the call's index along it, or −1 outside the cover.
 */
function spreadNest(
  domain: readonly number[],
  operands: readonly (readonly number[])[],
  q: number,
  sp: FusedSpread,
  stride: number,
): Nest {
  // An extra operand counts the covered axis: its base per call is the call's index there.
  const index = domain.map((_, ax) => (ax === sp.axis ? 1 : 0));
  const [dims, strides] = mergedAxes(domain, [...operands, index]);
  const c = strides.length - 1;
  const at = strides[c].indexOf(1);
  const rank = dims.length;
  strides[q] = strides[q].map((v) => (Number.isNaN(v) ? 0 : v));
  const nest = nestOf(dims, strides, at === rank - 2 ? rank - 3 : rank - 2);
  const calls = nest.bases[c];
  const bases = [...nest.bases.slice(0, c)];
  bases[q] = nest.bases[q].map((b, j) => {
    const t = calls[j] - sp.start;
    return t >= 0 && t < sp.count ? b + t * stride : -1;
  });
  return {
    rows: nest.rows,
    cols: nest.cols,
    rowStrides: nest.rowStrides.slice(0, c),
    colStrides: nest.colStrides.slice(0, c),
    bases,
  };
}

/** How many outputs a reduction over `axes` of `domain` has (the product of the kept axes). */
export function reducedOutputs(r: { domain: readonly number[]; axes: readonly number[] }): number {
  let n = 1;
  r.domain.forEach((d, i) => (n *= r.axes.includes(i) ? 1 : d));
  return n;
}

/** The count a `mean` over `axes` of `domain` divides by (the product of the reduced axes). */
export function reducedCount(r: { domain: readonly number[]; axes: readonly number[] }): number {
  let n = 1;
  for (const ax of r.axes) n *= r.domain[ax];
  return n;
}
