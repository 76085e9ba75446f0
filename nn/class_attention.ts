/**
 * Class attention (CaiT, timm `ClassAttn`): only the class token asks. Its
 * query comes from token 0 alone (`q`), keys and values from every token
 * (`k`, `v`; the class token included), so the output is one token
 * `[B, 1, C]` — the updated class token — and the patch tokens are left as
 * they are. Separate q/k/v linears (bias `qkvBias`), per-head scaled
 * dot-product attention, output projection `proj`; ViT init (trunc-normal
 * 0.02, zero bias) as timm's CaiT.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import { matmul, mul, reshape, slice, softmax, transpose } from "../core/ops.ts";
import type { BuildContext } from "../plugin/context.ts";
import { type AttentionOptions, checkHeads, mergeHeads } from "./attention.ts";
import { dropout } from "./dropout.ts";
import { linear } from "./linear.ts";

/**
 * `x [B, N, C]` (class token first) → the class token's update `[B, 1, C]`;
 * declares `q.*`, `k.*`, `v.*` and `proj.*` in `ctx`'s scope.
 */
export function classAttention(ctx: BuildContext, x: Tensor, opts: AttentionOptions): Tensor {
  checkHeads(`class attention "${ctx.prefix}"`, x, opts.numHeads);
  const [b, n, c] = x.shape;
  const h = opts.numHeads;
  const d = c / h;
  const bias = opts.qkvBias ?? true;
  const heads = (t: Tensor, tokens: number) =>
    transpose(reshape(t, [b, tokens, h, d]), [0, 2, 1, 3]);
  const cls = slice(x, [0, 0, 0], [b, 1, c]);
  const q = mul(heads(linear(ctx.scope("q"), cls, c, { init: "vit", bias }), 1), 1 / Math.sqrt(d));
  const k = heads(linear(ctx.scope("k"), x, c, { init: "vit", bias }), n);
  const v = heads(linear(ctx.scope("v"), x, c, { init: "vit", bias }), n);
  let attn = softmax(matmul(q, k, false, true), -1); // [B, H, 1, N]
  attn = dropout(ctx.scope("attn_drop"), attn, opts.attnDrop ?? 0);
  const y = linear(ctx.scope("proj"), mergeHeads(matmul(attn, v)), c, { init: "vit" });
  return dropout(ctx.scope("proj_drop"), y, opts.projDrop ?? 0);
}
