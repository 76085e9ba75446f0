/**
 * LayerScale (Touvron et al., "Going deeper with Image Transformers", the
 * CaiT paper): a learnable per-channel factor on a residual branch,
 * `x · γ` with `γ [C]` initialised to a small constant (1e-5 for CaiT-XXS24,
 * timm `cait_xxs24_224`: `init_values=1e-5`) so every block starts close to
 * the identity. γ is a 1-D parameter and, like timm's optimizer groups do for
 * every 1-D parameter, is excluded from weight decay.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { mul } from "../core/ops.ts";
import type { BuildContext } from "../plugin/context.ts";
import { constantInit } from "./init.ts";

/** `x [..., C] → x · γ`, declaring `name [C]` (default `gamma`) in `ctx`'s scope, initialised to `init`. */
export function layerScale(ctx: BuildContext, x: Tensor, init: number, name = "gamma"): Tensor {
  if (!Number.isFinite(init)) {
    throw new ActlabError(
      `layer scale "${ctx.prefix}": initial value ${init} is not finite`,
      "pass a small positive value such as 1e-5 (CaiT-XXS24) or 1e-6 (deeper CaiTs)",
    );
  }
  const c = x.shape[x.rank - 1];
  return mul(x, ctx.param(name, [c], constantInit(init), { decay: false }));
}
