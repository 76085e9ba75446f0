/**
 * ONNX export: an inference graph with the state (trained weights, running
 * statistics) baked in as initializers, written atomically.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph } from "../../core/graph.ts";
import type { HostTensor } from "../../core/host_tensor.ts";
import { lowerGraph, PLAIN } from "./lower_graph.ts";
import { encodeModel } from "./onnx_proto.ts";

/** What to export. */
export interface ExportOptions {
  /** Graph outputs to keep (e.g. `["logits"]`); everything else is pruned. */
  readonly outputs: readonly string[];
  /** Value of every state the outputs read, by state name (e.g. from `readState()`). */
  readonly initializers: Readonly<Record<string, HostTensor>>;
  /** Graph name written into the model (default "actlab"). */
  readonly name?: string;
}

/** Encode the inference model of `graph` without writing it (feeds keep their names). */
export function exportOnnxBytes(graph: Graph, options: ExportOptions): Uint8Array {
  if (options.outputs.length === 0) {
    throw new ActlabError("export needs at least one output", 'pass outputs: ["logits"]');
  }
  const lowered = lowerGraph(graph, {
    outputs: options.outputs,
    naming: PLAIN,
    stateValues: options.initializers,
    name: options.name,
  });
  return encodeModel(lowered.model);
}

/**
 * Write `graph`'s inference model to `path` (ONNX, IR 10, default-domain
 * opset 18). The file appears complete or not at all: bytes go to a
 * temporary file in the same directory, which is then renamed over `path`.
 * Returns the number of bytes written.
 */
export async function exportOnnx(
  graph: Graph,
  options: ExportOptions,
  path: string,
): Promise<number> {
  const bytes = exportOnnxBytes(graph, options);
  const tmp = `${path}.${Deno.pid}.${Date.now()}.tmp`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new ActlabError(
      `cannot write the ONNX model to ${path}: ${e instanceof Error ? e.message : e}`,
      "check that the directory exists and is writable",
    );
  }
  return bytes.length;
}
