/**
 * A diagnostic variant of `ort-cpu` for the planner check: the same lowering
 * and session options, but with ORT's CPU memory arena and memory-pattern
 * pre-allocation switched off, so every tensor is a plain malloc/free and the
 * process's peak shows what the graph itself needs rather than what the arena
 * reserved. Not registered as a backend; `mem_probe.ts` uses it on request.
 * @module
 */
import type * as Ort from "onnxruntime-node";
import type { Backend } from "../backends/backend.ts";
import { ortCpuBackend } from "../backends/ort/backend.ts";
import { sessionOptions } from "../backends/ort/runtime.ts";
import { OrtExecutable } from "../backends/ort/executable.ts";
import { lowerGraph } from "../backends/ort/lower_graph.ts";
import { encodeModel } from "../backends/ort/onnx_proto.ts";
import { loadOrt, type OrtModule } from "../backends/ort/ort_loader.ts";

/** `ort-cpu` without the arena and without memory patterns. */
export const ortCpuNoArena: Backend = {
  ...ortCpuBackend,
  name: "ort-cpu-noarena",
  async compile(graph, options) {
    const ort = ((await loadOrt()) as { ort: OrtModule }).ort;
    const t0 = performance.now();
    const lowered = lowerGraph(graph, { outputs: options?.outputs });
    const opts: Ort.InferenceSession.SessionOptions = {
      ...sessionOptions("cpu"),
      enableCpuMemArena: false,
      enableMemPattern: false,
    };
    const session = await ort.InferenceSession.create(encodeModel(lowered.model), opts);
    return new OrtExecutable(ort, session, graph, lowered, performance.now() - t0);
  },
};
