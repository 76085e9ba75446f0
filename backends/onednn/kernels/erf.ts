/**
 * onednn-cpu's `erf` of f32 tensors: the float32-accurate formula of
 * host/erf_f32.ts, on f64x2 lanes (wasm/erf.ts) for tensors in the
 * executable's WebAssembly memory, else per element in JavaScript — the same
 * results bit for bit. (oneDNN 2.6 has no erf; its `gelu_erf` computes
 * x·Φ(x), not the op.)
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { erfF32 } from "../host/erf_f32.ts";
import { type OnednnEnv, registerOnednnKernel } from "../kernel.ts";
import { erfWasm } from "../wasm/erf.ts";

registerOnednnKernel("erf", (env: OnednnEnv, node: Node): KernelRun | null => {
  if (node.dtype !== "f32") return null;
  // The same formulas on f64x2 lanes for tensors in the executable's WebAssembly memory.
  const wasm = erfWasm(env.wasm);
  return (out, [x]) => {
    if (wasm?.(out, x)) return;
    for (let i = 0; i < out.length; i++) out[i] = erfF32(x[i]);
  };
});
