/**
 * Loads TensorFlow.js lazily and switches its (process-global) engine to one
 * of four kernel sets. Nothing here runs at import time: importing actlab
 * never loads TF.js, and the native `tfjs-node` packages are only imported
 * when a `tfjs-node`/`tfjs-gpu` backend is probed or compiled.
 *
 * - `wasm`: `@tensorflow/tfjs-backend-wasm`. Its `.wasm` binaries ship inside
 *   the npm package and are read from `node_modules` by file path (no
 *   network). SIMD is used when the runtime validates it (Deno: yes);
 *   TF.js turns multithreading off under Node-compatible runtimes, and
 *   forcing it fails in Deno (emscripten spawns `worker_threads` from an
 *   inline script, which Deno's `worker_threads` rejects), so it runs on one thread.
 * - `cpu`: `@tensorflow/tfjs-backend-cpu`, plain JavaScript kernels.
 * - `node` / `node-gpu`: `@tensorflow/tfjs-node(-gpu)`, libtensorflow through
 *   Node-API. Their npm install script downloads libtensorflow, so they
 *   cannot be installed offline and are not dependencies of actlab.
 * @module
 */
import type * as TF from "@tensorflow/tfjs-core";
import type { TfjsFlavour } from "./backend.ts";

export type { TfjsFlavour } from "./backend.ts";

/** The TF.js core module. */
export type TfModule = typeof TF;

/** The outcome of loading one flavour. */
export type TfjsLoad =
  | { readonly ok: true; readonly tf: TfModule; readonly detail: string }
  | { readonly ok: false; readonly reason: string; readonly fix: string };

/** TF.js version the optional native packages must match (the one in deno.json). */
export const TFJS_VERSION = "4.22.0";

/** The npm package and TF.js engine name of each native flavour. */
const NATIVE: Record<"node" | "node-gpu", { pkg: string; engine: string; needs: string }> = {
  "node": { pkg: "@tensorflow/tfjs-node", engine: "tensorflow", needs: "" },
  "node-gpu": {
    pkg: "@tensorflow/tfjs-node-gpu",
    engine: "tensorflow",
    needs: " and an NVIDIA GPU with CUDA 11.x and cuDNN 8",
  },
};

/** The TF.js engine name of a flavour (what `tf.setBackend` takes). */
export function engineName(flavour: TfjsFlavour): string {
  return flavour === "wasm" || flavour === "cpu" ? flavour : NATIVE[flavour].engine;
}

/** How to install a native flavour (shown by `probe()` and in errors). */
export function nativeFix(flavour: "node" | "node-gpu"): string {
  const { pkg, needs } = NATIVE[flavour];
  return `on a machine with internet${needs}: add "${pkg}": "npm:${pkg}@${TFJS_VERSION}" to ` +
    `deno.json "imports" and run \`deno install --allow-scripts=npm:${pkg}\` (its install ` +
    "script downloads libtensorflow); run actlab with --allow-ffi";
}

/** Absolute file paths of the WASM binaries inside the installed npm package. */
function wasmFiles(): Record<string, string> {
  const entry = new URL(import.meta.resolve("@tensorflow/tfjs-backend-wasm"));
  const names = [
    "tfjs-backend-wasm.wasm",
    "tfjs-backend-wasm-simd.wasm",
    "tfjs-backend-wasm-threaded-simd.wasm",
  ];
  // The package's main file lives in dist/, next to the binaries.
  return Object.fromEntries(names.map((n) => [n, new URL(n, entry).pathname]));
}

let core: Promise<TfModule> | undefined;
const loads = new Map<TfjsFlavour, Promise<TfjsLoad>>();

