/**
 * The four tfjs backends. Each probes by loading its TF.js kernel set (the
 * native ones only then), and compiles graphs into `TfjsExecutable`s.
 * A backend that cannot load says why and how to fix it; nothing falls
 * back to another kernel set.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph } from "../../core/graph.ts";
import type { Availability, Backend, CompileOptions, Executable } from "../backend.ts";
import { TfjsExecutable } from "./executable.ts";
import { loadTfjs, type TfjsFlavour } from "./loader.ts";

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
      const l = await loadTfjs(spec.flavour);
      return l.ok
        ? { available: true, reason: l.detail, fix: "" }
        : { available: false, reason: l.reason, fix: l.fix };
    },
    async compile(graph: Graph, options?: CompileOptions): Promise<Executable> {
      const l = await loadTfjs(spec.flavour);
      if (!l.ok) throw new ActlabError(`backend "${spec.name}" is unavailable: ${l.reason}`, l.fix);
      return await TfjsExecutable.create(l.tf, spec.flavour, graph, options);
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
