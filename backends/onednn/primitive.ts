/**
 * One oneDNN primitive bound to its memory objects: created once per graph
 * node at compile time from an initialised op descriptor (conv, matmul, …),
 * then run as many times as the executable runs — each run sets every
 * memory's data handle to that run's buffer and executes with a
 * `dnnl_exec_arg_t` array packed once (16 bytes each on x86-64:
 * `int arg`, 4 bytes padding, `dnnl_memory_t memory`).
 * @module
 */
import type { TensorData } from "../../core/host_tensor.ts";
import { type DnnlContext, outHandle } from "./engine.ts";
import { createMemory } from "./memory.ts";
import { check } from "./status.ts";
import { ActlabError } from "../../core/errors.ts";

/** An op descriptor buffer: large enough for every 2.6 op descriptor (conv: 5,976 bytes). */
export function opDescBuffer(): Uint8Array {
  return new Uint8Array(8192);
}

const QUERY_IMPL_INFO_STR = 8; // dnnl_query_t dnnl_query_impl_info_str

/** `dnnl_prop_kind_t` values of dnnl_types.h (2.6) the kernels create primitives for. */
export const PROP = {
  forwardTraining: 64,
  forwardInference: 96,
  backward: 128,
  backwardData: 160,
} as const;

/** `DNNL_ARG_*` values of dnnl_types.h (2.6). */
export const ARG = {
  SRC: 1,
  SRC_1: 2,
  DST: 17,
  WEIGHTS: 33,
  BIAS: 41,
  DIFF_SRC: 129,
  DIFF_DST: 145,
  DIFF_WEIGHTS: 161,
  WORKSPACE: 64,
  MEAN: 49,
  VARIANCE: 50,
  SCALE: 51,
  SHIFT: 52,
  DIFF_SCALE: 255,
  DIFF_SHIFT: 256,
} as const;

/** A primitive argument: its `DNNL_ARG_*` and memory descriptor. */
export interface PrimitiveArg {
  /** `DNNL_ARG_*`. */
  readonly arg: number;
  /** Its memory descriptor (from `memoryDesc`). */
  readonly md: Uint8Array;
}

/**
 * What a primitive is made from: an initialised op descriptor (with a
 * forward hint for backward ops), or a primitive descriptor created already
 * (`primitiveDesc`, a reorder's) whose ownership passes to the primitive.
 */
export type PrimitiveSource = Uint8Array | { readonly pd: Deno.PointerObject };

/** Handles a primitive owns, destroyed together. */
export class DnnlPrimitive {
  private readonly ctx: DnnlContext;
  private readonly what: string;
  private readonly pds: Deno.PointerObject[];
  /** oneDNN's name of the implementation it chose (`dnnl_query_impl_info_str`), e.g. `ref:any`. */
  readonly impl: string;
  private readonly primitive: Deno.PointerObject | null = null;
  private readonly memories: Deno.PointerObject[];
  private readonly args: Uint8Array;
  private destroyed = false;

