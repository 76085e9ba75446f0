/**
 * What the kernel micro-benchmarks share: deterministic inputs and the
 * median time per output element of a prepared kernel run.
 * @module
 */
import { allocData, type DType, type TensorData } from "../core/host_tensor.ts";
import type { KernelRun } from "../backends/reference/kernel.ts";

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
