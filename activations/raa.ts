/**
 * RAA, the response-adaptive activation of DNRT (Qiu et al.):
 * y = x·Φ(x + wᵀx + b), where the shift wᵀx + b is one scalar per position
 * (a projection of the channel vector) and w [C], b [1] start at zero, so an
 * untrained RAA is exactly GELU.
 * @module
 */
import { add, matmul, mul, reshape } from "../core/ops.ts";
import { normalCdf } from "./normal_cdf.ts";
import { noOptions } from "../plugin/options.ts";
import type { ActivationPlugin } from "../plugin/types.ts";
import { checkSiteTensor } from "../plugin/site_tensor.ts";

/** The `raa` plugin. */
export const raaActivation: ActivationPlugin = {
  name: "raa",
  description: "RAA (DNRT): x·Phi(x + w·x + b), w and b learnable, zero-initialised",
  create(site, options) {
    noOptions("raa", options);
    const c = site.channels;
    return {
      apply(ctx, x) {
        checkSiteTensor("raa", site, x);
        const w = ctx.param("weight", [c], (s) => new Float32Array(s[0]));
        const b = ctx.param("bias", [1], () => new Float32Array(1));
        // [1, C] · [B, C, H·W] → [B, 1, H·W] for images; [B, …, C] · [C, 1] → [B, …, 1] otherwise.
        const shift = site.layout === "nchw"
          ? reshape(matmul(reshape(w, [1, c]), reshape(x, [x.shape[0], c, -1])), [
            x.shape[0],
            1,
            x.shape[2],
            x.shape[3],
          ])
          : matmul(x, reshape(w, [c, 1]));
        return mul(x, normalCdf(add(add(x, shift), b)));
      },
    };
  },
};
