/**
 * Expansion of composite ops (ops with `decompose`, e.g. `batch_norm`,
 * `layer_norm_grad`): a backend that has no fused kernel for such a node
 * compiles the graph this returns, where the node is replaced by its
 * decomposition in simpler catalogue ops. Feeds, states and outputs keep
 * their names; node ids change (the expanded graph is a new graph), so a
 * backend plans and runs the graph it was handed back, not the original.
 * @module
 */
import { getOp } from "./op_def.ts";
import { Graph, type Node, type StateSlot, Tensor } from "./graph.ts";

/**
 * `graph` with every composite node that `native` does not claim replaced by
 * its decomposition; `graph` itself when there is none to replace.
 */
export function expandComposites(
  graph: Graph,
  native: (node: Node, graph: Graph) => boolean = () => false,
): Graph {
  const expands = graph.nodes.map((n) => getOp(n.op).decompose !== undefined && !native(n, graph));
  if (!expands.includes(true)) return graph;
  const out = new Graph();
  const newId = new Int32Array(graph.nodes.length);
  for (const n of graph.nodes) {
    const inputs = n.inputs.map((i) => newId[i]);
    if (expands[n.id]) {
      const def = getOp(n.op);
      const t = def.decompose!(inputs.map((i) => new Tensor(out, i)), n.attrs);
      newId[n.id] = t.id;
    } else {
      // Already validated: copied as it is, with its inputs renumbered.
      const id = out.nodes.length;
      out.nodes.push({ ...n, id, inputs });
      newId[n.id] = id;
    }
  }
  for (const [name, id] of graph.inputs) out.inputs.set(name, newId[id]);
  for (const [name, slot] of graph.states) {
    const copy: StateSlot = { id: newId[slot.id] };
    if (slot.update !== undefined) copy.update = newId[slot.update];
    out.states.set(name, copy);
  }
  for (const [name, id] of graph.outputs) out.outputs.set(name, newId[id]);
  return out;
}
