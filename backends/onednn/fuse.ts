/**
 * The fusions onednn-cpu makes, chosen on the graph before planning: a
 * `matmul` whose only reader is an `add` of a bias vector (a parameter or a
 * constant of shape `[N]`, N the matmul's last axis — every `nn/linear.ts`
 * layer) becomes one oneDNN matmul with its bias argument, writing the add's
 * value into the matmul's buffer; the add shares that buffer and runs
 * nothing. It saves a pass over the layer's output (vit_micro: ≈ 24 ms of
 * bias adds per step at batch 128 before the fusion). The bias must be a
 * source (state or constant), so it is alive whenever the matmul runs.
 * oneDNN adds the bias to its float32 accumulator — the same single rounding
 * as a separate float32 add. `ACTLAB_ONEDNN_FUSE=off` turns fusion off (to
 * measure it); loop fusion (fuse_loops.ts) runs after it.
 * @module
 */
import type { Graph, Node } from "../../core/graph.ts";
import { envVar } from "../../core/env.ts";
import { sizeOf } from "../../core/host_tensor.ts";
import type { Fusions } from "../reference/executable.ts";

/** Which fusions run: `ACTLAB_ONEDNN_FUSE` = `off` (none), `bias` (matmul + bias only), else all. */
export function fusionMode(): "off" | "bias" | "all" {
  const v = envVar("ACTLAB_ONEDNN_FUSE");
  return v === "off" || v === "bias" ? v : "all";
}

/**
 * How many times each node is read: by other (live, when `live` is given)
 * nodes, as an output, as a state update.
 */
export function readerCounts(graph: Graph, live?: readonly boolean[]): Int32Array {
  const count = new Int32Array(graph.nodes.length);
  for (const n of graph.nodes) if (!live || live[n.id]) { for (const i of n.inputs) count[i]++; }
  for (const id of graph.outputs.values()) count[id]++;
  for (const slot of graph.states.values()) if (slot.update !== undefined) count[slot.update]++;
  return count;
}

/** Whether `b` is a bias vector for `m`'s output: a f32 source of shape [N]. */
function isBias(b: Node, m: Node): boolean {
  return (b.op === "state" || b.op === "constant") && b.dtype === "f32" &&
    b.shape.length === 1 && b.shape[0] === m.shape[m.shape.length - 1];
}

/** The matmul + bias fusions of `graph`. */
export function onednnFusions(graph: Graph): Fusions {
  const aliasNodes = new Map<number, number>();
  const extraInputs = new Map<number, number[]>();
  if (fusionMode() === "off") return { aliasNodes, extraInputs };
  const count = readerCounts(graph);
  for (const a of graph.nodes) {
    if (a.op !== "add" || a.dtype !== "f32" || a.inputs[0] === a.inputs[1]) continue;
    for (const [mi, bi] of [[a.inputs[0], a.inputs[1]], [a.inputs[1], a.inputs[0]]]) {
      const m = graph.nodes[mi];
      const b = graph.nodes[bi];
      if (
        m.op === "matmul" && m.dtype === "f32" && count[mi] === 1 && !extraInputs.has(mi) &&
        sizeOf(m.shape) > 0 && m.shape.length === a.shape.length &&
        m.shape.every((d, i) => d === a.shape[i]) && isBias(b, m)
      ) {
        aliasNodes.set(a.id, mi);
        extraInputs.set(mi, [bi]);
        break;
      }
    }
  }
  return { aliasNodes, extraInputs };
}
