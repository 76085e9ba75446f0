/**
 * The onednn-cpu kernel tables and the lookup the shared executor uses. A
 * node is prepared by the first of three that takes it:
 * 1. its oneDNN kernel — oneDNN primitives created once per node, owned by
 *    the executable, agreeing with the reference to float32 rounding (or a
 *    few ulp: exp, tanh, softmax, and `erf`, the one float32 TypeScript
 *    kernel here, since oneDNN has no erf) — unless that declines the node: a zero-sized tensor
 *    (oneDNN's descriptors take none), or a form the primitive lacks (see each
 *    kernel's header, e.g. a binary op broadcasting its first operand);
 * 2. its host kernel (`host/`): a float32 TypeScript loop specialised per op
 *    and per layout, bit-identical with the reference kernel, for the ops
 *    oneDNN lacks or cannot run with actlab's semantics (NaN in comparisons,
 *    first-maximum pooling) — unless it declines the node too;
 * 3. the reference backend's TypeScript kernel.
 * All three work on the reference executor's planned, pooled f32 buffers.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Node } from "../../core/graph.ts";
import { sizeOf } from "../../core/host_tensor.ts";
import type { KernelLookup } from "../reference/executable.ts";
import { getKernel, type KernelRun } from "../reference/kernel.ts";
import "../reference/kernels/mod.ts";
import type { DnnlContext } from "./engine.ts";
import {
  DnnlPrimitive,
  opDescBuffer,
  type PrimitiveArg,
  type PrimitiveSource,
} from "./primitive.ts";
import { check } from "./status.ts";
import { ScratchArena } from "./scratch.ts";
import { type WasmArena, wasmArena } from "./wasm/memory.ts";

/** What a oneDNN kernel prepares against: the context, and the owner of what it creates. */
export interface OnednnEnv {
  /** Engine and stream. */
  readonly ctx: DnnlContext;
  /** Hand a created primitive to the executable (destroyed on dispose). */
  own(p: DnnlPrimitive): void;
  /** The executable's scratch for tensors kept in a primitive's own layout. */
  readonly scratch: ScratchArena;
  /** The WebAssembly memory holding the executable's buffers (for the WASM kernels). */
  readonly wasm: WasmArena;
  /**
   * What one node's kernel leaves for another's, by key, while the
   * executable compiles (a max pooling's workspace, for its gradient).
   */
  readonly shared: Map<string, unknown>;
}

/** A fresh environment: `own` receives each created primitive; empty scratch, no memory yet. */
export function kernelEnv(ctx: DnnlContext, own: (p: DnnlPrimitive) => void): OnednnEnv {
  return { ctx, own, scratch: new ScratchArena(), wasm: wasmArena(), shared: new Map() };
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

/** Prepare `node` as a host (TypeScript) kernel, or return null to leave it to the reference kernel. */
export type HostKernel = (node: Node, inputs: readonly Node[]) => KernelRun | null;

const kernels = new Map<string, OnednnKernel>();
const hostKernels = new Map<string, HostKernel>();

/** Register the oneDNN kernel of `op`. */
export function registerOnednnKernel(op: string, kernel: OnednnKernel): void {
  if (kernels.has(op)) {
    throw new ActlabError(`onednn kernel "${op}" registered twice`, "register once");
  }
  kernels.set(op, kernel);
}

/** Register the host (specialised TypeScript) kernel of `op`. */
export function registerHostKernel(op: string, kernel: HostKernel): void {
  if (hostKernels.has(op)) {
    throw new ActlabError(`onednn host kernel "${op}" registered twice`, "register once");
  }
  hostKernels.set(op, kernel);
}

/** Ops that run on oneDNN primitives (the rest run TypeScript kernels). */
export function onednnOps(): string[] {
  return [...kernels.keys()].sort();
}

/** Ops with a host (specialised TypeScript) kernel. */
export function hostOps(): string[] {
  return [...hostKernels.keys()].sort();
}

/** The executor's kernel lookup: oneDNN, then the host kernel, then the reference kernel. */
export function onednnLookup(env: OnednnEnv): KernelLookup {
  return (op) => {
    const k = kernels.get(op);
    const h = hostKernels.get(op);
    if (!k && !h) return getKernel(op);
    return (node, inputs, f64) => {
      const empty = [node, ...inputs].some((n) => sizeOf(n.shape) === 0);
      return (!empty && k ? k(env, node, inputs) : null) ??
        (h ? h(node, inputs) : null) ??
        getKernel(op)(node, inputs, f64);
    };
  };
}

/** Create the primitive of `source` and hand it to the executable (destroyed on dispose). */
export function ownPrimitive(
  env: OnednnEnv,
  source: PrimitiveSource,
  args: readonly PrimitiveArg[],
  what: string,
  hint: Deno.PointerObject | null = null,
): DnnlPrimitive {
  const p = new DnnlPrimitive(env.ctx, source, args, what, hint);
  env.own(p);
  return p;
}

/**
 * A backward op descriptor, filled by `init` (which returns its status and
 * the C function's name); the forward primitive descriptor `hint` the
 * backward op will take is released if the descriptor cannot be made.
 */
export function backwardDesc(
  env: OnednnEnv,
  hint: Deno.PointerObject,
  init: (desc: Uint8Array) => [status: number, fn: string],
  what: string,
): Uint8Array {
  const desc = opDescBuffer();
  try {
    const [status, fn] = init(desc);
    check(status, fn, what);
  } catch (e) {
    env.ctx.lib.symbols.dnnl_primitive_desc_destroy(hint);
    throw e;
  }
  return desc;
}

/** Create and own a backward primitive (`backwardDesc`), which keeps `hint`. */
export function ownBackwardPrimitive(
  env: OnednnEnv,
  hint: Deno.PointerObject,
  init: (desc: Uint8Array) => [status: number, fn: string],
  args: readonly PrimitiveArg[],
  what: string,
): DnnlPrimitive {
  return ownPrimitive(env, backwardDesc(env, hint, init, what), args, what, hint);
}

/**
 * `ownPrimitive`, or null when oneDNN only has its reference implementation
 * for it (`ref:any`: measured 3–30 ns per element, slower than the host
 * kernels — a u8 comparison result against a scalar, a partial reduction).
 */
export function ownFastPrimitive(
  env: OnednnEnv,
  source: PrimitiveSource,
  args: readonly PrimitiveArg[],
  what: string,
): DnnlPrimitive | null {
  const p = new DnnlPrimitive(env.ctx, source, args, what);
  if (p.impl.startsWith("ref")) {
    p.destroy();
    return null;
  }
  env.own(p);
  return p;
}
