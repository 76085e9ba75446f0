/**
 * Talking-heads attention (Shazeer et al. 2020) as CaiT uses it in its
 * self-attention blocks (timm `TalkingHeadAttn`): the fused `qkv` projection
 * and head split of `attention.ts`, then two learned linear mixes across the
 * heads — `proj_l` on the attention logits before the softmax, `proj_w` on
 * the weights after it — each an `nn.Linear(H, H)` applied at every (query,
 * key) position, then the weighted values and the output projection `proj`.
 *
 * A head mix is one matmul `W [H, H] · A [B, H, N·M]` (weight in
 * `nn.Linear`'s `[out, in]` layout, so checkpoints map one-to-one) plus a
 * bias per output head: the same values as timm's permute → linear →
 * permute, without moving the attention tensor twice. (`proj_l`'s bias is a
 * per-head shift of the logits, which the softmax ignores: it is kept, so
 * parameter counts and checkpoints match timm's, with its exact zero
 * gradient — see `mixHeads`.) Every linear takes
 * timm's CaiT init (trunc-normal 0.02, zero bias).
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import { add, matmul, reshape, softmax, stopGradient } from "../core/ops.ts";
import type { BuildContext } from "../plugin/context.ts";
import { type AttentionOptions, checkHeads, mergeHeads, splitQkv } from "./attention.ts";
import { dropout } from "./dropout.ts";
import { truncNormalInit, zerosInit } from "./init.ts";
import { linear } from "./linear.ts";

/**
 * Mix attention maps across heads: `a [B, H, N, M] → [B, H, N, M]` with
 * `y[b, o] = Σ_i W[o, i] · a[b, i] + bias[o]`; declares `weight [H, H]`
 * (decayed) and `bias [H]` in `ctx`'s scope. `beforeSoftmax`: the result
 * feeds a softmax over its last axis, which ignores the per-head shift
 * `bias[o]`, so the bias's gradient is identically zero; it is added through
 * `stopGradient`, which gives that exact zero instead of the rounding noise
 * of a sum that should cancel (AdamW would turn that noise into ±lr steps
 * that differ between backends). The forward values are unchanged.
 */
export function mixHeads(ctx: BuildContext, a: Tensor, beforeSoftmax = false): Tensor {
  const [b, h, n, m] = a.shape;
  const w = ctx.param("weight", [h, h], truncNormalInit(0.02), { decay: true });
  const bias = ctx.param("bias", [h], zerosInit(), { decay: false });
  const y = reshape(matmul(w, reshape(a, [b, h, n * m])), [b, h, n, m]);
  return add(y, reshape(beforeSoftmax ? stopGradient(bias) : bias, [h, 1, 1]));
}

/** `x [B, N, C] → [B, N, C]`; declares `qkv.*`, `proj_l.*`, `proj_w.*` and `proj.*`. */
export function talkingHeadsAttention(
  ctx: BuildContext,
  x: Tensor,
  opts: AttentionOptions,
): Tensor {
  checkHeads(`talking-heads attention "${ctx.prefix}"`, x, opts.numHeads);
  const c = x.shape[2];
  const qkv = linear(ctx.scope("qkv"), x, 3 * c, { init: "vit", bias: opts.qkvBias ?? true });
  const { q, k, v } = splitQkv(qkv, opts.numHeads);
  const logits = mixHeads(ctx.scope("proj_l"), matmul(q, k, false, true), true);
  let attn = mixHeads(ctx.scope("proj_w"), softmax(logits, -1));
  attn = dropout(ctx.scope("attn_drop"), attn, opts.attnDrop ?? 0);
  const y = linear(ctx.scope("proj"), mergeHeads(matmul(attn, v)), c, { init: "vit" });
  return dropout(ctx.scope("proj_drop"), y, opts.projDrop ?? 0);
}
