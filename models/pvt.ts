/**
 * PVT-Tiny, the Pyramid Vision Transformer v1 (Wang et al., ICCV 2021) as the
 * DPA/DNRT authors' toolbox builds it (horrible-dong/QTClassification
 * `qtcls/models/pvt.py` `pvt_tiny`, from whai362/PVT `classification/pvt.py`):
 * four stages of widths 64/128/320/512, heads 1/2/5/8, MLP ratios 8/8/4/4,
 * two blocks each, spatial-reduction attention with ratios 8/4/2/1
 * (`nn/sr_attention.ts`), qkv bias, block LayerNorms eps 1e-6. Each stage
 * starts with its own patch embedding (conv with kernel = stride = 4, then
 * 2/2/2; a LayerNorm with eps 1e-5) and its own learned position embedding;
 * the class token joins in the last stage only, and the head reads it after
 * the final norm. Init as PVT: linears trunc-normal 0.02 with zero bias,
 * position embeddings and class token trunc-normal 0.02, convs PyTorch's
 * default.
 *
 * Parameters (ReLU; tests/pvt_tnt_models_test.ts):
 * - ImageNet geometry, 224 px, 1000 classes: 13,229,288 — the paper's 13.2 M.
 * - CIFAR geometry, 32 px, 10 classes: 12,340,490. The toolbox's `pvt_tiny`
 *   fixes img_size=224 (its factory cannot take another) and runs 32 px
 *   inputs through the same patch 4 / 2 / 2 / 2 chain, bilinearly
 *   interpolating its 224-px position tables to the 8×8 / 4×4 / 2×2 / 1×1
 *   grids. actlab keeps that geometry (patch 4, so SRA reduces every stage's
 *   keys to one token) but sizes the position tables to the actual grid —
 *   an assumption: the interpolation is a fixed linear map of a larger table,
 *   not another architecture. `patchSize` 2 (or 1) gives finer grids.
 *
 * Activation sites: every MLP hidden activation (`tokens`). What DPA (and
 * ARR, at the block outputs) pools per sample: the mean over tokens in
 * stages 1–3 (no class token there) and the class token in stage 4.
 * Accepted inputs: sides that are multiples of patch·2³ and of each stage's
 * reduction ratio times its stride (32 px for the defaults: 32, 64, …, 224).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { add } from "../core/ops.ts";
import type { Site } from "../plugin/types.ts";
import { dropout, dropPath } from "../nn/dropout.ts";
import { addPositionEmbedding, prependClassToken } from "../nn/embeddings.ts";
import { layerNorm } from "../nn/layer_norm.ts";
import { linear } from "../nn/linear.ts";
import { mlpBlock } from "../nn/mlp_block.ts";
import { patchEmbed, tokensToMap } from "../nn/patch_embed.ts";
import { poolTokens } from "../nn/pooling.ts";
import { observeResponse } from "../nn/sites.ts";
import { spatialReductionAttention } from "../nn/sr_attention.ts";
import { checkTiledInput } from "./geometry.ts";
import { listOption, type ModelDefinition, numberOption } from "./registry.ts";

const NAME = "pvt_tiny";
const BLOCK_EPS = 1e-6;

/** `pvt_tiny`: PVT v1 Tiny; list options set every stage (tiny test sizes shrink them). */
export const pvtTinyModel: ModelDefinition = {
  name: NAME,
  description:
    "PVT-Tiny (PVT v1: stages 64/128/320/512, SR attention 8/4/2/1); DPA pools token mean in stages 1-3, class token in 4",
  defaults: {
    embedDims: [64, 128, 320, 512],
    numHeads: [1, 2, 5, 8],
    mlpRatios: [8, 8, 4, 4],
    depths: [2, 2, 2, 2],
    srRatios: [8, 4, 2, 1],
    patchSize: 4,
    qkvBias: true,
    dropPath: 0,
    dropout: 0,
    attnDrop: 0,
  },
  create(config, sites) {
    const int = { integer: true, min: 1, minLength: 1 };
    const rate = { min: 0, max: 1, maxExclusive: true };
    const dims = listOption(config, NAME, "embedDims", int);
    const stages = dims.length;
    const same = { ...int, minLength: stages, maxLength: stages };
    const heads = listOption(config, NAME, "numHeads", same);
    const ratios = listOption(config, NAME, "mlpRatios", { min: 0, minLength: stages });
    const depths = listOption(config, NAME, "depths", { ...same, min: 0 });
    const sr = listOption(config, NAME, "srRatios", same);
    const patch = numberOption(config, NAME, "patchSize", { integer: true, min: 1 });
    const qkvBias = config.options.qkvBias === true;
    const dropPathRate = numberOption(config, NAME, "dropPath", rate);
    const dropRate = numberOption(config, NAME, "dropout", rate);
    const attnDrop = numberOption(config, NAME, "attnDrop", rate);
    if (ratios.length !== stages) {
      throw new ActlabError(
        `model "${NAME}": mlpRatios has ${ratios.length} entries for ${stages} stages`,
        "give embedDims, numHeads, mlpRatios, depths and srRatios one entry per stage",
      );
    }
    dims.forEach((d, i) => {
      if (d % heads[i] !== 0 || sr[i] > 1 && i === stages - 1) {
        throw new ActlabError(
          `model "${NAME}": stage ${i + 1} has width ${d}, ${heads[i]} heads, ratio ${sr[i]}`,
          "pick head counts dividing each width, and ratio 1 in the last stage (its class token)",
        );
      }
    });
    // Stage i sees the input divided by patch·2^i; its keys by a further sr[i].
    const stride = (i: number) => patch * 2 ** i;
    const unit = dims.reduce((u, _, i) => lcm(u, stride(i) * sr[i]), 1);
    checkTiledInput(
      NAME,
      config.inputShape,
      unit,
      `its patch embeddings (${patch}, then 2 per stage) and reduction ratios ${sr.join("/")}`,
    );
    const total = depths.reduce((a, d) => a + d, 0);
    return (ctx, x) => {
      let map = x;
      let [gh, gw] = [config.inputShape[1], config.inputShape[2]];
      let h = x;
      let blockIndex = 0;
      for (let s = 0; s < stages; s++) {
        const last = s === stages - 1;
        const p = s === 0 ? patch : 2;
        const pe = ctx.scope(`patch_embed${s + 1}`);
        h = layerNorm(pe.scope("norm"), patchEmbed(pe, map, p, dims[s]), { eps: 1e-5 });
        [gh, gw] = [gh / p, gw / p];
        if (last) h = prependClassToken(ctx, h, "cls_token", 0.02);
        h = addPositionEmbedding(ctx, h, `pos_embed${s + 1}`);
        h = dropout(ctx.scope(`pos_drop${s + 1}`), h, dropRate);
        const site: Omit<Site, "channels"> = {
          layout: "tokens",
          pooling: last ? "token" : "avg",
        };
        for (let j = 0; j < depths[s]; j++, blockIndex++) {
          const blk = ctx.scope(`block${s + 1}.${j}`);
          // torch.linspace(0, dropPath, sum(depths))[blockIndex]
          const dp = total > 1 ? (dropPathRate * blockIndex) / (total - 1) : 0;
          const a = spatialReductionAttention(
            blk.scope("attn"),
            layerNorm(blk.scope("norm1"), h, { eps: BLOCK_EPS }),
            {
              numHeads: heads[s],
              srRatio: sr[s],
              grid: [gh, gw],
              qkvBias,
              attnDrop,
              projDrop: dropRate,
            },
          );
          h = add(h, dropPath(blk.scope("drop_path1"), a, dp));
          const m = mlpBlock(
            blk.scope("mlp"),
            layerNorm(blk.scope("norm2"), h, { eps: BLOCK_EPS }),
            {
              hidden: Math.max(1, Math.floor(dims[s] * ratios[s])), // int(dim * mlp_ratio)
              activation: sites.activation,
              site,
              drop: dropRate,
              init: "vit",
            },
          );
          h = add(h, dropPath(blk.scope("drop_path2"), m, dp));
          observeResponse(
            blk.scope("response"),
            sites.regulariser,
            { ...site, channels: dims[s] },
            h,
          );
        }
        if (!last) map = tokensToMap(h, gh, gw);
      }
      h = layerNorm(ctx.scope("norm"), h, { eps: BLOCK_EPS });
      return linear(ctx.scope("head"), poolTokens(h, "token"), config.numClasses, { init: "vit" });
    };
  },
};

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
