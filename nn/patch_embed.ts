/**
 * ViT patch embedding (timm `PatchEmbed`): a convolution with kernel =
 * stride = patch size, then the `[B, C, H/p, W/p]` grid read as `[B, N, C]`
 * tokens in row-major patch order.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { reshape, transpose } from "../core/ops.ts";
import { fmtShape } from "../core/shape.ts";
import type { BuildContext } from "../plugin/context.ts";
import { conv2d } from "./conv2d.ts";

/** `x [B, Cin, H, W] → [B, (H/p)·(W/p), embedDim]`; declares `proj.weight`, `proj.bias`. */
export function patchEmbed(
  ctx: BuildContext,
  x: Tensor,
  patchSize: number,
  embedDim: number,
): Tensor {
  if (
    x.rank !== 4 || !Number.isInteger(patchSize) || patchSize < 1 ||
    x.shape[2] % patchSize !== 0 || x.shape[3] % patchSize !== 0
  ) {
    throw new ActlabError(
      `patch embedding "${ctx.prefix}": patch size ${patchSize} does not tile input ${
        fmtShape(x.shape)
      }`,
      "pick a patch size that divides the image height and width (e.g. 4 for 28 or 32 px, 16 for 224 px)",
    );
  }
  const [b] = x.shape;
  // timm leaves the projection at PyTorch's Conv2d default init.
  const y = conv2d(ctx.scope("proj"), x, embedDim, {
    kernel: patchSize,
    stride: patchSize,
    bias: true,
    init: "torch",
  });
  const n = y.shape[2] * y.shape[3];
  return transpose(reshape(y, [b, embedDim, n]), [0, 2, 1]);
}

/**
 * Tokens back to a feature map, `[B, h·w, C] → [B, C, h, w]` (row-major
 * tokens, as `patchEmbed` emits them): what PVT feeds its next stage's patch
 * embedding and its spatial-reduction convolution.
 */
export function tokensToMap(x: Tensor, h: number, w: number): Tensor {
  if (x.rank !== 3 || x.shape[1] !== h * w) {
    throw new ActlabError(
      `tokensToMap: ${fmtShape(x.shape)} is not a ${h}x${w} grid of tokens`,
      "pass [B, h·w, C] tokens without prefix (class) tokens",
    );
  }
  const [b, , c] = x.shape;
  return reshape(transpose(x, [0, 2, 1]), [b, c, h, w]);
}
