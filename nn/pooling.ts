/**
 * Pooling helpers: global and adaptive average pooling of feature maps,
 * class-token or mean pooling of token sequences, flattening (windowed pools
 * are core ops).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { avgPool2d, mean, reshape, slice } from "../core/ops.ts";
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
 * Does `adaptiveAvgPool2d` accept an `inSize` map for `outSize` output? Yes
 * when equal (the identity) or when `inSize` is a positive multiple of `outSize`.
 */
export function adaptivePoolAccepts(inSize: number, outSize: number): boolean {
  return inSize >= outSize && inSize % outSize === 0;
}

/**
 * PyTorch's `nn.AdaptiveAvgPool2d(out)` for the cases that are one windowed
 * pool: the identity when `[H, W]` equals `out`, else an average pool whose
 * kernel and stride are `H/out × W/out` (exact when they divide). Other sizes
 * (where PyTorch uses overlapping, uneven windows) are an error; a model
 * should check its input size first and name the sizes it accepts.
 */
export function adaptiveAvgPool2d(x: Tensor, out: readonly [number, number]): Tensor {
  const [h, w] = [x.shape[2], x.shape[3]];
  if (x.rank !== 4 || !adaptivePoolAccepts(h, out[0]) || !adaptivePoolAccepts(w, out[1])) {
    throw new ActlabError(
      `adaptiveAvgPool2d to ${out[0]}x${out[1]}: got ${fmtShape(x.shape)}`,
      `pass an NCHW map whose height and width are multiples of ${out[0]} and ${out[1]}`,
    );
  }
  if (h === out[0] && w === out[1]) return x;
  const kernel: [number, number] = [h / out[0], w / out[1]];
  return avgPool2d(x, { kernel, stride: kernel });
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
