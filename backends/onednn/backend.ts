/**
 * The `onednn-cpu` backend: oneDNN 2.x (libdnnl.so.2) through Deno FFI for
 * the ops listed by `onednnOps()` — today matmul, conv2d, conv2d_input_grad,
 * conv2d_filter_grad, add / sub / mul / div / eq where oneDNN's binary
 * primitive takes the broadcast (kernels/binary.ts), and neg / abs / square /
 * sqrt / exp / log / tanh (kernels/eltwise.ts), sum / mean (kernels/reduce.ts)
 * — and the reference backend's TypeScript kernels for every other op, all on
 * the reference executor's planned, pooled f32 buffers. The library is loaded on the first probe or compile, never at
 * import. Its speed rank keeps it behind ort-cpu for `--backend auto`
 * (`auto` picks the available backend of lowest rank): it has not been
 * measured faster end to end, since most ops still run in TypeScript.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph } from "../../core/graph.ts";
import type { Availability, Backend, CompileOptions, Executable } from "../backend.ts";
import { dnnlContext } from "./engine.ts";
import { OnednnExecutable } from "./executable.ts";
import { onednnOps } from "./kernel.ts";
import { loadDnnl } from "./library.ts";

function available(): Availability {
  const r = loadDnnl();
  if (!r.ok) return { available: false, reason: r.reason, fix: r.fix };
  const { version, path, threads } = r.lib;
  return {
    available: true,
    reason: `oneDNN ${version} (${path}), threads: ${threads}; oneDNN kernels: ${
      onednnOps().join(", ")
    }; every other op: TypeScript reference kernels`,
    fix: "",
  };
}

/** oneDNN on the CPU for matmul and convolutions, TypeScript kernels for the rest. */
export const onednnCpuBackend: Backend = {
  name: "onednn-cpu",
  description: "oneDNN 2.x (libdnnl.so.2 via Deno FFI) for matmul, conv2d with its two " +
    "gradients, f32 add/sub/mul/div/eq, neg/abs/square/sqrt/exp/log/tanh and sum/mean; every other op on " +
    "the reference TypeScript kernels (f32)",
  speedRank: 50,
  probe(): Promise<Availability> {
    return Promise.resolve(available());
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
