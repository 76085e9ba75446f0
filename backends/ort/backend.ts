/**
 * The `ort-cpu` and `ort-cuda` backends: a graph is lowered to one ONNX model
 * (standard ops only) and run as one `InferenceSession` per graph. These
 * objects are stubs: onnxruntime-node and everything that touches it live in
 * `runtime.ts`, loaded on the first probe or compile (`../lazy_runtime.ts`).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph } from "../../core/graph.ts";
import type { Availability, Backend, CompileOptions, Executable } from "../backend.ts";
import { lazyRuntime } from "../lazy_runtime.ts";

/** ONNX Runtime execution provider. */
export type Provider = "cpu" | "cuda";

/** What the lazily loaded `runtime.ts` provides. */
export interface OrtRuntime {
  /** Whether `provider` can run here (loads onnxruntime-node). */
  probe(provider: Provider): Promise<Availability>;
  /** Compile `graph` into one session on `provider` (already probed available). */
  compile(provider: Provider, graph: Graph, options?: CompileOptions): Promise<Executable>;
}

const runtime = lazyRuntime<OrtRuntime>(
  "the ONNX Runtime backend (backends/ort/runtime.ts)",
  new URL("./runtime.ts", import.meta.url),
  "run `deno install` in the actlab checkout (npm:onnxruntime-node is in deno.json; keep " +
    "ONNXRUNTIME_NODE_INSTALL=skip for the CPU backend); JSR users need jsr.io reachable",
);

async function probeProvider(provider: Provider): Promise<Availability> {
  const r = await runtime();
  if (!r.ok) return { available: false, reason: r.reason, fix: r.fix };
  return await r.runtime.probe(provider);
}

async function compileWith(
  name: string,
  provider: Provider,
  availability: () => Promise<Availability>,
  graph: Graph,
  options: CompileOptions = {},
): Promise<Executable> {
  if (options.precision === "f64") {
    throw new ActlabError(
      `backend "${name}" computes in float32 only`,
      'use precision "f32", or the reference backend for float64 gradient checks',
    );
  }
  const a = await availability();
  if (!a.available) throw new ActlabError(`backend "${name}" is unavailable: ${a.reason}`, a.fix);
  const r = await runtime();
  if (!r.ok) throw new ActlabError(`backend "${name}" is unavailable: ${r.reason}`, r.fix);
  return await r.runtime.compile(provider, graph, options);
}

function memo(f: () => Promise<Availability>): () => Promise<Availability> {
  let p: Promise<Availability> | undefined;
  return () => (p ??= f());
}

const cpuAvailability = memo(() => probeProvider("cpu"));
const cudaAvailability = memo(() => probeProvider("cuda"));

/** ONNX Runtime on the CPU (the package's bundled execution provider). */
export const ortCpuBackend: Backend = {
  name: "ort-cpu",
  description: "ONNX Runtime (npm:onnxruntime-node), CPU execution provider, one session per graph",
  speedRank: 10,
  probe: cpuAvailability,
  compile: (graph, options) => compileWith("ort-cpu", "cpu", cpuAvailability, graph, options),
};

/** ONNX Runtime with the CUDA execution provider (needs CUDA 12 and the provider libraries). */
export const ortCudaBackend: Backend = {
  name: "ort-cuda",
  description: "ONNX Runtime (npm:onnxruntime-node), CUDA execution provider",
  speedRank: 0,
  probe: cudaAvailability,
  compile: (graph, options) => compileWith("ort-cuda", "cuda", cudaAvailability, graph, options),
};
