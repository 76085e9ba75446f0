/**
 * Sparse neighbourhood aggregation for graph models, as two catalogue ops:
 * `gather` the source rows of every edge, scale them by the edge's weight,
 * and `scatter_add` them into their destination rows. Both ops have VJPs
 * (each other's transpose) and kernels on every backend, so a GNN layer is
 * differentiable and portable without a dedicated sparse op.
 *
 * The node task feeds the edge list and its host-normalised weights under
 * the names in `GRAPH_FEEDS`; models read them from their `inputs`.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { gather, mul, reshape, scatterAdd } from "../core/ops.ts";
import type { Initializer } from "../plugin/context.ts";
import { sizeOf } from "../core/host_tensor.ts";

/**
 * Feed names of a graph step: the edge list (self-loops appended, one per
 * node, after the graph's own edges) and two per-edge weightings of it.
 */
export const GRAPH_FEEDS = {
  /** i32 [E + N]: source node of each edge. */
  src: "edge_src",
  /** i32 [E + N]: destination node of each edge. */
  dst: "edge_dst",
  /** f32 [E + N]: GCN's w / √(d_src·d_dst), degrees with self-loops (Kipf & Welling). */
  gcn: "edge_gcn",
  /** f32 [E + N]: 1 / in-degree of the destination (0 on self-loops): the neighbour mean. */
  mean: "edge_mean",
} as const;

/** The edge feeds a model reads, checked present and consistent. */
export interface GraphEdges {
  /** i32 [E] sources. */
  readonly src: Tensor;
  /** i32 [E] destinations. */
  readonly dst: Tensor;
  /** f32 [E] weights. */
  readonly weight: Tensor;
}

/** The edge list with the weighting `which` from a model's `inputs`; a clear error when absent. */
export function graphEdges(
  model: string,
  inputs: Readonly<Record<string, Tensor>> | undefined,
  which: "gcn" | "mean",
): GraphEdges {
  const src = inputs?.[GRAPH_FEEDS.src];
  const dst = inputs?.[GRAPH_FEEDS.dst];
  const weight = inputs?.[GRAPH_FEEDS[which]];
  if (!src || !dst || !weight) {
    throw new ActlabError(
      `model "${model}" needs the edge feeds ${GRAPH_FEEDS.src}, ${GRAPH_FEEDS.dst} and ${
        GRAPH_FEEDS[which]
      }`,
      "train it with the node classification task (--task node)",
    );
  }
  return { src, dst, weight };
}

/** out[i] = Σ_{e: dst[e] = i} weight[e] · h[src[e]] for node rows h [N, C]. */
export function propagate(h: Tensor, edges: GraphEdges): Tensor {
  const [n, c] = h.shape;
  const e = edges.src.shape[0];
  const messages = mul(gather(h, edges.src, 0), reshape(edges.weight, [e, 1]));
  return reshape(scatterAdd(messages, edges.dst, 0, n), [n, c]);
}

/** Glorot (Xavier) uniform U(±√(6 / (fan_in + fan_out))) for a 2-D weight: GCN's init (Kipf & Welling). */
export function glorotInit(): Initializer {
  return (shape, random) => {
    const bound = Math.sqrt(6 / (shape[0] + shape[1]));
    return random.uniform(sizeOf(shape), -bound, bound);
  };
}