  /**
   * Create the primitive descriptor of `source` (with `hint`, a forward
   * primitive descriptor, for backward ops; it is kept alive with this
   * primitive), the primitive, and one memory per arg.
   */
  constructor(
    ctx: DnnlContext,
    source: PrimitiveSource,
    args: readonly PrimitiveArg[],
    what: string,
    hint: Deno.PointerObject | null = null,
  ) {
    this.ctx = ctx;
    this.what = what;
    const s = ctx.lib.symbols;
    const cell = new BigUint64Array(1);
    let pd: Deno.PointerObject;
    if (source instanceof Uint8Array) {
      const status = s.dnnl_primitive_desc_create(cell, source, null, ctx.engine, hint);
      if (status !== 0 && hint) s.dnnl_primitive_desc_destroy(hint);
      check(status, "dnnl_primitive_desc_create", what);
      pd = outHandle(cell, "dnnl_primitive_desc_create");
    } else {
      pd = source.pd;
    }
    this.pds = hint ? [pd, hint] : [pd];
    this.memories = [];
    const info = s.dnnl_primitive_desc_query(pd, QUERY_IMPL_INFO_STR, 0, cell);
    const str = info === 0 ? Deno.UnsafePointer.create(cell[0]) : null;
    this.impl = str ? Deno.UnsafePointerView.getCString(str) : "unknown";
    try {
      check(s.dnnl_primitive_create(cell, pd), "dnnl_primitive_create", what);
      this.primitive = outHandle(cell, "dnnl_primitive_create");
    } catch (e) {
      for (const p of this.pds) s.dnnl_primitive_desc_destroy(p);
      throw e;
    }
    this.args = new Uint8Array(16 * args.length);
    const view = new DataView(this.args.buffer);
    try {
      args.forEach(({ arg, md }, i) => {
        const mem = createMemory(ctx, md, `${what}, arg ${arg}`);
        this.memories.push(mem);
        view.setInt32(16 * i, arg, true);
        view.setBigUint64(16 * i + 8, BigInt(Deno.UnsafePointer.value(mem)), true);
      });
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  /** Execute on `data` (one buffer per arg, in the constructor's order) and wait. */
  run(data: readonly (TensorData | Uint8Array)[]): void {
    const s = this.ctx.lib.symbols;
    if (data.length !== this.memories.length) {
      throw new ActlabError(
        `${this.what}: ${data.length} buffers for ${this.memories.length} arguments`,
        "pass one buffer per argument, in order (a bug in a onednn-cpu kernel)",
      );
    }
    for (let i = 0; i < this.memories.length; i++) {
      check(
        s.dnnl_memory_set_data_handle(this.memories[i], data[i] as Float32Array),
        "dnnl_memory_set_data_handle",
        this.what,
      );
    }
    check(
      s.dnnl_primitive_execute(this.primitive, this.ctx.stream, this.memories.length, this.args),
      "dnnl_primitive_execute",
      this.what,
    );
    check(s.dnnl_stream_wait(this.ctx.stream), "dnnl_stream_wait", this.what);
  }

  /** Destroy the memories, the primitive and its descriptors (idempotent). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const s = this.ctx.lib.symbols;
    for (const m of this.memories) s.dnnl_memory_destroy(m);
    if (this.primitive) s.dnnl_primitive_destroy(this.primitive);
    for (const p of this.pds) s.dnnl_primitive_desc_destroy(p);
  }
}

/**
 * Create a primitive descriptor only: a forward hint for a backward op, or
 * one whose chosen layouts are read before its primitive is made. With
 * `hint`, the hint is released if creation fails.
 */
export function primitiveDesc(
  ctx: DnnlContext,
  opDesc: Uint8Array,
  what: string,
  hint: Deno.PointerObject | null = null,
): Deno.PointerObject {
  const cell = new BigUint64Array(1);
  const status = ctx.lib.symbols.dnnl_primitive_desc_create(cell, opDesc, null, ctx.engine, hint);
  if (status !== 0 && hint) ctx.lib.symbols.dnnl_primitive_desc_destroy(hint);
  check(status, "dnnl_primitive_desc_create", what);
  return outHandle(cell, "dnnl_primitive_desc_create");
}

/** A reorder primitive descriptor: `src` layout to `dst` layout, on the CPU engine. */
export function reorderDesc(
  ctx: DnnlContext,
  src: Uint8Array,
  dst: Uint8Array,
  what: string,
): Deno.PointerObject {
  const cell = new BigUint64Array(1);
  check(
    ctx.lib.symbols.dnnl_reorder_primitive_desc_create(
      cell,
      src,
      ctx.engine,
      dst,
      ctx.engine,
      null,
    ),
    "dnnl_reorder_primitive_desc_create",
    what,
  );
  return outHandle(cell, "dnnl_reorder_primitive_desc_create");
}
