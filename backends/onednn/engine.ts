/**
 * The process's oneDNN CPU engine and its one in-order stream: every
 * onednn-cpu executable runs its primitives on them, one at a time (kernels
 * run sequentially on the JS thread; the parallelism is inside each primitive).
 * @module
 */
import type { DnnlLibrary } from "./library.ts";
import { check } from "./status.ts";

const DNNL_CPU = 1; // dnnl_engine_kind_t dnnl_cpu
const STREAM_DEFAULT_FLAGS = 1; // dnnl_stream_default_flags (in-order)

/** An engine and a stream on it. */
export interface DnnlContext {
  /** The library they came from. */
  readonly lib: DnnlLibrary;
  /** `dnnl_engine_t`. */
  readonly engine: Deno.PointerObject;
  /** `dnnl_stream_t`. */
  readonly stream: Deno.PointerObject;
}

/** Read the handle a `T *out` argument received. */
export function outHandle(cell: BigUint64Array, fn: string): Deno.PointerObject {
  const p = Deno.UnsafePointer.create(cell[0]);
  if (p === null) check(5, fn, "returned a null handle");
  return p!;
}

const contexts = new Map<DnnlLibrary, DnnlContext>();

/** The engine and stream of `lib`, created on first use and kept for the process. */
export function dnnlContext(lib: DnnlLibrary): DnnlContext {
  const hit = contexts.get(lib);
  if (hit) return hit;
  const cell = new BigUint64Array(1);
  check(lib.symbols.dnnl_engine_create(cell, DNNL_CPU, 0n), "dnnl_engine_create", "CPU engine 0");
  const engine = outHandle(cell, "dnnl_engine_create");
  check(
    lib.symbols.dnnl_stream_create(cell, engine, STREAM_DEFAULT_FLAGS),
    "dnnl_stream_create",
    "CPU stream",
  );
  const ctx = { lib, engine, stream: outHandle(cell, "dnnl_stream_create") };
  contexts.set(lib, ctx);
  return ctx;
}
