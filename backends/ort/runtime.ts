/**
 * The ONNX Runtime half of the `ort-cpu` and `ort-cuda` backends, loaded on
 * first use (see `backends/lazy_runtime.ts`): probing an execution provider,
 * and compiling a graph — lowered to one ONNX model of standard ops — into
 * one `InferenceSession`. Only this module and what it imports touch
 * onnxruntime-node.
 * @module
 */
import { expandComposites } from "../../core/expand.ts";
import type * as Ort from "onnxruntime-node";
import { ActlabError } from "../../core/errors.ts";
import type { Graph } from "../../core/graph.ts";
import type { Availability, CompileOptions, Executable } from "../backend.ts";
import type { OrtRuntime, Provider } from "./backend.ts";
import { OrtExecutable } from "./executable.ts";
import { lowerGraph } from "./lower_graph.ts";
import { encodeModel } from "./onnx_proto.ts";
import { loadOrt } from "./ort_loader.ts";
import { probeModel } from "./probe_model.ts";

/**
 * ORT's per-node profiler is switched on by `ACTLAB_ORT_PROFILE=<file prefix>`
 * (diagnostics: `bench/ort_profile.ts` aggregates the JSON it writes when the
 * executable is disposed). Undefined when unset or when env access is denied.
 */
function profilePrefix(): string | undefined {
  try {
    return Deno.env.get("ACTLAB_ORT_PROFILE") || undefined;
  } catch {
    return undefined;
  }
}

/**
 * ORT's intra-op thread count: `ACTLAB_ORT_THREADS` when set (as OMP_NUM_THREADS
 * is for PyTorch: to share a machine, or to measure per-thread work), else every core.
 */
function intraOpThreads(): number {
  let value: string | undefined;
  try {
    value = Deno.env.get("ACTLAB_ORT_THREADS");
  } catch {
    return navigator.hardwareConcurrency; // no env permission: the default
  }
  if (value === undefined || value === "") return navigator.hardwareConcurrency;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new ActlabError(
      `ACTLAB_ORT_THREADS="${value}" is not a positive integer`,
      "set it to a thread count such as 1 or 2, or unset it to use every core",
    );
  }
  return n;
}

/** Session options shared by both backends (threads = all cores, full graph optimisation). */
export function sessionOptions(provider: Provider): Ort.InferenceSession.SessionOptions {
  const prefix = profilePrefix();
  return {
    ...(prefix ? { enableProfiling: true, profileFilePrefix: prefix } : {}),
    executionProviders: [provider],
    graphOptimizationLevel: "all",
    intraOpNumThreads: intraOpThreads(),
    interOpNumThreads: 1,
    executionMode: "sequential",
    // ORT's own log lines are noise here: every error also throws, and is rethrown with a fix.
    logSeverityLevel: 4,
  };
}

const CUDA_FIX = "the CUDA provider libraries are not in the npm package: they are downloaded " +
  "by onnxruntime-node's install script, which needs a machine with internet and CUDA 12 — " +
  "reinstall there with ONNXRUNTIME_NODE_INSTALL=cuda12 and scripts allowed " +
  "(`ONNXRUNTIME_NODE_INSTALL=cuda12 deno install --allow-scripts=npm:onnxruntime-node`)";

/**
 * The CUDA provider library's path when it is provably absent (so the probe
 * can say so without ORT printing a load error); undefined when present or
 * when it cannot be checked (no read permission), and a session attempt decides.
 */
async function missingCudaLibrary(): Promise<string | undefined> {
  const os = Deno.build.os === "windows" ? "win32" : Deno.build.os;
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  const file = os === "win32"
    ? "onnxruntime_providers_cuda.dll"
    : "libonnxruntime_providers_cuda.so";
  try {
    const entry = new URL(import.meta.resolve("onnxruntime-node"));
    if (entry.protocol !== "file:") return undefined;
    const lib = new URL(`../bin/napi-v6/${os}/${arch}/${file}`, entry);
    if ((await Deno.permissions.query({ name: "read", path: lib })).state !== "granted") {
      return undefined;
    }
    await Deno.stat(lib);
    return undefined;
  } catch (e) {
    return e instanceof Deno.errors.NotFound ? file : undefined;
  }
}

async function probeProvider(provider: Provider): Promise<Availability> {
  const l = await loadOrt();
  if (!l.ok) return { available: false, reason: l.reason, fix: l.fix };
  if (provider === "cpu") {
    return {
      available: true,
      reason:
        `onnxruntime-node ${l.ort.env.versions.common} (CPU, ${navigator.hardwareConcurrency} threads)`,
      fix: "",
    };
  }
  const missing = await missingCudaLibrary();
  if (missing) {
    return {
      available: false,
      reason: `the CUDA execution provider library ${missing} is not installed`,
      fix: CUDA_FIX,
    };
  }
  try {
    const s = await l.ort.InferenceSession.create(probeModel(), {
      ...sessionOptions("cuda"),
    });
    await s.release();
    return {
      available: true,
      reason: `onnxruntime-node ${l.ort.env.versions.common} with the CUDA execution provider`,
      fix: "",
    };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    return {
      available: false,
      reason: `the CUDA execution provider of onnxruntime-node cannot start (${msg})`,
      fix: CUDA_FIX,
    };
  }
}

async function compile(
  provider: Provider,
  composite: Graph,
  options: CompileOptions = {},
): Promise<Executable> {
  // The executable and the lowering must see the same (expanded) graph.
  const graph = expandComposites(composite);
  const l = await loadOrt();
  if (!l.ok) throw new ActlabError(`onnxruntime-node is unavailable: ${l.reason}`, l.fix);
  const ort = l.ort;
  const t0 = performance.now();
  const lowered = lowerGraph(graph, { outputs: options.outputs });
  const bytes = encodeModel(lowered.model);
  const opts = sessionOptions(provider);
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, opts);
  } catch (e) {
    throw new ActlabError(
      `ONNX Runtime rejected the lowered graph: ${e instanceof Error ? e.message : e}`,
      "this is a bug in backends/ort lowering; run on the reference backend meanwhile and report it",
    );
  }
  const profiling = opts.enableProfiling === true;
  return new OrtExecutable(ort, session, graph, lowered, performance.now() - t0, profiling);
}

/** The runtime `backend.ts` loads. */
export const runtime: OrtRuntime = { probe: probeProvider, compile };
