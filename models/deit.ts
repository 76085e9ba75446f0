/**
 * DeiT-Tiny, distilled (`deit_tiny`): Touvron et al., "Training
 * data-efficient image transformers & distillation through attention"
 * (ICML 2021), as timm's `VisionTransformerDistilled` /
 * `deit_tiny_distilled_patch16_224` (also the DPA/DNRT authors' toolbox,
 * horrible-dong/QTClassification `qtcls/models/deit.py`): embed 192, depth
 * 12, 3 heads, MLP ratio 4, qkv bias, pre-norm blocks (`nn/vit_block.ts`,
 * LayerNorm eps 1e-6), linearly increasing drop-path rates. Two prefix
 * tokens — the class token and the distillation token, in that order —
 * and a position embedding over both and the patches; a `head` reads the
 * class token and a `head_dist` the distillation token after the final norm.
 *
 * **Without a teacher** (actlab has none) the logits are the mean of the two
 * heads, `(head(x₀) + head_dist(x₁)) / 2`, in training and evaluation alike:
 * what timm's reference does at eval and whenever `distilled_training` is
 * off, so both heads learn from the cross-entropy on that mean. With a
 * teacher, DeiT trains the two heads apart: cross-entropy on `head`, and on
 * `head_dist` the hard-distillation loss — cross-entropy against the
 * teacher's argmax labels — weighted ½ each (DeiT `DistillationLoss`,
 * `distillation_type='hard'`, α = 0.5); only evaluation averages them.
 *
 * Init as timm: linears (both heads included) trunc-normal 0.02 with zero
 * bias, position embedding and both tokens trunc-normal 0.02 (DeiT's; the
 * class token's std is `clsTokenStd`), LayerNorm ones/zeros, patch
 * projection PyTorch's Conv2d default.
 *
 * Geometries (patch size as `vit_tiny`: 4 up to 32 px, 16 above; an input
 * the patch does not divide is an error naming the sizes it takes):
 * - ImageNet, 224 px, patch 16, 1000 classes: **5,910,800** parameters
 *   (the paper's 5.9 M; timm's count for `deit_tiny_distilled_patch16_224`).
 * - CIFAR, 32 px, patch 4 (the authors' `vit_tiny_patch4_32` convention),
 *   10 classes: **5,365,076** parameters.
 *
 * Activation sites: each block's MLP hidden activation (`tokens`, 4C
 * channels). DPA (and any pooling plugin) pools the **class token**
 * `x[:, 0]` there (`pooling: "token"`) — an assumption: the authors' DPA
 * code pools token 0 of its ViT (`global_pool='token'`,
 * horrible-dong/DPA `qtcls/modules/DPA/dpa.py`, `vit_example.py`) and ships
 * no DeiT, so token 0 — here the class token, the distillation token being
 * token 1 — is the same rule applied to DeiT's token order. Response sites:
 * each block's output, pooled by the class token likewise.
 * @module
 */
import { add, div, reshape, slice } from "../core/ops.ts";
import type { Site } from "../plugin/types.ts";
import { dropout } from "../nn/dropout.ts";
import { addPositionEmbedding, prependClassToken } from "../nn/embeddings.ts";
import { layerNorm } from "../nn/layer_norm.ts";
import { linear } from "../nn/linear.ts";
import { patchEmbed } from "../nn/patch_embed.ts";
import { observeResponse } from "../nn/sites.ts";
import { vitBlock } from "../nn/vit_block.ts";
import type { ModelDefinition } from "./registry.ts";
import { readVitFamilyOptions, VIT_FAMILY_DEFAULTS } from "./vit_options.ts";

const NAME = "deit_tiny";

/** `deit_tiny`: DeiT-Ti distilled (class + distillation tokens, two heads averaged). */
export const deitTinyModel: ModelDefinition = {
  name: NAME,
  description:
    "DeiT-Tiny distilled (embed 192, depth 12, 3 heads, class + dist tokens, 2 heads averaged); patch 4 for <= 32 px, 16 otherwise",
  defaults: { embedDim: 192, depth: 12, numHeads: 3, ...VIT_FAMILY_DEFAULTS },
  create(config, sites) {
    const o = readVitFamilyOptions(config, NAME);
    const site: Omit<Site, "channels"> = { layout: "tokens", pooling: "token" };
    return (ctx, x) => {
      let h = patchEmbed(ctx.scope("patch_embed"), x, o.patch, o.embed);
      // [cls, dist, patches]: prepend the distillation token, then the class token before it.
      h = prependClassToken(ctx, h, "dist_token", 0.02);
      h = prependClassToken(ctx, h, "cls_token", o.clsStd);
      h = addPositionEmbedding(ctx, h);
      h = dropout(ctx.scope("pos_drop"), h, o.dropout);
      for (let i = 0; i < o.depth; i++) {
        const blk = ctx.scope(`blocks.${i}`);
        // torch.linspace(0, dropPath, depth)[i]
        const dp = o.depth > 1 ? (o.dropPath * i) / (o.depth - 1) : 0;
        h = vitBlock(blk, h, {
          numHeads: o.heads,
          hidden: o.hidden,
          qkvBias: o.qkvBias,
          dropPath: dp,
          dropout: o.dropout,
          attnDrop: o.attnDrop,
          activation: sites.activation,
          site,
        });
        observeResponse(
          blk.scope("response"),
          sites.regulariser,
          { ...site, channels: o.embed },
          h,
        );
      }
      h = layerNorm(ctx.scope("norm"), h, { eps: 1e-6 });
      // timm's distilled forward_head reads tokens 0 and 1 with no head dropout.
      const [b, , c] = h.shape;
      const cls = reshape(slice(h, [0, 0, 0], [b, 1, c]), [b, c]);
      const dist = reshape(slice(h, [0, 1, 0], [b, 2, c]), [b, c]);
      const logits = linear(ctx.scope("head"), cls, config.numClasses, { init: "vit" });
      const distLogits = linear(ctx.scope("head_dist"), dist, config.numClasses, { init: "vit" });
      return div(add(logits, distLogits), 2);
    };
  },
};
