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
import type { FusedProgram, FusedReduction } from "./fuse_loops.ts";
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
 * stride is 0 or 1.
 */
export function fusedNest(program: FusedProgram, leafShapes: readonly (readonly number[])[]): Nest {
  const { kind, domain, axes } = program;
  const outStrides = kind !== "map" ? accumulatorStrides(domain, axes) : stridesOf(domain);
  const m = mergeAxes(domain, [
    outStrides,
    ...leafShapes.map((shape) => broadcastStrides(shape, domain)),
    ...mergedReductions(program).map((r) => accumulatorStrides(domain, r.axes)),
  ]);
  const nest = nestOf(m.dims, m.strides);
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