function loadCore(): Promise<TfModule> {
  core ??= import("@tensorflow/tfjs-core");
  return core;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

async function loadWasm(): Promise<TfjsLoad> {
  try {
    const tf = await loadCore();
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const files = wasmFiles();
    for (const path of Object.values(files)) await Deno.stat(path);
    wasm.setWasmPaths(files);
    if (!(await tf.setBackend("wasm"))) throw new Error("the WASM module did not initialise");
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    return {
      ok: true,
      tf,
      detail: `TF.js ${tf.version_core} WASM, SIMD ${simd ? "on" : "off"}, ` +
        `${wasm.getThreadsCount()} thread`,
    };
  } catch (e) {
    return {
      ok: false,
      reason: `the TF.js WASM backend failed to load: ${firstLine(e)}`,
      fix: "run `deno install` (npm:@tensorflow/tfjs-backend-wasm is in deno.json; its .wasm " +
        "files are read from node_modules, so Deno needs --allow-read there)",
    };
  }
}

async function loadCpu(): Promise<TfjsLoad> {
  try {
    const tf = await loadCore();
    await import("@tensorflow/tfjs-backend-cpu");
    if (!(await tf.setBackend("cpu"))) throw new Error("the CPU backend did not initialise");
    return { ok: true, tf, detail: `TF.js ${tf.version_core} plain-JavaScript kernels` };
  } catch (e) {
    return {
      ok: false,
      reason: `the TF.js CPU backend failed to load: ${firstLine(e)}`,
      fix: "run `deno install` (npm:@tensorflow/tfjs-backend-cpu is in deno.json)",
    };
  }
}

async function loadNative(flavour: "node" | "node-gpu"): Promise<TfjsLoad> {
  const { pkg, engine } = NATIVE[flavour];
  const ffi = await Deno.permissions.query({ name: "ffi" });
  if (ffi.state !== "granted") {
    return {
      ok: false,
      reason: `${pkg} is a native addon and Deno was started without FFI permission`,
      fix: "run deno with --allow-ffi",
    };
  }
  try {
    const tf = await loadCore();
    // A variable specifier: `deno check` must not try to resolve (and download) it.
    const spec: string = pkg;
    await import(spec);
    if (!(await tf.setBackend(engine))) {
      throw new Error(`the "${engine}" engine did not initialise`);
    }
    // libtensorflow's GPU build quietly runs on the CPU when it finds no usable CUDA device:
    // the GPU backend says so instead of falling back.
    const gpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
    if (flavour === "node-gpu" && !gpu) {
      return {
        ok: false,
        reason:
          `${pkg} loaded, but libtensorflow found no usable CUDA GPU (it would run on the CPU)`,
        fix: "install an NVIDIA driver, CUDA 11.x and cuDNN 8, or use --backend tfjs-node",
      };
    }
    return { ok: true, tf, detail: `${pkg} (libtensorflow${gpu ? ", CUDA GPU" : ""})` };
  } catch (e) {
    const msg = firstLine(e);
    // Deno's wording for a package that is not in deno.json: the usual, offline case.
    const missing = /not a dependency|not in import map|Cannot find module/i.test(msg);
    return {
      ok: false,
      reason: missing
        ? `${pkg} is not installed (its install script downloads libtensorflow, so it ` +
          "cannot be installed offline)"
        : `${pkg} failed to load: ${msg}`,
      fix: nativeFix(flavour),
    };
  }
}

/** Load a flavour once per process (later calls return the same outcome). */
export function loadTfjs(flavour: TfjsFlavour): Promise<TfjsLoad> {
  let p = loads.get(flavour);
  if (!p) {
    p = flavour === "wasm" ? loadWasm() : flavour === "cpu" ? loadCpu() : loadNative(flavour);
    loads.set(flavour, p);
  }
  return p;
}

/**
 * Make `flavour` the engine's active backend. TF.js has one active backend
 * per process; every executable activates its own before it creates or runs
 * tensors, so executables of different tfjs backends can coexist.
 */
export async function activate(tf: TfModule, flavour: TfjsFlavour): Promise<void> {
  const name = engineName(flavour);
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) {
    throw new Error(`TF.js could not switch to its "${name}" backend`);
  }
}
