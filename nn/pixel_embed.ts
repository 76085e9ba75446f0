/**
 * TNT's pixel embedding (Han et al. 2021, "Transformer in Transformer";
 * timm `tnt.py` `PixelEmbed`, copied in horrible-dong/QTClassification
 * `qtcls/models/tnt.py`): a 7×7 convolution (padding 3, stride `stride`) to
 * `innerDim` channels, then `nn.Unfold` into non-overlapping `k×k` windows,
 * k = patch/stride, one window per patch, plus a learned `pixel_pos
 * [1, innerDim, k, k]`. The result is one sequence of k² pixel tokens per
 * patch, batched as `[B·N, k², innerDim]` in row-major patch order (what the
 * inner transformer attends over).
 *
 * Because kernel = stride, the unfold is pure data movement: the `[B, C,
 * gh·k, gw·k]` map is reshaped and transposed (rank ≤ 4, which every backend
 * moves fast) — no new op. Init as timm: the conv keeps PyTorch's Conv2d
 * default, `pixel_pos` is trunc-normal 0.02 (no weight decay, like every
 * position embedding here).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { add, reshape, transpose } from "../core/ops.ts";
import { fmtShape } from "../core/shape.ts";
import type { BuildContext } from "../plugin/context.ts";
import { conv2d } from "./conv2d.ts";
import { truncNormalInit } from "./init.ts";

/**
 * Unfold `[B, C, gh·k, gw·k]` into non-overlapping k×k windows:
 * `[B·gh·gw, k², C]`, windows in row-major order, pixels row-major inside
 * each (PyTorch `nn.Unfold(k, stride=k)` followed by TNT's reshape and
 * transpose).
 */
export function unfoldWindows(x: Tensor, k: number): Tensor {
  if (x.rank !== 4 || !Number.isInteger(k) || k < 1 || x.shape[2] % k || x.shape[3] % k) {
    throw new ActlabError(
      `unfoldWindows: window ${k} does not tile ${fmtShape(x.shape)}`,
      "pass an NCHW map whose height and width are multiples of the window",
    );
  }
  const [b, c, hh, ww] = x.shape;
  const [gh, gw] = [hh / k, ww / k];
  // [B·C·gh, k, gw, k] → [B·C·gh, gw, k, k] = [B, C, N, k²] → [B, N, k², C].
  const rows = transpose(reshape(x, [b * c * gh, k, gw, k]), [0, 2, 1, 3]);
  const tokens = transpose(reshape(rows, [b, c, gh * gw, k * k]), [0, 2, 3, 1]);
  return reshape(tokens, [b * gh * gw, k * k, c]);
}

/** Options of `pixelEmbed`. */
export interface PixelEmbedOptions {
  /** Patch side p (the outer transformer's token). */
  readonly patchSize: number;
  /** Stride s of the 7×7 convolution; must divide p (k = p/s pixels per side). */
  readonly stride: number;
  /** Inner (pixel) embedding width. */
  readonly innerDim: number;
}

/**
 * `x [B, Cin, H, W] → [B·N, k², innerDim]` with N = (H/p)·(W/p), k = p/s;
 * declares `proj.*` and `pixel_pos`.
 */
export function pixelEmbed(ctx: BuildContext, x: Tensor, opts: PixelEmbedOptions): Tensor {
  const { patchSize: p, stride: s, innerDim } = opts;
  if (
    x.rank !== 4 || !Number.isInteger(p) || !Number.isInteger(s) || s < 1 || p < s ||
    p % s !== 0 || x.shape[2] % p !== 0 || x.shape[3] % p !== 0
  ) {
    throw new ActlabError(
      `pixel embedding "${ctx.prefix}": patch ${p}, stride ${s} for input ${fmtShape(x.shape)}`,
      "pick a stride dividing the patch size and a patch size dividing the image sides",
    );
  }
  const k = p / s;
  const y = conv2d(ctx.scope("proj"), x, innerDim, {
    kernel: 7,
    stride: s,
    padding: 3,
    bias: true,
    init: "torch",
  });
  const pixels = unfoldWindows(y, k);
  const pos = ctx.param("pixel_pos", [1, innerDim, k, k], truncNormalInit(0.02), {
    decay: false,
  });
  // timm adds pixel_pos on [B·N, C, k, k]; here it is read in token layout [1, k², C].
  return add(pixels, transpose(reshape(pos, [1, innerDim, k * k]), [0, 2, 1]));
}
