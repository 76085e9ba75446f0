/**
 * Host-side edge normalisation for the node task (computed once per graph,
 * fed every step): the graph's edges with explicit self-loops dropped, then
 * one self-loop per node appended, and two weightings of that list:
 *
 * - GCN (Kipf & Welling; PyG `gcn_norm`): Â = D^−½ (A + I) D^−½ with the
 *   in-degree d_i = 1 + Σ_{e→i} w_e, so each edge gets w_e / √(d_src·d_dst)
 *   and each self-loop 1 / d_i;
 * - mean (GraphSAGE's mean aggregator; PyG `SAGEConv(aggr="mean")`):
 *   1 / (number of in-edges of the destination), edge weights ignored as
 *   there; 0 on the self-loops (the root term is a separate weight).
 * @module
 */
import type { GraphData } from "./types.ts";

/** The edge list and its two weightings (self-loops at the end). */
export interface NormalisedEdges {
  /** i32 [E' + N] sources. */
  readonly src: Int32Array;
  /** i32 [E' + N] destinations. */
  readonly dst: Int32Array;
  /** f32 [E' + N] GCN weights. */
  readonly gcn: Float32Array;
  /** f32 [E' + N] neighbour-mean weights. */
  readonly mean: Float32Array;
}

/** Normalise `graph`'s edges (see the module header). */
export function normaliseEdges(graph: GraphData): NormalisedEdges {
  const n = graph.numNodes;
  const keep: number[] = [];
  for (let e = 0; e < graph.edgeSrc.length; e++) {
    if (graph.edgeSrc[e] !== graph.edgeDst[e]) keep.push(e);
  }
  const m = keep.length, total = m + n;
  const src = new Int32Array(total), dst = new Int32Array(total);
  const w = new Float64Array(total);
  keep.forEach((e, i) => {
    src[i] = graph.edgeSrc[e];
    dst[i] = graph.edgeDst[e];
    w[i] = graph.edgeWeight ? graph.edgeWeight[e] : 1;
  });
  for (let i = 0; i < n; i++) {
    src[m + i] = dst[m + i] = i;
    w[m + i] = 1;
  }
  const deg = new Float64Array(n), count = new Int32Array(n);
  for (let i = 0; i < total; i++) deg[dst[i]] += w[i];
  for (let i = 0; i < m; i++) count[dst[i]]++;
  const gcn = new Float32Array(total), mean = new Float32Array(total);
  for (let i = 0; i < total; i++) {
    gcn[i] = w[i] / Math.sqrt(deg[src[i]] * deg[dst[i]]);
    if (i < m) mean[i] = 1 / count[dst[i]];
  }
  return { src, dst, gcn, mean };
}
