/**
 * The TF.js half of the tfjs backends, loaded on first use (see
 * `backends/lazy_runtime.ts`): loading a kernel set, the executable and the
 * kernel table. Only this module and what it imports touch TF.js.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph } from "../../core/graph.ts";
import type { Availability, CompileOptions, Executable } from "../backend.ts";
import type { TfjsFlavour, TfjsRuntime } from "./backend.ts";
import { TfjsExecutable } from "./executable.ts";
import { loadTfjs } from "./loader.ts";

export { TfjsExecutable } from "./executable.ts";
export {
  getTfKernel,
  registerTfKernel,
  type TfKernel,
  type TfKernelContext,
  tfKernelOps,
  type TfKernelRun,
} from "./kernel.ts";
export { loadTfjs, type TfjsLoad, type TfModule } from "./loader.ts";

async function probe(flavour: TfjsFlavour): Promise<Availability> {
  const l = await loadTfjs(flavour);
  return l.ok
    ? { available: true, reason: l.detail, fix: "" }
    : { available: false, reason: l.reason, fix: l.fix };
}

async function compile(
  name: string,
  flavour: TfjsFlavour,
  graph: Graph,
  options?: CompileOptions,
): Promise<Executable> {
  const l = await loadTfjs(flavour);
  if (!l.ok) throw new ActlabError(`backend "${name}" is unavailable: ${l.reason}`, l.fix);
  return await TfjsExecutable.create(l.tf, flavour, graph, options);
}

/** The runtime `backend.ts` loads. */
export const runtime: TfjsRuntime = { probe, compile };
