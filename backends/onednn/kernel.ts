/**
 * The onednn-cpu kernel table and the lookup the shared executor uses. An op
 * with a oneDNN kernel is prepared as oneDNN primitives (created once per
 * node, owned by the executable); every other op — and a oneDNN op on a
 * zero-sized tensor, which oneDNN's descriptors do not take — runs the
 * reference backend's TypeScript kernel on the same pooled buffers.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Node } from "../../core/graph.ts";
import { sizeOf } from "../../core/host_tensor.ts";
import type { KernelLookup } from "../reference/executable.ts";
import { getKernel, type KernelRun } from "../reference/kernel.ts";
import "../reference/kernels/mod.ts";
import type { DnnlContext } from "./engine.ts";
import type { DnnlPrimitive } from "./primitive.ts";

/** What a oneDNN kernel prepares against: the context, and the owner of what it creates. */
export interface OnednnEnv {
  /** Engine and stream. */
  readonly ctx: DnnlContext;
  /** Hand a created primitive to the executable (destroyed on dispose). */
  own(p: DnnlPrimitive): void;
}

/** Prepare `node` (all of whose tensors are non-empty f32) as oneDNN primitives. */
export type OnednnKernel = (env: OnednnEnv, node: Node, inputs: readonly Node[]) => KernelRun;

const kernels = new Map<string, OnednnKernel>();

/** Register the oneDNN kernel of `op`. */
export function registerOnednnKernel(op: string, kernel: OnednnKernel): void {
  if (kernels.has(op)) {
    throw new ActlabError(`onednn kernel "${op}" registered twice`, "register once");
  }
  kernels.set(op, kernel);
}

/** Ops that run on oneDNN primitives (the rest run the reference TypeScript kernels). */
export function onednnOps(): string[] {
  return [...kernels.keys()].sort();
}

/** The executor's kernel lookup: oneDNN where registered, the reference kernel otherwise. */
export function onednnLookup(env: OnednnEnv): KernelLookup {
  return (op) => {
    const k = kernels.get(op);
    if (!k) return getKernel(op);
    return (node, inputs, f64) => {
      const empty = [node, ...inputs].some((n) => sizeOf(n.shape) === 0);
      return empty ? getKernel(op)(node, inputs, f64) : k(env, node, inputs);
    };
  };
}
