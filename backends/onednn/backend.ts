/**
 * The `onednn-cpu` backend: oneDNN 2.x (libdnnl.so.2) through Deno FFI for
 * the ops listed by `onednnOps()` — matmul; conv2d and both its gradients in
 * oneDNN's blocked layouts; batch and layer normalisation with their
 * gradients (the composite ops, core/ops/batch_norm.ts); softmax; add / sub /
 * mul / div / eq where the binary primitive takes the broadcast; neg / abs /
 * square / sqrt / exp / log / tanh; whole-tensor and long-row sum / mean;
 * max pooling; transpose; and `erf` in float32 TypeScript (oneDNN has none)
 * — with chains of cheap elementwise ops and their reductions fused into
 * WebAssembly SIMD loops (fuse_loops.ts, kernels/fused.ts) — then the host kernels
 * (`host/`, specialised float32 TypeScript, bit-exact with the reference) for
 * the ops oneDNN lacks or cannot run with actlab's semantics (ordered
 * comparisons and `threshold` with NaN, first-maximum pooling, short-row
 * reductions, layer norm, indexing, …), and the reference kernels for the
 * rest; all on the reference executor's planned, pooled f32 buffers. The
 * library is loaded on the first probe or compile, never at import.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph } from "../../core/graph.ts";
import type { Availability, Backend, CompileOptions, Executable } from "../backend.ts";
import { dnnlContext } from "./engine.ts";
import { OnednnExecutable } from "./executable.ts";
import { hostOps, onednnOps } from "./kernel.ts";
import "./kernels/mod.ts";
import "./host/mod.ts";
import { loadDnnl } from "./library.ts";
import { loadAssembler } from "./wasm/assemble.ts";

async function available(): Promise<Availability> {
  const r = loadDnnl();
  if (!r.ok) return { available: false, reason: r.reason, fix: r.fix };
  const { version, path, threads } = r.lib;
  const wasm = await loadAssembler();
  return {
    available: true,
    reason:
      `oneDNN ${version} (${path}), threads: ${threads}; oneDNN kernels: ${
        onednnOps().join(", ")
      }; host (TypeScript) kernels: ${hostOps().join(", ")}; every other op: reference kernels; ` +
      (wasm.ok
        ? "fused loops: WebAssembly SIMD"
        : `fused loops: JavaScript (the WebAssembly assembler did not load: ${wasm.reason})`),
    fix: "",
  };
}

/** oneDNN on the CPU for matmul, convolutions and more; specialised TypeScript kernels for the rest. */
export const onednnCpuBackend: Backend = {
  name: "onednn-cpu",
  description: "oneDNN 2.x (libdnnl.so.2 via Deno FFI) for matmul, conv2d with its two " +
    "gradients (blocked layouts), batch/layer norm and their gradients, max pooling, softmax, " +
    "transpose, f32 binary/eltwise ops and reductions, matmul + bias fusion, a float32 erf; " +
    "elementwise chains fused into WebAssembly SIMD loops and specialised TypeScript kernels, " +
    "bit-exact with the reference, for the rest (f32)",
  speedRank: 50,
  probe(): Promise<Availability> {
    return available();
  },
  // deno-lint-ignore require-await -- async so that errors reject instead of throwing
  async compile(graph: Graph, options: CompileOptions = {}): Promise<Executable> {
    if (options.precision === "f64") {
      throw new ActlabError(
        'backend "onednn-cpu" computes in float32 only',
        'use precision "f32", or the reference backend for float64 gradient checks',
      );
    }
    const r = loadDnnl();
    if (!r.ok) throw new ActlabError(`backend "onednn-cpu" is unavailable: ${r.reason}`, r.fix);
    return OnednnExecutable.create(graph, options, dnnlContext(r.lib));
  },
};
