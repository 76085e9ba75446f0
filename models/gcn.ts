/**
 * `gcn`: the two-layer graph convolutional network of Kipf & Welling
 * (ICLR 2017, "Semi-supervised classification with graph convolutional
 * networks"): Z = Â · drop(σ(Â · drop(X) · W₁ + b₁)) · W₂ + b₂ with
 * Â = D^−½ (A + I) D^−½ (self-loops added; the weights come from the node
 * task's `edge_gcn` feed, computed on the host). Settings follow the paper
 * (and PyG's `GCNConv`): Glorot-uniform weights, zero biases, dropout 0.5 on
 * each layer's input, hidden width 16 — the width and rate are options.
 *
 * σ is the activation site `act` (a `features` site [N, hidden]: DPA pools
 * a node as its own vector); its output is the response site `response`
 * (ARR). With identity features (`x` i32 node ids
 * [N, 1]) the first layer's X·W₁ is a learned embedding — a gather of W₁'s
 * rows — never a dense N×N input, and input dropout is skipped (an
 * assumption: dropping one-hot entries would drop whole rows of W₁).
 *
 * Parameters: F·H + H + H·K + K (features), N·H + H + H·K + K (identity).
 * @module
 */
import { add } from "../core/ops.ts";
import { dropout } from "../nn/dropout.ts";
import { glorotInit, graphEdges, propagate } from "../nn/graph_conv.ts";
import { zerosInit } from "../nn/init.ts";
import { linear } from "../nn/linear.ts";
import { applyActivation, featureSite, observeResponse } from "../nn/sites.ts";
import { nodeInput } from "./graph_input.ts";
import { type ModelDefinition, numberOption } from "./registry.ts";

/** The `gcn` model definition. */
export const gcnModel: ModelDefinition = {
  name: "gcn",
  description: "2-layer GCN (Kipf & Welling): symmetric-normalised adjacency with self-loops",
  defaults: { hidden: 16, dropout: 0.5 },
  inputRank: 1,
  create(config, sites) {
    const hidden = numberOption(config, "gcn", "hidden", { integer: true, min: 1 });
    const rate = numberOption(config, "gcn", "dropout", { min: 0, max: 1, maxExclusive: true });
    return (ctx, x, inputs) => {
      const edges = graphEdges("gcn", inputs, "gcn");
      const bias = (scope: string, n: number) =>
        ctx.scope(scope).param("bias", [n], zerosInit(), { decay: false });
      let h = nodeInput(ctx.scope("conv1"), x, hidden, glorotInit(), rate);
      h = add(propagate(h, edges), bias("conv1", hidden));
      h = applyActivation(ctx.scope("act"), sites.activation, featureSite(hidden), h);
      observeResponse(ctx.scope("response"), sites.regulariser, featureSite(hidden), h);
      h = dropout(ctx.scope("drop"), h, rate);
      h = linear(ctx.scope("conv2"), h, config.numClasses, {
        bias: false,
        weightInit: glorotInit(),
      });
      return add(propagate(h, edges), bias("conv2", config.numClasses));
    };
  },
};
