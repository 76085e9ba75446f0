/**
 * Multi-head self-attention as timm's ViT `Attention`: one fused `qkv`
 * linear, per-head scaled dot-product attention, output projection `proj`.
 * Linears use the ViT init (trunc-normal 0.02, zero bias). The head split
 * and merge are exported for the attention variants beside it
 * (`talking_heads.ts`, `class_attention.ts`).
 *
 * An optional key padding mask `[B, N]` (i32 or f32; 0 = padding, anything
 * else = a token) becomes an additive bias `[B, 1, 1, N]` of 0 or −1e9 on
 * the scores, broadcast over heads and queries, as BERT's
 * `extended_attention_mask` (Hugging Face `get_extended_attention_mask`).
 * It is built from catalogue ops (`eq`, `where`, `reshape`, `add`), so every
 * backend runs it. A masked key's probability is exactly 0: after the
 * softmax's max subtraction its exponent is about −1e9, which underflows to
 * 0 in float32 and float64, and so does its gradient (p·(g − Σ p g)). A row
 * whose keys are all padding cannot occur in a text batch (`[CLS]` is always
 * a token; the text task checks it); with a finite bias such a row would
 * get uniform weights rather than NaN. Without a mask the graph is the
 * unmasked one, node for node.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { add, eq, matmul, mul, reshape, slice, softmax, transpose, where } from "../core/ops.ts";
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
  /** Key padding mask `[B, N]`, i32 or f32: 0 = padding (never attended to), else a token. */
  readonly keyMask?: Tensor;
}

/** Additive score bias for a key padding mask `[B, N]`: 0 for tokens, −1e9 for padding. */
const MASKED_SCORE = -1e9;

/**
 * The additive bias `[B, 1, 1, N]` of a key padding mask `[B, N]` (0 =
 * padding): 0 where a key is a token, −1e9 where it is padding.
 */
export function keyMaskBias(mask: Tensor, site = "attention"): Tensor {
  if (mask.rank !== 2 || mask.dtype === "bool") {
    throw new ActlabError(
      `${site}: key mask must be i32 or f32 [B, N], got ${mask.dtype} ${fmtShape(mask.shape)}`,
      "pass the padding mask of the token batch (1 = token, 0 = padding)",
    );
  }
  const [b, n] = mask.shape;
  return reshape(where(eq(mask, 0), MASKED_SCORE, 0), [b, 1, 1, n]);
}

/**
 * Attention weights of per-head queries `q [B, H, N, D]` (already scaled by
 * 1/√D) and keys `k [B, H, N, D]` with an optional additive key bias
 * `[B, 1, 1, N]` (see `keyMaskBias`): `softmax(q·kᵀ + bias)` over keys →
 * `[B, H, N, N]`. Parameter-free, so its gradients are checked directly.
 */
export function attentionWeights(q: Tensor, k: Tensor, keyBias?: Tensor): Tensor {
  const scores = matmul(q, k, false, true);
  return softmax(keyBias ? add(scores, keyBias) : scores, -1);
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
  const [b, n, c] = x.shape;
  const qkv = linear(ctx.scope("qkv"), x, 3 * c, { init: "vit", bias: opts.qkvBias ?? true });
  if (
    opts.keyMask &&
    (opts.keyMask.rank !== 2 || opts.keyMask.shape[0] !== b || opts.keyMask.shape[1] !== n)
  ) {
    throw new ActlabError(
      `attention "${ctx.prefix}": key mask ${fmtShape(opts.keyMask.shape)} for tokens ${
        fmtShape(x.shape)
      }`,
      "pass a padding mask [B, N] matching the tokens",
    );
  }
  const bias = opts.keyMask ? keyMaskBias(opts.keyMask, `attention "${ctx.prefix}"`) : undefined;
  const { q, k, v } = splitQkv(qkv, opts.numHeads);
  let attn = attentionWeights(q, k, bias);
  attn = dropout(ctx.scope("attn_drop"), attn, opts.attnDrop ?? 0);
  const y = linear(ctx.scope("proj"), mergeHeads(matmul(attn, v)), c, { init: "vit" });
  return dropout(ctx.scope("proj_drop"), y, opts.projDrop ?? 0);
}
