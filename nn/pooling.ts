/**
 * Pooling helpers: global average pooling of feature maps, class-token or
 * mean pooling of token sequences, flattening (windowed pools are core ops).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { mean, reshape, slice } from "../core/ops.ts";
import { fmtShape } from "../core/shape.ts";

/** Mean over the spatial axes: `[B, C, H, W] → [B, C]`. */
export function globalAvgPool2d(x: Tensor): Tensor {
  if (x.rank !== 4) {
    throw new ActlabError(
      `globalAvgPool2d: expected [B, C, H, W], got ${fmtShape(x.shape)}`,
      "pass an NCHW feature map",
    );
  }
  return mean(x, [2, 3]);
}

/**
 * Pool a token sequence `[B, N, C] → [B, C]`: `token` takes token 0 (the
 * class token); `avg` averages the tokens after the first `prefixTokens`.
 */
export function poolTokens(x: Tensor, mode: "token" | "avg", prefixTokens = 1): Tensor {
  if (x.rank !== 3 || x.shape[1] <= (mode === "avg" ? prefixTokens : 0)) {
    throw new ActlabError(
      `poolTokens(${mode}): expected [B, N, C] with enough tokens, got ${fmtShape(x.shape)}`,
      "pass a token sequence",
    );
  }
  const [b, n, c] = x.shape;
  if (mode === "token") return reshape(slice(x, [0, 0, 0], [b, 1, c]), [b, c]);
  return mean(slice(x, [0, prefixTokens, 0], [b, n, c]), [1]);
}

/** `[B, ...] → [B, prod(...)]`. */
export function flatten(x: Tensor): Tensor {
  const rest = x.shape.slice(1).reduce((a, d) => a * d, 1);
  return x.rank === 2 ? x : reshape(x, [x.shape[0], rest]);
}
