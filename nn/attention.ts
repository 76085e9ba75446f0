/**
 * Multi-head self-attention as timm's ViT `Attention`: one fused `qkv`
 * linear, per-head scaled dot-product attention, output projection `proj`.
 * Linears use the ViT init (trunc-normal 0.02, zero bias).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { matmul, mul, reshape, slice, softmax, transpose } from "../core/ops.ts";
import { fmtShape } from "../core/shape.ts";
import type { BuildContext } from "../plugin/context.ts";
import { dropout } from "./dropout.ts";
import { linear } from "./linear.ts";

/** Options of `selfAttention`. */
export interface AttentionOptions {
  /** Number of heads; must divide the embedding dimension. */
  readonly numHeads: number;
  /** Bias on the fused qkv projection (default true). */
  readonly qkvBias?: boolean;
  /** Dropout on the attention weights (default 0). */
  readonly attnDrop?: number;
  /** Dropout after the output projection (default 0). */
  readonly projDrop?: number;
}

/** `x [B, N, C] → [B, N, C]`; declares `qkv.*` and `proj.*` in `ctx`'s scope. */
export function selfAttention(ctx: BuildContext, x: Tensor, opts: AttentionOptions): Tensor {
  const h = opts.numHeads;
  if (x.rank !== 3 || !Number.isInteger(h) || h < 1 || x.shape[2] % h !== 0) {
    throw new ActlabError(
      `attention "${ctx.prefix}": ${h} heads for input ${fmtShape(x.shape)}`,
      "use tokens [B, N, C] and a head count that divides C",
    );
  }
  const [b, n, c] = x.shape;
  const d = c / h;
  const qkv = linear(ctx.scope("qkv"), x, 3 * c, { init: "vit", bias: opts.qkvBias ?? true });
  // [B, N, 3, H, D] → [3, B, H, N, D], as timm's reshape + permute.
  const parts = transpose(reshape(qkv, [b, n, 3, h, d]), [2, 0, 3, 1, 4]);
  const part = (i: number) =>
    reshape(slice(parts, [i, 0, 0, 0, 0], [i + 1, b, h, n, d]), [b, h, n, d]);
  const q = mul(part(0), 1 / Math.sqrt(d));
  const k = part(1);
  const v = part(2);
  let attn = softmax(matmul(q, k, false, true), -1);
  attn = dropout(ctx.scope("attn_drop"), attn, opts.attnDrop ?? 0);
  const out = reshape(transpose(matmul(attn, v), [0, 2, 1, 3]), [b, n, c]);
  const y = linear(ctx.scope("proj"), out, c, { init: "vit" });
  return dropout(ctx.scope("proj_drop"), y, opts.projDrop ?? 0);
}
