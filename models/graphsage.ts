/**
 * `graphsage`: two GraphSAGE layers with the mean aggregator and a root
 * weight (Hamilton, Ying & Leskovec, NeurIPS 2017, "Inductive representation
 * learning on large graphs"), in PyG's `SAGEConv(aggr="mean")` form:
 * h'_i = W_root·h_i + W_neigh·mean_{j→i} h_j + b (the paper's
 * concat-then-linear written as two weights; no L2 normalisation, PyG's
 * default). The neighbour mean uses the node task's `edge_mean` weights
 * (1 / in-degree, computed on the host). PyTorch-default init of both
 * weights as PyG's `Linear`; dropout (default 0.5, PyG's GraphSAGE examples)
 * on the hidden layer only.
 *
 * The hidden activation is the site `act` (a `features` site [N, hidden]);
 * its output is the response site `response` (ARR).
 * With identity features (`x` i32 node ids [N, 1]) both first-layer weights
 * are learned embedding tables read by gather. Full-batch only: neighbour
 * sampling is not implemented (every step aggregates every neighbour).
 *
 * Parameters: 2·F·H + H + 2·H·K + K (features), 2·N·H + H + 2·H·K + K (identity).
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import { add } from "../core/ops.ts";
import { dropout } from "../nn/dropout.ts";
import { type GraphEdges, graphEdges, propagate } from "../nn/graph_conv.ts";
import { torchDefaultBiasInit, torchDefaultWeightInit } from "../nn/init.ts";
import { applyActivation, featureSite, observeResponse } from "../nn/sites.ts";
import type { BuildContext } from "../plugin/context.ts";
import { nodeInput } from "./graph_input.ts";
import { type ModelDefinition, numberOption } from "./registry.ts";

/** One mean-aggregator layer: root(h) + mean of neigh(h_j) + bias. */
function sageLayer(ctx: BuildContext, h: Tensor, out: number, edges: GraphEdges): Tensor {
  const init = torchDefaultWeightInit();
  const root = nodeInput(ctx.scope("root"), h, out, init, 0);
  const neigh = propagate(nodeInput(ctx.scope("neigh"), h, out, init, 0), edges);
  const fanIn = h.dtype === "i32" ? h.shape[0] : h.shape[1];
  const bias = ctx.param("bias", [out], torchDefaultBiasInit(fanIn), { decay: false });
  return add(add(root, neigh), bias);
}

/** The `graphsage` model definition. */
export const graphsageModel: ModelDefinition = {
  name: "graphsage",
  description: "2-layer GraphSAGE, mean aggregator with root weight (full batch)",
  defaults: { hidden: 64, dropout: 0.5 },
  inputRank: 1,
  create(config, sites) {
    const hidden = numberOption(config, "graphsage", "hidden", { integer: true, min: 1 });
    const rate = numberOption(config, "graphsage", "dropout", {
      min: 0,
      max: 1,
      maxExclusive: true,
    });
    return (ctx, x, inputs) => {
      const edges = graphEdges("graphsage", inputs, "mean");
      let h = sageLayer(ctx.scope("conv1"), x, hidden, edges);
      h = applyActivation(ctx.scope("act"), sites.activation, featureSite(hidden), h);
      observeResponse(ctx.scope("response"), sites.regulariser, featureSite(hidden), h);
      h = dropout(ctx.scope("drop"), h, rate);
      return sageLayer(ctx.scope("conv2"), h, config.numClasses, edges);
    };
  },
};
