/**
 * The WebGPU backend's kernel table. A kernel is planned once per node at
 * compile time: it returns the passes (compute dispatches and buffer copies)
 * that compute the node, with their WGSL source and uniform data. The
 * executable compiles each distinct WGSL source once (the source encodes the
 * op, the shape-dependent constants and the attributes, so the pipeline
 * cache is keyed by it), binds the planned buffers once, and replays the
 * passes every run. Kernels must write every element of the output: pooled
 * buffers are reused and hold stale values.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Node } from "../../core/graph.ts";

/** A buffer a pass reads or writes: the output, input `i`, scratch buffer `i`, or diagnostics. */
export type BufferRef =
  | { readonly kind: "out" }
  | { readonly kind: "in"; readonly index: number }
  | { readonly kind: "scratch"; readonly index: number }
  | { readonly kind: "diag" };

/** The node's output buffer. */
export const OUT: BufferRef = { kind: "out" };

/**
 * The executable's diagnostics buffer: 4 atomic u32 words [flag, node id,
 * value, position] that kernels set on bad data (out-of-range indices); it
 * is read back with the outputs and turned into an error after the run.
 */
export const DIAG: BufferRef = { kind: "diag" };

/** Input `index`'s buffer. */
export function inp(index: number): BufferRef {
  return { kind: "in", index };
}

/** Scratch buffer `index` of the node's plan. */
export function scratch(index: number): BufferRef {
  return { kind: "scratch", index };
}

/**
 * A compute dispatch. Storage buffers are bound at bindings 0…k−1 in the
 * order of `buffers`; `uniforms`, when present, at binding k.
 */
export interface DispatchPass {
  /** Discriminant. */
  readonly kind: "dispatch";
  /** WGSL source with entry point `main`. */
  readonly code: string;
  /** Storage buffers, in binding order. */
  readonly buffers: readonly BufferRef[];
  /** Uniform data (u32 words), bound after the storage buffers. */
  readonly uniforms?: Uint32Array<ArrayBuffer>;
  /**
   * Workgroups to launch. A number is a 1-D count that the executable folds
   * into 2-D when it exceeds `maxComputeWorkgroupsPerDimension`; shaders
   * recover the linear id with `WG_ID` (see wgsl.ts).
   */
  readonly workgroups: number | readonly [number, number, number];
}

/** A buffer-to-buffer copy of `bytes` bytes (multiples of 4). */
export interface CopyPass {
  /** Discriminant. */
  readonly kind: "copy";
  /** Source buffer. */
  readonly src: BufferRef;
  /** Destination buffer. */
  readonly dst: BufferRef;
  /** Bytes to copy (a multiple of 4). */
  readonly bytes: number;
  /** Byte offset in the source (default 0). */
  readonly srcOffset?: number;
  /** Byte offset in the destination (default 0). */
  readonly dstOffset?: number;
}

/** One step of a node's computation. */
export type Pass = DispatchPass | CopyPass;

/** What a kernel plans for one node. */
export interface KernelPlan {
  /** Passes in execution order (empty for a node with no elements). */
  readonly passes: readonly Pass[];
  /** Sizes in bytes of scratch buffers the passes use (private to the node). */
  readonly scratchBytes?: readonly number[];
}

/** Device limits a kernel may plan around. */
export interface KernelLimits {
  /** Bytes of workgroup memory one workgroup may use. */
  readonly maxComputeWorkgroupStorageSize: number;
  /** Invocations one workgroup may have. */
  readonly maxComputeInvocationsPerWorkgroup: number;
  /** Storage buffers one shader may bind. */
  readonly maxStorageBuffersPerShaderStage: number;
}

/** What a kernel sees at planning time. */
export interface KernelContext {
  /** The node to compute. */
  readonly node: Node;
  /** Its input nodes. */
  readonly inputs: readonly Node[];
  /** Device limits. */
  readonly limits: KernelLimits;
}

/** Plans the passes of one node. */
export type GpuKernel = (ctx: KernelContext) => KernelPlan;

const kernels = new Map<string, GpuKernel>();

/** Register the WebGPU kernel of op `op`. */
export function registerGpuKernel(op: string, kernel: GpuKernel): void {
  if (kernels.has(op)) {
    throw new ActlabError(`webgpu kernel "${op}" registered twice`, "register once");
  }
  kernels.set(op, kernel);
}

/** The kernel of `op`, or an error naming the missing op. */
export function getGpuKernel(op: string): GpuKernel {
  const k = kernels.get(op);
  if (!k) {
    throw new ActlabError(
      `the webgpu backend has no kernel for op "${op}"`,
      "add one in backends/webgpu/kernels/, or run this graph on --backend reference",
    );
  }
  return k;
}

/** Ops that have a WebGPU kernel. */
export function gpuKernelOps(): string[] {
  return [...kernels.keys()].sort();
}
