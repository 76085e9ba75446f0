/**
 * The tfjs backends' kernel table: one entry per catalogue op. A kernel is
 * prepared once per node (static geometry, constant tensors) and returns the
 * function that computes the node from its input tensors. The executable
 * runs each call inside `tf.tidy`, so a kernel may create temporaries freely;
 * it must return a new tensor (never one of its inputs).
 * @module
 */
import type * as TF from "@tensorflow/tfjs-core";
import { ActlabError } from "../../core/errors.ts";
import type { Node } from "../../core/graph.ts";
import type { DType } from "../../core/host_tensor.ts";
import type { TfjsFlavour, TfModule } from "./loader.ts";

/** A TF.js tensor. */
export type T = TF.Tensor;

/** What a kernel receives at prepare time. */
export interface TfKernelContext {
  /** The TF.js module (loaded lazily, so kernels never import it themselves). */
  readonly tf: TfModule;
  /** The kernel set the executable runs on (for set-specific fast paths). */
  readonly flavour: TfjsFlavour;
  /** Keep a tensor for the executable's lifetime (disposed with it); returns it. */
  keep<X extends T>(t: X): X;
}

/** Computes a node from its inputs. */
export type TfKernelRun = (ins: readonly T[]) => T;

/** Prepares the kernel of `node` whose inputs are `inputs`. */
export type TfKernel = (ctx: TfKernelContext, node: Node, inputs: readonly Node[]) => TfKernelRun;

const kernels = new Map<string, TfKernel>();

/** Register the tfjs kernel of op `op`. */
export function registerTfKernel(op: string, kernel: TfKernel): void {
  if (kernels.has(op)) {
    throw new ActlabError(`tfjs kernel "${op}" registered twice`, "register once");
  }
  kernels.set(op, kernel);
}

/** The kernel of `op`, or an error naming the missing op. */
export function getTfKernel(op: string): TfKernel {
  const k = kernels.get(op);
  if (!k) {
    throw new ActlabError(
      `the tfjs backends have no kernel for op "${op}"`,
      "add one in backends/tfjs/kernels/",
    );
  }
  return k;
}

/** Ops that have a tfjs kernel. */
export function tfKernelOps(): string[] {
  return [...kernels.keys()].sort();
}

/** TF.js dtype of an actlab dtype. */
export function tfDtype(d: DType): "float32" | "int32" | "bool" {
  return d === "f32" ? "float32" : d === "i32" ? "int32" : "bool";
}
