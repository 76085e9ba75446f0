/**
 * Spatial-reduction attention (PVT v1, Wang et al. 2021; the authors'
 * toolbox copy is `qtcls/models/pvt.py` in horrible-dong/QTClassification,
 * from whai362/PVT `classification/pvt.py`): queries from every token, keys
 * and values from the `[h, w]` token grid shrunk by a strided convolution
 * (kernel = stride = `srRatio`) and a LayerNorm, so attention costs
 * N·N/r² instead of N². `srRatio` 1 is plain multi-head attention with
 * separate `q` and `kv` projections (PVT's last stage, where the class token
 * joins the grid).
 *
 * Parameters as PVT: `q` (C→C) and `kv` (C→2C) with bias `qkvBias`, `proj`
 * (C→C, bias) — trunc-normal 0.02, zero bias (PVT's `_init_weights`); `sr`
 * (conv C→C, bias) keeps PyTorch's Conv2d default init and `norm` a
 * LayerNorm with PyTorch's default eps 1e-5 (PVT does not pass its
 * `norm_layer` into `Attention`).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { matmul, mul, reshape, slice, softmax, transpose } from "../core/ops.ts";
import { fmtShape } from "../core/shape.ts";
import type { BuildContext } from "../plugin/context.ts";
import { conv2d } from "./conv2d.ts";
import { dropout } from "./dropout.ts";
import { layerNorm } from "./layer_norm.ts";
import { linear } from "./linear.ts";
import { tokensToMap } from "./patch_embed.ts";

/** Options of `spatialReductionAttention`. */
export interface SrAttentionOptions {
  /** Number of heads; must divide C. */
  readonly numHeads: number;
  /** Reduction ratio r of the key/value grid (1: none). */
  readonly srRatio: number;
  /** The token grid `[h, w]` (N = h·w; with `srRatio` 1 extra prefix tokens are allowed). */
  readonly grid: readonly [number, number];
  /** Bias on `q` and `kv` (default true, as PVT's presets). */
  readonly qkvBias?: boolean;
  /** Dropout on the attention weights (default 0). */
  readonly attnDrop?: number;
  /** Dropout after `proj` (default 0). */
  readonly projDrop?: number;
}

/** `x [B, N, C] → [B, N, C]`; declares `q.*`, `kv.*`, `proj.*` and (r > 1) `sr.*`, `norm.*`. */
export function spatialReductionAttention(
  ctx: BuildContext,
  x: Tensor,
  opts: SrAttentionOptions,
): Tensor {
  const { numHeads: h, srRatio: r, grid: [gh, gw] } = opts;
  const ok = x.rank === 3 && Number.isInteger(h) && h >= 1 && x.shape[2] % h === 0 &&
    Number.isInteger(r) && r >= 1 &&
    (r === 1 ? x.shape[1] >= gh * gw : x.shape[1] === gh * gw && gh % r === 0 && gw % r === 0);
  if (!ok) {
    throw new ActlabError(
      `spatial-reduction attention "${ctx.prefix}": ${h} heads, ratio ${r}, grid ${gh}x${gw} ` +
        `for input ${fmtShape(x.shape)}`,
      "use tokens [B, h·w, C] with a head count dividing C and a ratio dividing h and w " +
        "(prefix tokens only with ratio 1)",
    );
  }
  const [b, n, c] = x.shape;
  const d = c / h;
  const bias = opts.qkvBias ?? true;
  const q = mul(
    transpose(
      reshape(linear(ctx.scope("q"), x, c, { init: "vit", bias }), [b, n, h, d]),
      [0, 2, 1, 3],
    ),
    1 / Math.sqrt(d),
  );
  let src = x;
  if (r > 1) {
    const reduced = conv2d(ctx.scope("sr"), tokensToMap(x, gh, gw), c, {
      kernel: r,
      stride: r,
      bias: true,
      init: "torch",
    });
    const m = (gh / r) * (gw / r);
    src = transpose(reshape(reduced, [b, c, m]), [0, 2, 1]);
    src = layerNorm(ctx.scope("norm"), src, { eps: 1e-5 });
  }
  const m = src.shape[1];
  const kv = linear(ctx.scope("kv"), src, 2 * c, { init: "vit", bias });
  // [B, M, 2, H, D] → [2, B, H, M, D], as PVT's reshape + permute.
  const parts = transpose(reshape(kv, [b, m, 2, h, d]), [2, 0, 3, 1, 4]);
  const part = (i: number) =>
    reshape(slice(parts, [i, 0, 0, 0, 0], [i + 1, b, h, m, d]), [b, h, m, d]);
  let attn = softmax(matmul(q, part(0), false, true), -1);
  attn = dropout(ctx.scope("attn_drop"), attn, opts.attnDrop ?? 0);
  const out = reshape(transpose(matmul(attn, part(1)), [0, 2, 1, 3]), [b, n, c]);
  const y = linear(ctx.scope("proj"), out, c, { init: "vit" });
  return dropout(ctx.scope("proj_drop"), y, opts.projDrop ?? 0);
}
