/**
 * The four tfjs backends. Each probes by loading its TF.js kernel set (the
 * native ones only then), and compiles graphs into `TfjsExecutable`s.
 * A backend that cannot load says why and how to fix it; nothing falls
 * back to another kernel set. These objects are stubs: TF.js and everything
 * that touches it live in `runtime.ts`, loaded on the first probe or compile
 * (`../lazy_runtime.ts`).
 * @module
 */
import { expandComposites } from "../../core/expand.ts";
import { ActlabError } from "../../core/errors.ts";
import type { Graph } from "../../core/graph.ts";
import type { Availability, Backend, CompileOptions, Executable } from "../backend.ts";
import { lazyRuntime } from "../lazy_runtime.ts";

/** Which kernel set a tfjs backend uses. */
export type TfjsFlavour = "wasm" | "cpu" | "node" | "node-gpu";

/** What the lazily loaded `runtime.ts` provides. */
export interface TfjsRuntime {
  /** Whether `flavour` can run here (loads its kernel set). */
  probe(flavour: TfjsFlavour): Promise<Availability>;
  /** Compile `graph` on `flavour`; `name` is the backend's, for messages. */
  compile(
    name: string,
    flavour: TfjsFlavour,
    graph: Graph,
    options?: CompileOptions,
  ): Promise<Executable>;
}

const runtime = lazyRuntime<TfjsRuntime>(
  "the TF.js backends (backends/tfjs/runtime.ts)",
  new URL("./runtime.ts", import.meta.url),
  "run `deno install` in the actlab checkout (the @tensorflow/* packages are in deno.json); " +
    "JSR users need jsr.io reachable",
);

interface Spec {
  readonly name: string;
  readonly flavour: TfjsFlavour;
  readonly description: string;
  readonly speedRank: number;
}

function createTfjsBackend(spec: Spec): Backend {
  return {
    name: spec.name,
    description: spec.description,
    speedRank: spec.speedRank,
    async probe(): Promise<Availability> {
      const r = await runtime();
      if (!r.ok) return { available: false, reason: r.reason, fix: r.fix };
      return await r.runtime.probe(spec.flavour);
    },
    async compile(graph: Graph, options?: CompileOptions): Promise<Executable> {
      const r = await runtime();
      if (!r.ok) throw new ActlabError(`backend "${spec.name}" is unavailable: ${r.reason}`, r.fix);
      return await r.runtime.compile(spec.name, spec.flavour, expandComposites(graph), options);
    },
  };
}

// Speed ranks: measured on the 2-core CI machine, tfjs-wasm runs a convnet step well below
// ort-cpu (bench/tfjs_bench.ts), so `auto` keeps ort first; the native libtensorflow kernels
// sit between them; the plain-JS kernels are the slowest but the reference.
/** `tfjs-gpu`: `@tensorflow/tfjs-node-gpu` (libtensorflow + CUDA); optional, installed by hand. */
export const tfjsGpuBackend: Backend = createTfjsBackend({
  name: "tfjs-gpu",
  flavour: "node-gpu",
  description:
    "TensorFlow.js kernels op by op on libtensorflow with CUDA (@tensorflow/tfjs-node-gpu)",
  speedRank: 15,
});

/** `tfjs-node`: `@tensorflow/tfjs-node` (libtensorflow on CPU); optional, installed by hand. */
export const tfjsNodeBackend: Backend = createTfjsBackend({
  name: "tfjs-node",
  flavour: "node",
  description: "TensorFlow.js kernels op by op on libtensorflow, CPU (@tensorflow/tfjs-node)",
  speedRank: 30,
});

/** `tfjs-wasm`: `@tensorflow/tfjs-backend-wasm` (XNNPACK, SIMD). */
export const tfjsWasmBackend: Backend = createTfjsBackend({
  name: "tfjs-wasm",
  flavour: "wasm",
  description: "TensorFlow.js WASM kernels (XNNPACK, SIMD) op by op",
  speedRank: 40,
});

/** `tfjs-cpu`: `@tensorflow/tfjs-backend-cpu` (plain JavaScript kernels). */
export const tfjsCpuBackend: Backend = createTfjsBackend({
  name: "tfjs-cpu",
  flavour: "cpu",
  description: "TensorFlow.js plain-JavaScript kernels op by op (slow; for parity)",
  speedRank: 90,
});
