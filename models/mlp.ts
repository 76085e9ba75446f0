/**
 * `mlp`: flatten → [linear → activation → dropout] per hidden width → linear
 * head. PyTorch `nn.Linear` default init. Each hidden activation is a
 * `features` site; each hidden layer's output is a response site.
 * @module
 */
import { linear } from "../nn/linear.ts";
import { dropout } from "../nn/dropout.ts";
import { flatten } from "../nn/pooling.ts";
import { applyActivation, featureSite, observeResponse } from "../nn/sites.ts";
import { listOption, type ModelDefinition, numberOption } from "./registry.ts";

/** The `mlp` model definition. */
export const mlpModel: ModelDefinition = {
  name: "mlp",
  description: "multi-layer perceptron on flattened pixels (hidden widths configurable)",
  defaults: { widths: [512, 256], dropout: 0 },
  create(config, sites) {
    const widths = listOption(config, "mlp", "widths", { integer: true, min: 1, minLength: 1 });
    const rate = numberOption(config, "mlp", "dropout", { min: 0, max: 1, maxExclusive: true });
    return (ctx, x) => {
      let h = flatten(x);
      widths.forEach((w, i) => {
        const layer = ctx.scope(`layers.${i}`);
        h = linear(layer.scope("fc"), h, w);
        const site = featureSite(w);
        h = applyActivation(layer.scope("act"), sites.activation, site, h);
        observeResponse(layer.scope("response"), sites.regulariser, site, h);
        h = dropout(layer.scope("drop"), h, rate);
      });
      return linear(ctx.scope("head"), h, config.numClasses);
    };
  },
};
