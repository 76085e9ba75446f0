/**
 * Class token and learned positional embedding (ViT). Both are excluded from
 * weight decay and drawn trunc-normal in [−2, 2] with std 0.02, as in DeiT;
 * the class token's std is an argument because timm's ViT (and the DPA/DNRT
 * authors' `vit_example.py`) draws it normal with std 1e-6 — which the same
 * truncated draw gives, since ±2 never binds at that scale.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { add, broadcastTo, concat } from "../core/ops.ts";
import { fmtShape } from "../core/shape.ts";
import type { BuildContext } from "../plugin/context.ts";
import { truncNormalInit } from "./init.ts";

/**
 * Prepend the learned `cls_token [1, 1, C]` to tokens `[B, N, C]` → `[B, N + 1, C]`;
 * it starts trunc-normal with std `std` (default 0.02).
 */
export function prependClassToken(
  ctx: BuildContext,
  x: Tensor,
  name = "cls_token",
  std = 0.02,
): Tensor {
  if (x.rank !== 3) {
    throw new ActlabError(
      `class token: expected tokens [B, N, C], got ${fmtShape(x.shape)}`,
      "embed the input into tokens first",
    );
  }
  const [b, , c] = x.shape;
  const cls = ctx.param(name, [1, 1, c], truncNormalInit(std), { decay: false });
  return concat([broadcastTo(cls, [b, 1, c]), x], 1);
}

/** Add the learned `pos_embed [1, N, C]` to tokens `[B, N, C]`. */
export function addPositionEmbedding(ctx: BuildContext, x: Tensor, name = "pos_embed"): Tensor {
  if (x.rank !== 3) {
    throw new ActlabError(
      `position embedding: expected tokens [B, N, C], got ${fmtShape(x.shape)}`,
      "embed the input into tokens first",
    );
  }
  const pos = ctx.param(name, [1, x.shape[1], x.shape[2]], truncNormalInit(0.02), {
    decay: false,
  });
  return add(x, pos);
}
