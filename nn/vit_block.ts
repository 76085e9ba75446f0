/**
 * The pre-norm transformer encoder block of timm's ViT / DeiT (`Block`):
 * `h + dropPath(attn(LN(h)))`, then `h + dropPath(mlp(LN(h)))`, LayerNorm
 * eps 1e-6, the model's activation at the MLP hidden layer. Shared by
 * `vit_tiny`/`vit_micro` and `deit_tiny`, which differ only around it.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import { add } from "../core/ops.ts";
import type { Site } from "../plugin/types.ts";
import type { BuildContext } from "../plugin/context.ts";
import { selfAttention } from "./attention.ts";
import { dropPath } from "./dropout.ts";
import { layerNorm } from "./layer_norm.ts";
import { mlpBlock } from "./mlp_block.ts";
import type { ActivationFactory } from "./sites.ts";

/** Options of `vitBlock`. */
export interface VitBlockOptions {
  /** Attention heads. */
  readonly numHeads: number;
  /** MLP hidden width. */
  readonly hidden: number;
  /** Bias on the fused qkv projection. */
  readonly qkvBias: boolean;
  /** Drop-path rate of both residual branches. */
  readonly dropPath: number;
  /** Dropout after the attention projection and in the MLP. */
  readonly dropout: number;
  /** Dropout on the attention weights. */
  readonly attnDrop: number;
  /** The model's activation. */
  readonly activation: ActivationFactory;
  /** The MLP hidden site's layout and pooling. */
  readonly site: Omit<Site, "channels">;
}

/** Pre-norm ViT block, scoped `norm1`, `attn`, `norm2`, `mlp`: `[B, N, C] → [B, N, C]`. */
export function vitBlock(blk: BuildContext, h: Tensor, opts: VitBlockOptions): Tensor {
  const eps = 1e-6;
  const a = selfAttention(blk.scope("attn"), layerNorm(blk.scope("norm1"), h, { eps }), {
    numHeads: opts.numHeads,
    qkvBias: opts.qkvBias,
    attnDrop: opts.attnDrop,
    projDrop: opts.dropout,
  });
  h = add(h, dropPath(blk.scope("drop_path1"), a, opts.dropPath));
  const m = mlpBlock(blk.scope("mlp"), layerNorm(blk.scope("norm2"), h, { eps }), {
    hidden: opts.hidden,
    activation: opts.activation,
    site: opts.site,
    drop: opts.dropout,
    init: "vit",
  });
  return add(h, dropPath(blk.scope("drop_path2"), m, opts.dropPath));
}
