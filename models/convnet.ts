/**
 * `convnet`: a small CNN of conv3×3 → BatchNorm → activation → max-pool 2×2
 * blocks, then flatten → dropout → linear head. Convolutions use Kaiming
 * normal (fan_out), the head PyTorch's `nn.Linear` default. Each activation is
 * an `nchw`/`avg` site; each block output is a response site.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { maxPool2d } from "../core/ops.ts";
import { batchNorm2d } from "../nn/batch_norm.ts";
import { conv2d } from "../nn/conv2d.ts";
import { dropout } from "../nn/dropout.ts";
import { linear } from "../nn/linear.ts";
import { flatten } from "../nn/pooling.ts";
import { applyActivation, featureMapSite, observeResponse } from "../nn/sites.ts";
import { listOption, type ModelDefinition, numberOption } from "./registry.ts";

/** The `convnet` model definition. */
export const convnetModel: ModelDefinition = {
  name: "convnet",
  description: "small CNN: conv3x3-BN-act-maxpool blocks (2-3, channels configurable), linear head",
  defaults: { channels: [32, 64, 128], dropout: 0 },
  create(config, sites) {
    const channels = listOption(config, "convnet", "channels", {
      integer: true,
      min: 1,
      minLength: 1,
      maxLength: 4,
    });
    const rate = numberOption(config, "convnet", "dropout", { min: 0, max: 1, maxExclusive: true });
    const [, h0, w0] = config.inputShape;
    const shrink = 2 ** channels.length;
    if (h0 < shrink || w0 < shrink) {
      throw new ActlabError(
        `model "convnet": ${channels.length} pooling blocks shrink a ${h0}x${w0} input below 1 pixel`,
        `use at most ${Math.floor(Math.log2(Math.min(h0, w0)))} blocks for this input`,
      );
    }
    return (ctx, x) => {
      let h = x;
      channels.forEach((c, i) => {
        const block = ctx.scope(`blocks.${i}`);
        h = conv2d(block.scope("conv"), h, c, { kernel: 3, padding: 1 });
        h = batchNorm2d(block.scope("bn"), h);
        const site = featureMapSite(c);
        h = applyActivation(block.scope("act"), sites.activation, site, h);
        h = maxPool2d(h, { kernel: 2, stride: 2 });
        observeResponse(block.scope("response"), sites.regulariser, site, h);
      });
      h = dropout(ctx.scope("drop"), flatten(h), rate);
      return linear(ctx.scope("head"), h, config.numClasses);
    };
  },
};
