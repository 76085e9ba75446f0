/**
 * Loading oneDNN (libdnnl.so.2, the 2.x C API of `dnnl.h`) through Deno FFI.
 * The library is `ACTLAB_ONEDNN_LIB` when set, otherwise `libdnnl.so.2` on
 * the standard loader path (Debian/Ubuntu: `apt-get install -y libdnnl2`,
 * oneDNN 2.6.3 — the library Debian's PyTorch links). Only the 2.x ABI is
 * accepted: oneDNN 3.x replaced the by-value descriptor structs this layer
 * packs (see `memory.ts`) with opaque handles.
 *
 * Threads: the Debian build runs on OpenMP (libgomp), which sizes its pool
 * from `OMP_NUM_THREADS` once, when the library is loaded. When
 * `OMP_NUM_THREADS` is unset and `ACTLAB_THREADS` is set, loading sets
 * `OMP_NUM_THREADS = ACTLAB_THREADS` first; with neither set, OpenMP uses
 * every core. A process that already loaded libgomp (another backend) keeps
 * its pool size.
 * @module
 */

import { envVar } from "../../core/env.ts";

const SYMBOLS = {
  dnnl_version: { parameters: [], result: "pointer" },
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: "i32" },
  dnnl_engine_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: "i32" },
  dnnl_stream_wait: { parameters: ["pointer"], result: "i32" },
  dnnl_stream_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_desc_init_by_strides: {
    parameters: ["buffer", "i32", "buffer", "i32", "buffer"],
    result: "i32",
  },
  dnnl_memory_desc_init_by_tag: {
    parameters: ["buffer", "i32", "buffer", "i32", "i32"],
    result: "i32",
  },
  dnnl_memory_desc_equal: { parameters: ["buffer", "buffer"], result: "i32" },
  dnnl_memory_desc_get_size: { parameters: ["buffer"], result: "usize" },
  dnnl_memory_create: { parameters: ["buffer", "buffer", "pointer", "pointer"], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "buffer"], result: "i32" },
  dnnl_memory_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_matmul_desc_init: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "pointer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "pointer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_binary_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_eltwise_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "buffer", "f32", "f32"],
    result: "i32",
  },
  dnnl_pooling_v2_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_pooling_v2_backward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_softmax_v2_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "buffer", "buffer", "i32"],
    result: "i32",
  },
  dnnl_batch_normalization_forward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_batch_normalization_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_layer_normalization_forward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_layer_normalization_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_reduction_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "f32"],
    result: "i32",
  },
  dnnl_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_query: {
    parameters: ["pointer", "i32", "i32", "buffer"],
    result: "i32",
  },
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "buffer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: "i32" },
  dnnl_primitive_execute: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  dnnl_primitive_destroy: { parameters: ["pointer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The bound oneDNN C functions. */
export type DnnlSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** A loaded oneDNN library. */
export interface DnnlLibrary {
  /** The C functions used by this backend. */
  readonly symbols: DnnlSymbols;
  /** Where it was loaded from (the path or soname passed to `dlopen`). */
  readonly path: string;
  /** `major.minor.patch` reported by `dnnl_version()`. */
  readonly version: string;
  /** The OpenMP thread setting in force when it was loaded (`OMP_NUM_THREADS`, or "all cores"). */
  readonly threads: string;
}

/** The outcome of loading: the library, or why not and how to fix it. */
export type DnnlLoad =
  | { readonly ok: true; readonly lib: DnnlLibrary }
  | { readonly ok: false; readonly reason: string; readonly fix: string };

const INSTALL = "install oneDNN 2.x: `apt-get install -y libdnnl2` (Debian/Ubuntu), or set " +
  "ACTLAB_ONEDNN_LIB to the path of a libdnnl.so.2";

/** Set OpenMP's pool size from ACTLAB_THREADS before libgomp starts (see the module header). */
function configureThreads(): string {
  const omp = envVar("OMP_NUM_THREADS");
  if (omp !== undefined && omp !== "") return `OMP_NUM_THREADS=${omp}`;
  const want = envVar("ACTLAB_THREADS");
  if (want !== undefined && /^[1-9][0-9]*$/.test(want)) {
    Deno.env.set("OMP_NUM_THREADS", want);
    return `ACTLAB_THREADS=${want}`;
  }
  return `all ${navigator.hardwareConcurrency} cores (OpenMP default)`;
}

function readVersion(symbols: DnnlSymbols): string {
  const p = symbols.dnnl_version();
  if (p === null) return "unknown";
  const v = new Deno.UnsafePointerView(p);
  return `${v.getInt32(0)}.${v.getInt32(4)}.${v.getInt32(8)}`;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

/** glibc's `dlopen` flags: resolve now, never unmap on `dlclose`. */
const RTLD_NOW = 2;
const RTLD_NODELETE = 0x1000;

/**
 * Keep `path` mapped for the life of the process. oneDNN's OpenMP threads
 * outlive the Deno worker (or test file) that loaded it: when that worker
 * ends, Deno closes its handle, and unmapping the library under those
 * threads crashed the process (a segfault in a runtime thread, seen in CI
 * with `deno test --parallel`). A second `dlopen` with RTLD_NODELETE pins the
 * same object. Without glibc's `libc.so.6` the pin is skipped.
 */
function pinResident(path: string): void {
  let libc: Deno.DynamicLibrary<{ dlopen: { parameters: ["buffer", "i32"]; result: "pointer" } }>;
  try {
    libc = Deno.dlopen("libc.so.6", {
      dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
    });
  } catch {
    return;
  }
  try {
    libc.symbols.dlopen(new TextEncoder().encode(`${path}\0`), RTLD_NOW | RTLD_NODELETE);
  } finally {
    libc.close();
  }
}

function load(): DnnlLoad {
  const custom = envVar("ACTLAB_ONEDNN_LIB");
  const path = custom !== undefined && custom !== "" ? custom : "libdnnl.so.2";
  let threads: string;
  let dl: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    threads = configureThreads();
    dl = Deno.dlopen(path, SYMBOLS);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      return {
        ok: false,
        reason: `loading ${path} needs FFI permission: ${firstLine(e)}`,
        fix: "run deno with --allow-ffi (and --allow-env for ACTLAB_ONEDNN_LIB / ACTLAB_THREADS)",
      };
    }
    return { ok: false, reason: `cannot load ${path}: ${firstLine(e)}`, fix: INSTALL };
  }
  const version = readVersion(dl.symbols);
  if (!version.startsWith("2.")) {
    dl.close();
    return {
      ok: false,
      reason: `${path} is oneDNN ${version}; this backend binds the 2.x C API`,
      fix: INSTALL,
    };
  }
  pinResident(path);
  return { ok: true, lib: { symbols: dl.symbols, path, version, threads } };
}

let loaded: DnnlLoad | undefined;

/** Load oneDNN once per process (later calls return the same outcome). */
export function loadDnnl(): DnnlLoad {
  return (loaded ??= load());
}
