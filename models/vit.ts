/**
 * Vision Transformer (timm `VisionTransformer`, class-token pooling) and its
 * presets: `vit_tiny` (embed 192, depth 12, 3 heads, patch 4 for inputs up
 * to 32 px and 16 above) and `vit_micro` (embed 96, depth 6, 3 heads, patch
 * 4; sized for CPU runs on 28×28 inputs). Pre-norm blocks with LayerNorm
 * eps 1e-6, qkv bias, MLP ratio 4, linearly increasing drop-path rates.
 * Init as timm: linears (head included) trunc-normal 0.02 with zero bias,
 * position embedding trunc-normal 0.02, LayerNorm ones/zeros, patch
 * projection PyTorch's Conv2d default. The class token is trunc-normal with
 * std `clsTokenStd`, 0.02 as in DeiT by default; timm's ViT and the DPA/DNRT
 * authors' `qtcls/models/vit_example.py` (`nn.init.normal_(self.cls_token,
 * std=1e-6)`) use 1e-6, which the paper presets set.
 * Each MLP hidden activation is a `tokens`/`token` activation site; each
 * block output a `tokens`/`token` response site.
 * @module
 */
import type { Site } from "../plugin/types.ts";
import { dropout } from "../nn/dropout.ts";
import { addPositionEmbedding, prependClassToken } from "../nn/embeddings.ts";
import { layerNorm } from "../nn/layer_norm.ts";
import { linear } from "../nn/linear.ts";
import { patchEmbed } from "../nn/patch_embed.ts";
import { poolTokens } from "../nn/pooling.ts";
import { observeResponse } from "../nn/sites.ts";
import { vitBlock } from "../nn/vit_block.ts";
import type { ModelDefinition, ModelOptions } from "./registry.ts";
import { readVitFamilyOptions } from "./vit_options.ts";

const LN_EPS = 1e-6;

function vitDefinition(name: string, description: string, defaults: ModelOptions): ModelDefinition {
  return {
    name,
    description,
    defaults,
    create(config, sites) {
      const {
        embed,
        depth,
        heads,
        hidden,
        qkvBias,
        dropPath: dropPathRate,
        dropout: dropRate,
        attnDrop,
        clsStd,
        patch,
      } = readVitFamilyOptions(config, name);
      const tokenSite = (channels: number): Site => ({
        channels,
        layout: "tokens",
        pooling: "token",
      });
      return (ctx, x) => {
        let h = patchEmbed(ctx.scope("patch_embed"), x, patch, embed);
        h = prependClassToken(ctx, h, "cls_token", clsStd);
        h = addPositionEmbedding(ctx, h);
        h = dropout(ctx.scope("pos_drop"), h, dropRate);
        for (let i = 0; i < depth; i++) {
          const blk = ctx.scope(`blocks.${i}`);
          // torch.linspace(0, dropPath, depth)[i]
          const dp = depth > 1 ? (dropPathRate * i) / (depth - 1) : 0;
          h = vitBlock(blk, h, {
            numHeads: heads,
            hidden,
            qkvBias,
            dropPath: dp,
            dropout: dropRate,
            attnDrop,
            activation: sites.activation,
            site: { layout: "tokens", pooling: "token" },
          });
          observeResponse(blk.scope("response"), sites.regulariser, tokenSite(embed), h);
        }
        h = layerNorm(ctx.scope("norm"), h, { eps: LN_EPS });
        const pooled = dropout(ctx.scope("head_drop"), poolTokens(h, "token"), dropRate);
        return linear(ctx.scope("head"), pooled, config.numClasses, { init: "vit" });
      };
    },
  };
}

const COMMON: ModelOptions = {
  numHeads: 3,
  mlpRatio: 4,
  qkvBias: true,
  patchSize: 0,
  dropPath: 0,
  dropout: 0,
  attnDrop: 0,
  clsTokenStd: 0.02,
};

/** `vit_tiny`: ViT-Ti/4 for ≤ 32 px inputs (ViT-Ti/16 at 224 px); `patchSize` 0 picks it. */
export const vitTinyModel: ModelDefinition = vitDefinition(
  "vit_tiny",
  "ViT-Tiny (embed 192, depth 12, 3 heads); patch 4 for <= 32 px, 16 otherwise",
  { embedDim: 192, depth: 12, ...COMMON },
);

/** `vit_micro`: a 6-block, 96-wide ViT with patch 4 for CPU experiments on 28×28 inputs. */
export const vitMicroModel: ModelDefinition = vitDefinition(
  "vit_micro",
  "small ViT for CPU runs (embed 96, depth 6, 3 heads, patch 4)",
  { embedDim: 96, depth: 6, ...COMMON, patchSize: 4 },
);
