/**
 * Multi-head self-attention as timm's ViT `Attention`: one fused `qkv`
 * linear, per-head scaled dot-product attention, output projection `proj`.
 * Linears use the ViT init (trunc-normal 0.02, zero bias). The head split
 * and merge are exported for the attention variants beside it
 * (`talking_heads.ts`, `class_attention.ts`).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { matmul, mul, reshape, slice, softmax, transpose } from "../core/ops.ts";
import { fmtShape } from "../core/shape.ts";
import type { BuildContext } from "../plugin/context.ts";
import { dropout } from "./dropout.ts";
import { linear } from "./linear.ts";

/** Options of `selfAttention` (and of the attention variants built from its pieces). */
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

/** Throw unless `x` is `[B, N, C]` tokens and `numHeads` divides C. */
export function checkHeads(what: string, x: Tensor, numHeads: number): void {
  if (x.rank !== 3 || !Number.isInteger(numHeads) || numHeads < 1 || x.shape[2] % numHeads !== 0) {
    throw new ActlabError(
      `${what}: ${numHeads} heads for input ${fmtShape(x.shape)}`,
      "use tokens [B, N, C] and a head count that divides C",
    );
  }
}

/** Per-head queries (already scaled by 1/√D), keys and values, each `[B, H, N, D]`. */
export interface HeadsQkv {
  /** Queries times 1/√D. */
  readonly q: Tensor;
  /** Keys. */
  readonly k: Tensor;
  /** Values. */
  readonly v: Tensor;
}

/** Split a fused projection `qkv [B, N, 3C]` into per-head q (scaled), k, v (timm's reshape + permute). */
export function splitQkv(qkv: Tensor, numHeads: number): HeadsQkv {
  const [b, n, c3] = qkv.shape;
  const h = numHeads;
  const d = c3 / 3 / h;
  // [B, N, 3, H, D] → [3, B, H, N, D], as timm's reshape + permute.
  const parts = transpose(reshape(qkv, [b, n, 3, h, d]), [2, 0, 3, 1, 4]);
  const part = (i: number) =>
    reshape(slice(parts, [i, 0, 0, 0, 0], [i + 1, b, h, n, d]), [b, h, n, d]);
  const q = mul(part(0), 1 / Math.sqrt(d));
  return { q, k: part(1), v: part(2) };
}

/** Per-head outputs `[B, H, N, D]` → tokens `[B, N, H·D]`. */
export function mergeHeads(x: Tensor): Tensor {
  const [b, h, n, d] = x.shape;
  return reshape(transpose(x, [0, 2, 1, 3]), [b, n, h * d]);
}

/** `x [B, N, C] → [B, N, C]`; declares `qkv.*` and `proj.*` in `ctx`'s scope. */
export function selfAttention(ctx: BuildContext, x: Tensor, opts: AttentionOptions): Tensor {
  checkHeads(`attention "${ctx.prefix}"`, x, opts.numHeads);
  const c = x.shape[2];
  const qkv = linear(ctx.scope("qkv"), x, 3 * c, { init: "vit", bias: opts.qkvBias ?? true });
  const { q, k, v } = splitQkv(qkv, opts.numHeads);
  let attn = softmax(matmul(q, k, false, true), -1);
  attn = dropout(ctx.scope("attn_drop"), attn, opts.attnDrop ?? 0);
  const y = linear(ctx.scope("proj"), mergeHeads(matmul(attn, v)), c, { init: "vit" });
  return dropout(ctx.scope("proj_drop"), y, opts.projDrop ?? 0);
}
