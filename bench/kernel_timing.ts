/**
 * What the host-kernel micro-benchmarks share: deterministic inputs, the
 * median time per output element of a prepared kernel run, warming the
 * reference kernels up as a training step does, and the host-vs-reference
 * table.
 * @module
 */
import { getKernel, type KernelRun } from "../backends/reference/kernel.ts";
import "../backends/reference/kernels/mod.ts";
import { Graph, type Node, type Tensor } from "../core/graph.ts";
import { allocData, type DType, sizeOf, type TensorData } from "../core/host_tensor.ts";

/**
 * `n` values of `dtype` from a seeded LCG: integers below `bound` when given,
 * 0/1 for bool, else floats in [−1, 1).
 */
export function lcgFill(dtype: DType, n: number, seed: number, bound?: number): TensorData {
  const d = allocData(dtype, n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    d[i] = bound !== undefined ? s % bound : dtype === "bool" ? s & 1 : s / 2 ** 31 - 1;
  }
  return d;
}

/** Nanoseconds per output element: `warm` untimed runs, then the median of `reps`. */
export function medianNs(
  run: KernelRun,
  out: TensorData,
  ins: TensorData[],
  warm: number,
  reps: number,
): number {
  for (let i = 0; i < warm; i++) run(out, ins);
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run(out, ins);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return (t[reps >> 1] * 1e6) / out.length;
}

/** An input of a kernel case: [shape, dtype, bound of its integer values (i32 indices)]. */
export type Spec = readonly [readonly number[], DType, number?];

/** A graph of one op over inputs of `specs`. */
export type Build = (...t: Tensor[]) => Tensor;

/** The node `build` makes over inputs of `specs`, its input nodes and deterministic input data. */
function caseOf(specs: readonly Spec[], build: Build) {
  const g = new Graph();
  const node = g.nodes[build(...specs.map(([s, d], i) => g.input(`x${i}`, s, d))).id];
  const inputs = node.inputs.map((i) => g.nodes[i]);
  const ins = specs.map(([shape, dtype, bound], i) => lcgFill(dtype, sizeOf(shape), i + 1, bound));
  return { node, inputs, ins };
}

/**
 * Run each build's reference kernel 200 times on its small inputs, so the
 * reference's shared loops see several closures and array types
 * (megamorphic), as in a training step.
 */
export function polluteReference(builds: readonly (readonly [readonly Spec[], Build])[]): void {
  for (const [specs, build] of builds) {
    const { node, inputs, ins } = caseOf(specs, build);
    const run = getKernel(node.op)(node, inputs, false);
    const out = allocData(node.dtype, sizeOf(node.shape));
    for (let i = 0; i < 200; i++) run(out, ins);
  }
}

/**
 * Print ns per output element of the reference kernel and of `host`'s run
 * (or the reason it has none) for each case, checking both outputs equal
 * (NaN = NaN) so that a fast wrong kernel shows.
 */
export function hostVsReference(
  cases: readonly (readonly [string, readonly Spec[], Build])[],
  host: (node: Node, inputs: readonly Node[]) => KernelRun | string,
  warm: number,
  reps: number,
): void {
  console.log(`ns per output element (median of ${reps} runs)`);
  console.log(
    "case".padEnd(44) + "reference".padStart(10) + "host".padStart(10) + "speedup".padStart(9),
  );
  for (const [name, specs, build] of cases) {
    const { node, inputs, ins } = caseOf(specs, build);
    const n = sizeOf(node.shape);
    const want = allocData(node.dtype, n);
    const got = allocData(node.dtype, n);
    const ref = medianNs(getKernel(node.op)(node, inputs, false), want, ins, warm, reps);
    const run = host(node, inputs);
    if (typeof run === "string") {
      console.log(name.padEnd(44) + ref.toFixed(2).padStart(10) + `  ${run}: the reference runs`);
      continue;
    }
    const t = medianNs(run, got, ins, warm, reps);
    const same = got.every((v, i) => v === want[i] || (Number.isNaN(v) && Number.isNaN(want[i])));
    if (!same) throw new Error(`${name}: host and reference outputs differ`);
    console.log(
      name.padEnd(44) + ref.toFixed(2).padStart(10) + t.toFixed(2).padStart(10) +
        `${(ref / t).toFixed(1)}×`.padStart(9),
    );
  }
}
