/**
 * The onednn-cpu kernel table and the lookup the shared executor uses. An op
 * with a oneDNN kernel is prepared as oneDNN primitives (created once per
 * node, owned by the executable); every other op runs the reference
 * backend's TypeScript kernel on the same pooled buffers, and so does a node
 * a oneDNN kernel declines: a zero-sized tensor (oneDNN's descriptors take
 * none), or a form the primitive lacks (see each kernel's header, e.g. a
 * binary op broadcasting its first operand).
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

/**
 * Prepare `node` (none of whose tensors is empty) as oneDNN primitives, or
 * return null to have it run on the reference kernel.
 */
export type OnednnKernel = (
  env: OnednnEnv,
  node: Node,
  inputs: readonly Node[],
) => KernelRun | null;

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
      return (empty ? null : k(env, node, inputs)) ?? getKernel(op)(node, inputs, f64);
    };
  };
}
