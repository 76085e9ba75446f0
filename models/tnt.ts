/**
 * TNT-Small, Transformer in Transformer (Han et al., NeurIPS 2021) as the
 * DPA/DNRT authors' toolbox builds it (horrible-dong/QTClassification
 * `qtcls/models/tnt.py`, from timm `tnt.py`): outer width 384, inner width
 * 24, 12 blocks, 6 outer heads, 4 inner heads, MLP ratio 4 (outer and
 * inner), no qkv bias, LayerNorm eps 1e-5 (PyTorch's default; TNT passes no
 * other). The pixel embedding (`nn/pixel_embed.ts`) cuts each p×p patch into
 * k×k pixel tokens (7×7 conv with stride s = `pixelStride`, then unfold,
 * k = p/s); the patch tokens start as LayerNorm → Linear → LayerNorm of their
 * flattened pixels, then a class token and `patch_pos`. Each block runs the
 * inner transformer on every patch's pixel sequence, adds
 * Linear(LayerNorm(pixels)) to its patch token (not to the class token), and
 * runs the outer transformer over the patch tokens. The head reads the class
 * token. Init as timm: linears trunc-normal 0.02 with zero bias, class token
 * and both position embeddings trunc-normal 0.02, the pixel conv PyTorch's
 * default. TNT's attention has separate `qk` and `v` projections; with no
 * bias they are the fused `qkv` projection of `nn/attention.ts` (the same
 * 3C² weights, laid out as one matrix).
 *
 * Geometries (`patchSize` 0 picks by input size):
 * - ImageNet, 224 px: `tnt_s_patch16_224` — patch 16, stride 4, 4×4 pixels
 *   per patch; 23,755,336 parameters at 1000 classes (paper: 23.8 M).
 * - CIFAR, ≤ 32 px: the toolbox's `tnt_s_patch4_32` — patch 4 and the same
 *   stride 4, so each patch is ONE pixel token (the inner attention is then
 *   the identity on its value path); 21,525,298 parameters at 10 classes.
 *   `pixelStride` 1 or 2 gives 4×4 or 2×2 pixels per patch (an option, not
 *   what the authors ran).
 *
 * Activation sites: every MLP hidden activation, inner and outer
 * (`tokens`). What DPA pools per sample: the class token at outer sites; at
 * inner sites the batch is B·N pixel sequences, so the hidden tensor
 * [B·N, k², 4·24] is read as [B, N·k², 4·24] (the same values, each image's
 * patches contiguous) and pooled by the mean over tokens — the mean over
 * that image's patches and pixels — so each sample keeps its own label.
 * ARR's response sites are the outer block outputs (class token).
 * Accepted inputs: sides that are multiples of the patch size.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { add, concat, reshape, slice } from "../core/ops.ts";
import type { BuildContext } from "../plugin/context.ts";
import { selfAttention } from "../nn/attention.ts";
import { dropout, dropPath } from "../nn/dropout.ts";
import { addPositionEmbedding, prependClassToken } from "../nn/embeddings.ts";
import { layerNorm } from "../nn/layer_norm.ts";
import { linear } from "../nn/linear.ts";
import { mlpBlock } from "../nn/mlp_block.ts";
import { pixelEmbed } from "../nn/pixel_embed.ts";
import { poolTokens } from "../nn/pooling.ts";
import { observeResponse } from "../nn/sites.ts";
import { checkTiledInput } from "./geometry.ts";
import { type ModelDefinition, numberOption } from "./registry.ts";

const NAME = "tnt_small";

/** `tnt_small`: TNT-S; patch 16 above 32 px, the authors' patch 4 at ≤ 32 px. */
export const tntSmallModel: ModelDefinition = {
  name: NAME,
  description:
    "TNT-Small (outer 384 / inner 24, depth 12; patch 16, or 4 for <= 32 px); DPA pools class token (outer), per-image mean (inner)",
  defaults: {
    embedDim: 384,
    innerDim: 24,
    depth: 12,
    numHeads: 6,
    innerHeads: 4,
    mlpRatio: 4,
    innerMlpRatio: 4,
    patchSize: 0,
    pixelStride: 4,
    qkvBias: false,
    dropPath: 0,
    dropout: 0,
    attnDrop: 0,
  },
  create(config, sites) {
    const int = { integer: true, min: 1 };
    const rate = { min: 0, max: 1, maxExclusive: true };
    const embed = numberOption(config, NAME, "embedDim", int);
    const inner = numberOption(config, NAME, "innerDim", int);
    const depth = numberOption(config, NAME, "depth", { integer: true, min: 0 });
    const heads = numberOption(config, NAME, "numHeads", int);
    const innerHeads = numberOption(config, NAME, "innerHeads", int);
    const mlpRatio = numberOption(config, NAME, "mlpRatio", { min: 0 });
    const innerRatio = numberOption(config, NAME, "innerMlpRatio", { min: 0 });
    const stride = numberOption(config, NAME, "pixelStride", int);
    const qkvBias = config.options.qkvBias === true;
    const dropPathRate = numberOption(config, NAME, "dropPath", rate);
    const dropRate = numberOption(config, NAME, "dropout", rate);
    const attnDrop = numberOption(config, NAME, "attnDrop", rate);
    const [, hgt, wid] = config.inputShape;
    let patch = numberOption(config, NAME, "patchSize", { integer: true, min: 0 });
    if (patch === 0) patch = Math.max(hgt, wid) <= 32 ? 4 : 16;
    if (embed % heads !== 0 || inner % innerHeads !== 0 || patch % stride !== 0) {
      throw new ActlabError(
        `model "${NAME}": embedDim ${embed} / numHeads ${heads}, innerDim ${inner} / ` +
          `innerHeads ${innerHeads}, patchSize ${patch} / pixelStride ${stride}`,
        "pick head counts dividing their widths and a pixel stride dividing the patch size",
      );
    }
    checkTiledInput(NAME, config.inputShape, patch, `its ${patch}x${patch} patches`);
    const n = (hgt / patch) * (wid / patch);
    const k2 = (patch / stride) ** 2;
    const attention = (ctx: BuildContext, x: Tensor, numHeads: number) =>
      selfAttention(ctx, x, { numHeads, qkvBias, attnDrop, projDrop: dropRate });
    return (ctx, x) => {
      const b = x.shape[0];
      let pixels = pixelEmbed(ctx.scope("pixel_embed"), x, {
        patchSize: patch,
        stride,
        innerDim: inner,
      });
      const flat = (t: Tensor) => reshape(t, [b, n, k2 * inner]);
      let patches = linear(
        ctx.scope("proj"),
        layerNorm(ctx.scope("norm1_proj"), flat(pixels)),
        embed,
        { init: "vit" },
      );
      patches = layerNorm(ctx.scope("norm2_proj"), patches);
      patches = prependClassToken(ctx, patches, "cls_token", 0.02);
      patches = addPositionEmbedding(ctx, patches, "patch_pos");
      patches = dropout(ctx.scope("pos_drop"), patches, dropRate);
      for (let i = 0; i < depth; i++) {
        const blk = ctx.scope(`blocks.${i}`);
        const dp = depth > 1 ? (dropPathRate * i) / (depth - 1) : 0;
        // Inner transformer over each patch's k² pixels ([B·N, k², inner]).
        const ai = attention(
          blk.scope("attn_in"),
          layerNorm(blk.scope("norm_in"), pixels),
          innerHeads,
        );
        pixels = add(pixels, dropPath(blk.scope("drop_path_in1"), ai, dp));
        // Per-image pooling at the inner site: [B·N, k², inner] read as [B, N·k², inner].
        const mi = mlpBlock(
          blk.scope("mlp_in"),
          reshape(layerNorm(blk.scope("norm_mlp_in"), pixels), [b, n * k2, inner]),
          {
            hidden: Math.floor(inner * innerRatio),
            activation: sites.activation,
            site: { layout: "tokens", pooling: "avg" },
            drop: dropRate,
            init: "vit",
          },
        );
        pixels = add(pixels, dropPath(blk.scope("drop_path_in2"), reshape(mi, pixels.shape), dp));
        // Inner → outer: each patch token gains Linear(LayerNorm(its pixels)).
        const lifted = linear(
          blk.scope("proj"),
          flat(layerNorm(blk.scope("norm1_proj"), pixels)),
          embed,
          { init: "vit" },
        );
        patches = concat([
          slice(patches, [0, 0, 0], [b, 1, embed]),
          add(slice(patches, [0, 1, 0], [b, n + 1, embed]), lifted),
        ], 1);
        // Outer transformer over [class, patches].
        const ao = attention(
          blk.scope("attn_out"),
          layerNorm(blk.scope("norm_out"), patches),
          heads,
        );
        patches = add(patches, dropPath(blk.scope("drop_path1"), ao, dp));
        const mo = mlpBlock(blk.scope("mlp"), layerNorm(blk.scope("norm_mlp"), patches), {
          hidden: Math.floor(embed * mlpRatio),
          activation: sites.activation,
          site: { layout: "tokens", pooling: "token" },
          drop: dropRate,
          init: "vit",
        });
        patches = add(patches, dropPath(blk.scope("drop_path2"), mo, dp));
        observeResponse(
          blk.scope("response"),
          sites.regulariser,
          { channels: embed, layout: "tokens", pooling: "token" },
          patches,
        );
      }
      patches = layerNorm(ctx.scope("norm"), patches);
      return linear(ctx.scope("head"), poolTokens(patches, "token"), config.numClasses, {
        init: "vit",
      });
    };
  },
};
