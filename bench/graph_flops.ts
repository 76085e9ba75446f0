/**
 * Floating-point work of a graph's contractions (matmul, conv2d and both conv
 * gradients; 2 FLOP per multiply-add), the figure behind "achieved GFLOP/s"
 * in the benchmarks. Elementwise work is left out, as in the usual convention.
 * Dead nodes are counted too: callers pass graphs whose nodes all feed an output.
 * @module
 */
import type { Graph } from "../core/graph.ts";

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Multiply-add FLOPs of every contraction node in `graph`. */
export function contractionFlops(graph: Graph): number {
  let flops = 0;
  for (const n of graph.nodes) {
    const shapeOf = (i: number) => graph.nodes[n.inputs[i]].shape;
    if (n.op === "matmul") {
      const a = shapeOf(0);
      const k = n.attrs.transA ? a[a.length - 2] : a[a.length - 1];
      flops += 2 * prod(n.shape) * k;
    } else if (n.op === "conv2d" || n.op === "conv2d_input_grad") {
      // Each output (conv2d) / each dy element (input grad) meets Cin/groups·kh·kw weights.
      const w = shapeOf(1);
      const perElement = w[1] * w[2] * w[3];
      flops += 2 * perElement * (n.op === "conv2d" ? prod(n.shape) : prod(shapeOf(0)));
    } else if (n.op === "conv2d_filter_grad") {
      const f = n.attrs.filterShape as readonly number[];
      flops += 2 * f[1] * f[2] * f[3] * prod(shapeOf(1));
    }
  }
  return flops;
}
