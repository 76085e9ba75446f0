/**
 * The onednn-cpu executable's buffers in one WebAssembly memory, so that its
 * WASM kernels (kernels/fused.ts) address every pooled buffer, state,
 * constant and feed (copied in each run) in place; oneDNN reads the same
 * bytes through their addresses (the memory never grows, so they never
 * move). After the executor's regions comes the kernels' scratch (a
 * reduction's float64 accumulators).
 * A store too large for a 32-bit memory (4 GiB), or
 * `ACTLAB_ONEDNN_WASM=off`, gives a plain ArrayBuffer and no memory: every
 * fused node then runs its JavaScript loop.
 * @module
 */
import { envVar } from "../../../core/env.ts";
import type { BackingStore } from "../../reference/executable.ts";

/** The executable's WebAssembly memory, once the executor has asked for its store. */
export interface WasmArena {
  /** The memory (null: none, see the module header). */
  memory: WebAssembly.Memory | null;
  /** Byte offset of the kernels' scratch. */
  scratchOffset: number;
  /** Bytes of scratch. */
  scratchBytes: number;
  /** How many WASM kernels were instantiated on the memory (a count for tests and profiles). */
  kernels: number;
}

const PAGE = 65536;
const MAX_PAGES = 65536;

/** An empty arena (no memory yet). */
export function wasmArena(): WasmArena {
  return { memory: null, scratchOffset: 0, scratchBytes: 0, kernels: 0 };
}

/** A backing store that creates `arena`'s memory with `scratchBytes` of kernel scratch after it. */
export function wasmBacking(arena: WasmArena, scratchBytes: number): BackingStore {
  return (bytes) => {
    const offset = Math.ceil(bytes / 64) * 64;
    const pages = Math.max(1, Math.ceil((offset + scratchBytes) / PAGE));
    if (envVar("ACTLAB_ONEDNN_WASM") === "off" || pages > MAX_PAGES) return new ArrayBuffer(bytes);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    arena.memory = memory;
    arena.scratchOffset = offset;
    arena.scratchBytes = scratchBytes;
    return memory.buffer as ArrayBuffer; // not shared: created without `shared: true`
  };
}
