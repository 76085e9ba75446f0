/**
 * CaiT-XXS24 (`cait_xxs24`): Touvron et al., "Going deeper with Image
 * Transformers" (ICCV 2021), as timm's `Cait` / `cait_xxs24_224` (embed
 * 192, depth 24, **4 heads**, MLP ratio 4, qkv bias, LayerScale init 1e-5,
 * 2 class-attention blocks; LayerNorm eps 1e-6; the DPA/DNRT authors'
 * toolbox, horrible-dong/QTClassification `qtcls/models/cait.py`, is timm's).
 *
 * 1. Patch embedding plus a position embedding over the patches only — no
 *    class token yet.
 * 2. 24 self-attention blocks: `h + dropPath(γ₁ · TalkingHeads(LN(h)))`,
 *    `h + dropPath(γ₂ · MLP(LN(h)))` (`nn/talking_heads.ts`,
 *    `nn/layer_scale.ts`); one drop-path rate for every block, as timm's
 *    CaiT (`dpr = [drop_path_rate] * depth`).
 * 3. The class token enters: 2 class-attention blocks
 *    (`nn/class_attention.ts`) update it alone — `c + γ₁ · ClassAttn(LN([c, h]))`,
 *    `c + γ₂ · MLP(LN(c))` — the MLP running on the class token alone
 *    (`[B, 1, C]`); the patch tokens pass through unchanged. No dropout or
 *    drop-path there (timm: `drop=0, attn_drop=0, drop_path=0`).
 * 4. Final LayerNorm of the class token, linear head. (timm normalises
 *    `[c, h]` and reads token 0: the same values, LayerNorm being per token.)
 *
 * Init as timm: linears (the head-mixing `proj_l`/`proj_w` included)
 * trunc-normal 0.02 with zero bias; class token (std `clsTokenStd`) and
 * position embedding trunc-normal 0.02; LayerScale γ = `initValues`;
 * LayerNorm ones/zeros; patch projection PyTorch's Conv2d default.
 *
 * Geometries (patch size as `vit_tiny`: 4 up to 32 px, 16 above; an input
 * the patch does not divide is an error naming the sizes it takes):
 * - ImageNet, 224 px, patch 16, 1000 classes: **11,956,264** parameters
 *   (the paper's 12.0 M; timm's `cait_xxs24_224`).
 * - CIFAR, 32 px, patch 4 (the authors' `vit_tiny_patch4_32` convention),
 *   10 classes: **11,601,610** parameters.
 *
 * Activation sites: every MLP hidden activation (4C channels).
 * - Self-attention blocks: there is no class token, so DPA's pooled
 *   pre-activation is the **mean over all tokens** (`tokens`/`avg`) — an
 *   assumption: the authors' DPA code has only class-token (`x[:, 0]`) and
 *   NCHW spatial-mean pooling (horrible-dong/DPA
 *   `qtcls/modules/DPA/dpa.py`) and ships no CaiT; token 0 here would be an
 *   arbitrary patch.
 * - Class-attention blocks: the MLP sees `[B, 1, 4C]`, the class token
 *   alone; the pooled value is that **class-token vector itself**
 *   (`tokens`/`token`).
 * Response sites: each self-attention block's output (mean over tokens)
 * and each class-attention block's class token.
 * @module
 */
import { add, broadcastTo, concat, reshape } from "../core/ops.ts";
import type { Site } from "../plugin/types.ts";
import { classAttention } from "../nn/class_attention.ts";
import { dropout, dropPath } from "../nn/dropout.ts";
import { addPositionEmbedding } from "../nn/embeddings.ts";
import { truncNormalInit } from "../nn/init.ts";
import { layerNorm } from "../nn/layer_norm.ts";
import { layerScale } from "../nn/layer_scale.ts";
import { linear } from "../nn/linear.ts";
import { mlpBlock } from "../nn/mlp_block.ts";
import { patchEmbed } from "../nn/patch_embed.ts";
import { observeResponse } from "../nn/sites.ts";
import { talkingHeadsAttention } from "../nn/talking_heads.ts";
import { type ModelDefinition, numberOption } from "./registry.ts";
import { readVitFamilyOptions, VIT_FAMILY_DEFAULTS } from "./vit_options.ts";

