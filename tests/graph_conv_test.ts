/**
 * The graph layers' new compositions, checked against central finite
 * differences: GCN/GraphSAGE propagation (gather · edge weight → scatter_add,
 * differentiated in the node rows and the edge weights), the identity-feature
 * embedding (a gather of table rows), the node task's masked cross-entropy
 * (weights 1/#labelled, 0 elsewhere), and the parameter gradients of both
 * graph models.
 */
import assert from "node:assert/strict";
import "../models/mod.ts";
import "../activations/mod.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { hostTensor } from "../core/host_tensor.ts";
import { constant, logSoftmax, mul, neg, oneHot, reshape, sum } from "../core/ops.ts";
import { normaliseEdges } from "../data/graph/edge_norm.ts";
import { sbmGraph } from "../data/graph/synthetic.ts";
import { createModel } from "../models/registry.ts";
import { GRAPH_FEEDS, propagate } from "../nn/graph_conv.ts";
import { spotCheckParams } from "./build_harness.ts";
import { gradCheck } from "./gradcheck.ts";
import { BuildContext } from "../plugin/context.ts";
import { nodeInput } from "../models/graph_input.ts";
import { glorotInit } from "../nn/graph_conv.ts";

// A 5-node graph: 7 directed edges (a repeated destination, a node with no in-edge) + 5 self-loops.
const SRC = [0, 1, 2, 3, 4, 1, 3, 0, 1, 2, 3, 4];
const DST = [1, 0, 1, 2, 2, 3, 1, 0, 1, 2, 3, 4];

Deno.test("gradient check: propagate (gather × edge weight → scatter_add) in rows and weights", async () => {
  const r = await gradCheck({
    op: "scatter_add",
    name: "propagate h[5,3] over 12 edges",
    inputs: [
      { shape: [5, 3] },
      { shape: [12], dtype: "i32", values: SRC },
      { shape: [12], dtype: "i32", values: DST },
      { shape: [12], range: [0.1, 1] },
    ],
    build: (h, src, dst, w) => propagate(h, { src, dst, weight: w }),
  });
  assert.ok(r.checked > 0);
});

Deno.test("gradient check: the node task's masked cross-entropy", async () => {
  const r = await gradCheck({
    op: "log_softmax",
    name: "−Σ w_i log p(target_i) over 6 nodes, 2 unlabelled",
    inputs: [
      { shape: [6, 3] },
      { shape: [6], dtype: "i32", values: [0, 2, 1, 0, 1, 2] },
      { shape: [6], values: [0.25, 0.25, 0, 0.25, 0, 0.25], noGrad: true },
    ],
    build: (logits, target, w) =>
      neg(sum(mul(sum(mul(oneHot(target, 3), logSoftmax(logits, -1)), [-1]), reshape(w, [6])))),
  });
  assert.ok(r.checked > 0);
});

Deno.test("identity features: the first layer is a gather of an [N, H] table, never an N×N input", () => {
  const g = new Graph();
  const ids = g.input("x", [5, 1], "i32");
  const ctx = new BuildContext({ graph: g, phase: "eval", batchSize: 5, numClasses: 2 });
  const h = nodeInput(ctx.scope("conv1"), ids, 4, glorotInit(), 0.5);
  assert.deepEqual(h.shape, [5, 4]);
  assert.deepEqual(ctx.record.params.map((p) => [p.name, p.tensor.shape]), [["conv1.weight", [
    5,
    4,
  ]]]);
  assert.ok(g.nodes.some((n) => n.op === "gather"));
  assert.ok(!g.nodes.some((n) => n.op === "matmul"), "no dense product with a one-hot matrix");
});

Deno.test("gcn and graphsage: parameter gradients match finite differences", async () => {
  const g = sbmGraph({ numNodes: 8, numClasses: 2, numFeatures: 3, pIn: 0.6, pOut: 0.2, seed: 2 });
  const e = normaliseEdges(g);
  const n = e.src.length;
  const edges = (x: Tensor) => ({
    [GRAPH_FEEDS.src]: constant(x, hostTensor("i32", [n], e.src)),
    [GRAPH_FEEDS.dst]: constant(x, hostTensor("i32", [n], e.dst)),
    [GRAPH_FEEDS.gcn]: constant(x, hostTensor("f32", [n], e.gcn)),
    [GRAPH_FEEDS.mean]: constant(x, hostTensor("f32", [n], e.mean)),
  });
  let checked = 0;
  for (const name of ["gcn", "graphsage"]) {
    const model = createModel(name, {
      numClasses: 2,
      inputShape: [3],
      activation: "gelu",
      hidden: 4,
      dropout: 0,
    });
    checked += await spotCheckParams((ctx, x) => model.build(ctx, x, edges(x)), [8, 3], {
      points: 2,
      numClasses: 2,
    });
  }
  assert.ok(checked >= 2 * 4, `checked ${checked} entries`);
});
