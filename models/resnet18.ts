/**
 * `resnet18`: torchvision's ResNet-18 (BasicBlock, [2, 2, 2, 2], widths 64 →
 * 512). Option `stem`: `imagenet` = conv7×7 stride 2 + max-pool 3×3
 * stride 2 (torchvision's); `cifar` = conv3×3 stride 1, no max-pool (the
 * usual CIFAR adaptation, e.g. kuangliu/pytorch-cifar); `auto` (default) =
 * `cifar` for inputs up to 32 px, else `imagenet`. Parameters: 11,689,512 at
 * 1000 classes with the ImageNet stem (torchvision's), 11,173,962 at 10
 * classes with the CIFAR stem. Option `width` multiplies the stage widths
 * (tiny test models use e.g. 1/16). Init as torchvision: convs Kaiming normal fan_out, BN
 * ones/zeros, head `nn.Linear` default. Activation sites sit after every BN
 * followed by an activation (the second one of a block after the residual
 * add); response sites at the four stage outputs. All `nchw`/`avg`.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { maxPool2d } from "../core/ops.ts";
import { basicBlock, type Shortcut } from "../nn/basic_block.ts";
import { batchNorm2d } from "../nn/batch_norm.ts";
import { conv2d } from "../nn/conv2d.ts";
import { linear } from "../nn/linear.ts";
import { globalAvgPool2d } from "../nn/pooling.ts";
import { applyActivation, featureMapSite, observeResponse } from "../nn/sites.ts";
import { scaled } from "./geometry.ts";
import { type ModelDefinition, numberOption } from "./registry.ts";

const STAGES = [64, 128, 256, 512];
const STEMS = ["auto", "imagenet", "cifar"];
const BLOCKS_PER_STAGE = 2;

/** torchvision's projection shortcut: 1×1 conv + BN where the shape changes, else identity. */
const projection: Shortcut = (ctx, x, planes, stride) => {
  if (stride === 1 && x.shape[1] === planes) return x;
  const down = ctx.scope("downsample");
  return batchNorm2d(down.scope("1"), conv2d(down.scope("0"), x, planes, { kernel: 1, stride }));
};

/** The `resnet18` model definition. */
export const resnet18Model: ModelDefinition = {
  name: "resnet18",
  description:
    "ResNet-18 (torchvision); stem imagenet | cifar (3x3, no max-pool) | auto (cifar <= 32 px)",
  defaults: { stem: "auto", width: 1 },
  create(config, sites) {
    const stem = config.options.stem as string;
    if (!STEMS.includes(stem)) {
      throw new ActlabError(
        `model "resnet18" option "stem" = ${JSON.stringify(stem)} is not a stem`,
        `use one of: ${STEMS.join(", ")}`,
      );
    }
    const width = numberOption(config, "resnet18", "width", { min: 1 / 64, max: 4 });
    const widths = STAGES.map((c) => scaled(c, width));
    const small = stem === "auto"
      ? Math.max(config.inputShape[1], config.inputShape[2]) <= 32
      : stem === "cifar";
    return (ctx, x) => {
      const c0 = widths[0];
      let h = small
        ? conv2d(ctx.scope("conv1"), x, c0, { kernel: 3, padding: 1 })
        : conv2d(ctx.scope("conv1"), x, c0, { kernel: 7, stride: 2, padding: 3 });
      h = batchNorm2d(ctx.scope("bn1"), h);
      h = applyActivation(ctx.scope("act1"), sites.activation, featureMapSite(c0), h);
      if (!small) h = maxPool2d(h, { kernel: 3, stride: 2, padding: 1 });
      widths.forEach((planes, s) => {
        const stage = ctx.scope(`layer${s + 1}`);
        for (let b = 0; b < BLOCKS_PER_STAGE; b++) {
          const stride = s > 0 && b === 0 ? 2 : 1;
          h = basicBlock(stage.scope(b), h, planes, stride, sites.activation, projection);
        }
        observeResponse(stage.scope("response"), sites.regulariser, featureMapSite(planes), h);
      });
      return linear(ctx.scope("fc"), globalAvgPool2d(h), config.numClasses);
    };
  },
};
