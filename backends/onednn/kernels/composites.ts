/**
 * Which composite ops (core/expand.ts) onednn-cpu runs on its own kernels —
 * the rest it expands into their decompositions before planning. Asked per
 * node at expansion time, so a node kept here must never be declined later
 * (no reference kernel exists for a composite). `ACTLAB_ONEDNN_COMPOSITES=off`
 * expands them all (to measure what the fused kernels save).
 * @module
 */
import { envVar } from "../../../core/env.ts";
import type { Graph, Node } from "../../../core/graph.ts";
import { sizeOf } from "../../../core/host_tensor.ts";

/** Composite ops with a onednn-cpu kernel (kernels/batch_norm.ts, kernels/layer_norm.ts). */
const KERNELS: ReadonlySet<string> = new Set([
  "batch_moments",
  "batch_norm",
  "batch_norm_grad",
  "batch_norm_param_grad",
  "layer_norm_grad",
]);

/**
 * Whether onednn-cpu runs composite `node` of `graph` on its kernel: f32,
 * nothing empty, batch norm on an input of 2 to 5 axes (oneDNN's limit).
 */
export function onednnComposite(node: Node, graph: Graph): boolean {
  if (!KERNELS.has(node.op) || envVar("ACTLAB_ONEDNN_COMPOSITES") === "off") return false;
  const x = graph.nodes[node.inputs[0]];
  if (node.dtype !== "f32" || sizeOf(node.shape) === 0 || sizeOf(x.shape) === 0) return false;
  return node.op === "layer_norm_grad" || (x.shape.length >= 2 && x.shape.length <= 5);
}
