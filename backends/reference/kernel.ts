/**
 * The reference backend's kernel table. A kernel is prepared once per node
 * at compile time (precomputing index tables, tiling decisions) and returns
 * the function that runs it. Kernels must write every element of `out`:
 * pooled buffers are reused and hold stale values.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Node } from "../../core/graph.ts";
import type { TensorData } from "../../core/host_tensor.ts";

/** Runs a prepared kernel: read `ins`, write all of `out`. */
export type KernelRun = (out: TensorData, ins: readonly TensorData[]) => void;

/** Prepare a kernel for `node` whose inputs are `inputs`; `f64` is the float precision. */
export type Kernel = (node: Node, inputs: readonly Node[], f64: boolean) => KernelRun;

const kernels = new Map<string, Kernel>();

/** Register the reference kernel of op `op`. */
export function registerKernel(op: string, kernel: Kernel): void {
  if (kernels.has(op)) {
    throw new ActlabError(`reference kernel "${op}" registered twice`, "register once");
  }
  kernels.set(op, kernel);
}

/** The kernel of `op`, or an error naming the missing op. */
export function getKernel(op: string): Kernel {
  const k = kernels.get(op);
  if (!k) {
    throw new ActlabError(
      `the reference backend has no kernel for op "${op}"`,
      "add one in backends/reference/kernels/",
    );
  }
  return k;
}

/** Ops that have a reference kernel. */
export function kernelOps(): string[] {
  return [...kernels.keys()].sort();
}
