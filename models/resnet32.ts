/**
 * `resnet32`: the CIFAR ResNet-32 of He et al. 2016 (§4.2: 6n + 2 layers,
 * n = 5), as akamaster/pytorch_resnet_cifar10 (`resnet.py`) builds it: a
 * conv3×3 (16) → BN → act stem, three stages of five basic blocks of widths
 * 16/32/64 (the first block of stages 2 and 3 has stride 2), global average
 * pool, `Linear(64, n)`. Shortcuts are option A: the identity, or where the
 * shape changes, strided subsampling (`x[:, :, ::2, ::2]`, an average pool
 * of kernel 1 and stride 2) with the new channels zero-padded equally on
 * both sides — no parameters. 464,154 parameters at 10 classes (0.46 M).
 * Any input size works (stride 4 overall; the paper uses 32 px).
 *
 * Init as akamaster: Kaiming normal (fan_in) for conv and linear weights,
 * linear bias PyTorch's default, BN ones/zeros.
 *
 * Options: `blocks` (blocks per stage, n; default 5), `width` (multiplies
 * 16/32/64; tiny test models use e.g. 1/4).
 *
 * Activation sites: after the stem BN and after each BN followed by an
 * activation in a block (the second one after the residual add), all
 * `nchw`/`avg` (pooled by spatial mean). Response sites: the three stage
 * outputs.
 * @module
 */
import { avgPool2d, pad } from "../core/ops.ts";
import { basicBlock, type Shortcut } from "../nn/basic_block.ts";
import { batchNorm2d } from "../nn/batch_norm.ts";
import { conv2d } from "../nn/conv2d.ts";
import { kaimingNormalInit } from "../nn/init.ts";
import { linear } from "../nn/linear.ts";
import { globalAvgPool2d } from "../nn/pooling.ts";
import { applyActivation, featureMapSite, observeResponse } from "../nn/sites.ts";
import { scaled } from "./geometry.ts";
import { type ModelDefinition, numberOption } from "./registry.ts";

const STAGES = [16, 32, 64];

/** Option A: subsample by `stride`, zero-pad the channels up to `planes` (half each side). */
const shortcutA: Shortcut = (_ctx, x, planes, stride) => {
  let s = x;
  if (stride !== 1) s = avgPool2d(s, { kernel: 1, stride });
  const extra = planes - x.shape[1];
  if (extra === 0) return s;
  const before = Math.floor(extra / 2);
  return pad(s, [[0, 0], [before, extra - before], [0, 0], [0, 0]]);
};

/** The `resnet32` model definition. */
export const resnet32Model: ModelDefinition = {
  name: "resnet32",
  description: "CIFAR ResNet-32 (He et al. 2016; 3x5 basic blocks, 16/32/64, option-A shortcuts)",
  defaults: { blocks: 5, width: 1 },
  create(config, sites) {
    const blocks = numberOption(config, "resnet32", "blocks", { integer: true, min: 1 });
    const width = numberOption(config, "resnet32", "width", { min: 1 / 16, max: 8 });
    const widths = STAGES.map((c) => scaled(c, width));
    return (ctx, x) => {
      let h = conv2d(ctx.scope("conv1"), x, widths[0], {
        kernel: 3,
        padding: 1,
        weightInit: kaimingNormalInit("fan_in"),
      });
      h = batchNorm2d(ctx.scope("bn1"), h);
      h = applyActivation(ctx.scope("act1"), sites.activation, featureMapSite(widths[0]), h);
      widths.forEach((planes, s) => {
        const stage = ctx.scope(`layer${s + 1}`);
        for (let b = 0; b < blocks; b++) {
          h = basicBlock(
            stage.scope(b),
            h,
            planes,
            s > 0 && b === 0 ? 2 : 1,
            sites.activation,
            shortcutA,
            kaimingNormalInit("fan_in"),
          );
        }
        observeResponse(stage.scope("response"), sites.regulariser, featureMapSite(planes), h);
      });
      return linear(ctx.scope("linear"), globalAvgPool2d(h), config.numClasses, {
        weightInit: kaimingNormalInit("fan_in"),
      });
    };
  },
};
