/**
 * The diagnostics record kernels set on bad data: 4 u32 words [flag, node
 * id, value, flat position] (see `DIAG` in kernel.ts), read back with the
 * outputs and turned into the error the reference backend raises.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph } from "../../core/graph.ts";
import { attrsOf } from "../../core/ops/attrs.ts";

/** Bytes of the diagnostics record. */
export const DIAG_BYTES = 16;

/** Throw the out-of-range index error a set diagnostics record `d` describes. */
export function checkDiagnostics(graph: Graph, d: Uint32Array): void {
  if (d[0] === 0) return;
  const node = graph.nodes[d[1]];
  const idxShape = graph.nodes[node.inputs[1]].shape;
  const axis = attrsOf(node, ["gather", "scatter_add"]).axis;
  const dim = node.op === "gather" ? graph.nodes[node.inputs[0]].shape[axis] : node.shape[axis];
  let rem = d[3];
  const coords = idxShape.map(() => 0);
  for (let ax = idxShape.length - 1; ax >= 0; ax--) {
    coords[ax] = rem % idxShape[ax];
    rem = Math.floor(rem / idxShape[ax]);
  }
  const pos = idxShape.length ? ` at [${coords}]` : "";
  throw new ActlabError(
    `${node.op}: index ${d[2] | 0}${pos} of the indices is out of range for axis ${axis} ` +
      `of size ${dim} (node #${node.id}, webgpu)`,
    `indices must lie in [0, ${dim - 1}]; check labels/token ids against the table size`,
  );
}