const NAME = "cait_xxs24";
const LN = { eps: 1e-6 };
/** Self-attention blocks: no class token, so per-sample vectors are the token mean. */
const SA_SITE: Omit<Site, "channels"> = { layout: "tokens", pooling: "avg" };
/** Class-attention blocks: the one token is the class token. */
const CA_SITE: Omit<Site, "channels"> = { layout: "tokens", pooling: "token" };

/** `cait_xxs24`: CaiT-XXS24 (talking heads, LayerScale, 2 class-attention blocks). */
export const caitXxs24Model: ModelDefinition = {
  name: NAME,
  description:
    "CaiT-XXS24 (embed 192, 24 talking-heads blocks with LayerScale, 4 heads, 2 class-attention blocks); patch 4 for <= 32 px, 16 otherwise",
  defaults: {
    embedDim: 192,
    depth: 24,
    numHeads: 4,
    ...VIT_FAMILY_DEFAULTS,
    classDepth: 2,
    initValues: 1e-5,
  },
  create(config, sites) {
    const o = readVitFamilyOptions(config, NAME);
    const classDepth = numberOption(config, NAME, "classDepth", { integer: true, min: 0 });
    const initValues = numberOption(config, NAME, "initValues", { min: 0 });
    return (ctx, x) => {
      let h = patchEmbed(ctx.scope("patch_embed"), x, o.patch, o.embed);
      h = addPositionEmbedding(ctx, h);
      h = dropout(ctx.scope("pos_drop"), h, o.dropout);
      for (let i = 0; i < o.depth; i++) {
        const blk = ctx.scope(`blocks.${i}`);
        const a = talkingHeadsAttention(blk.scope("attn"), layerNorm(blk.scope("norm1"), h, LN), {
          numHeads: o.heads,
          qkvBias: o.qkvBias,
          attnDrop: o.attnDrop,
          projDrop: o.dropout,
        });
        h = add(
          h,
          dropPath(blk.scope("drop_path1"), layerScale(blk, a, initValues, "gamma_1"), o.dropPath),
        );
        const m = mlpBlock(blk.scope("mlp"), layerNorm(blk.scope("norm2"), h, LN), {
          hidden: o.hidden,
          activation: sites.activation,
          site: SA_SITE,
          drop: o.dropout,
          init: "vit",
        });
        h = add(
          h,
          dropPath(blk.scope("drop_path2"), layerScale(blk, m, initValues, "gamma_2"), o.dropPath),
        );
        observeResponse(
          blk.scope("response"),
          sites.regulariser,
          { ...SA_SITE, channels: o.embed },
          h,
        );
      }
      const [b, , c] = h.shape;
      const token = ctx.param("cls_token", [1, 1, c], truncNormalInit(o.clsStd), { decay: false });
      let cls = broadcastTo(token, [b, 1, c]);
      for (let j = 0; j < classDepth; j++) {
        const blk = ctx.scope(`blocks_token_only.${j}`);
        const u = layerNorm(blk.scope("norm1"), concat([cls, h], 1), LN);
        const a = classAttention(blk.scope("attn"), u, { numHeads: o.heads, qkvBias: o.qkvBias });
        cls = add(cls, layerScale(blk, a, initValues, "gamma_1"));
        const m = mlpBlock(blk.scope("mlp"), layerNorm(blk.scope("norm2"), cls, LN), {
          hidden: o.hidden,
          activation: sites.activation,
          site: CA_SITE,
          init: "vit",
        });
        cls = add(cls, layerScale(blk, m, initValues, "gamma_2"));
        observeResponse(blk.scope("response"), sites.regulariser, { ...CA_SITE, channels: c }, cls);
      }
      const pooled = reshape(layerNorm(ctx.scope("norm"), cls, LN), [b, c]);
      return linear(ctx.scope("head"), pooled, config.numClasses, { init: "vit" });
    };
  },
};
