/**
 * Axis merging for the host kernels: a reduction's input shape with its
 * reduced axes becomes the shortest list of runs that index the same flat
 * layout — size-1 axes dropped (they move no index), adjacent axes of the
 * same kind (both kept or both reduced) merged — so a kernel loops over at
 * most a few merged dimensions whose innermost runs are contiguous.
 * @module
 */

/** A shape as alternating kept/reduced runs, outermost first. */
export interface MergedAxes {
  /** Size of each run (every one > 1, except a lone run of a one-element tensor). */
  readonly sizes: readonly number[];
  /** Whether each run is reduced. */
  readonly reduced: readonly boolean[];
}

/** Merge `shape` (with `axes` reduced) into alternating runs; a one-element tensor is one kept run of size 1. */
export function mergeAxes(shape: readonly number[], axes: readonly number[]): MergedAxes {
  const sizes: number[] = [];
  const reduced: boolean[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const r = axes.includes(i);
    if (reduced.length > 0 && reduced[reduced.length - 1] === r) sizes[sizes.length - 1] *= d;
    else {
      sizes.push(d);
      reduced.push(r);
    }
  });
  if (sizes.length === 0) return { sizes: [1], reduced: [false] };
  return { sizes, reduced };
}
