/**
 * RAA, the response-adaptive activation of DNRT (Qiu et al., ICLR 2024), in
 * both of the authors' forms (github.com/horrible-dong/DNRT):
 *
 * - `base: "gelu"` (default; `qtcls/modules/DNRT/raa.py`, `RAA` / `RAA_CNN`):
 *   y = x·Φ(x + s), the GELU gate shifted;
 * - `base: "relu"` (`qtcls/modules/DNRT/raa2.py`, `RAA2` / `RAA2_CNN`):
 *   y = max(0, x + s), the ReLU shifted — the output is the shifted input,
 *   not x gated by (x + s > 0).
 *
 * In both the shift s = wᵀx + b is one scalar per position (the channel
 * vector projected by `F.linear` with weight [1, C]; for images over the
 * channel axis at every pixel, as `RAA_CNN` permutes to NHWC), and w [C],
 * b [1] start at zero, so an untrained RAA is exactly GELU or ReLU. The
 * ReLU form uses `threshold` like the `relu` plugin: gradient 0 where
 * x + s = 0 exactly, where the authors' `torch.max` splits it in half.
 * @module
 */
import { add, matmul, mul, reshape, threshold } from "../core/ops.ts";
import type { Tensor } from "../core/graph.ts";
import { normalCdf } from "./normal_cdf.ts";
import { defineActivation } from "../plugin/define.ts";
import type { ActivationPlugin, OptionSchema, Site } from "../plugin/types.ts";
import type { BuildContext } from "../plugin/context.ts";
import { checkSiteTensor } from "../plugin/site_tensor.ts";

/** RAA's option: which of the authors' two forms. */
export const RAA_OPTIONS = {
  base: {
    type: "enum",
    choices: ["gelu", "relu"],
    default: "gelu",
    help: "gelu: x·Φ(x + wᵀx + b) (raa.py); relu: max(0, x + wᵀx + b) (raa2.py)",
  },
} as const satisfies OptionSchema;

/** x + wᵀx + b: the input shifted by one learned scalar per position. */
function shifted(ctx: BuildContext, site: Site, x: Tensor): Tensor {
  const c = site.channels;
  const w = ctx.param("weight", [c], (s) => new Float32Array(s[0]));
  const b = ctx.param("bias", [1], () => new Float32Array(1));
  // [1, C] · [B, C, H·W] → [B, 1, H·W] for images; [B, …, C] · [C, 1] → [B, …, 1] otherwise.
  const proj = site.layout === "nchw"
    ? reshape(matmul(reshape(w, [1, c]), reshape(x, [x.shape[0], c, -1])), [
      x.shape[0],
      1,
      x.shape[2],
      x.shape[3],
    ])
    : matmul(x, reshape(w, [c, 1]));
  return add(add(x, proj), b);
}

/** The `raa` plugin (option `base`; the control `raa:relu` is the ReLU-based form). */
export const raaActivation: ActivationPlugin = defineActivation({
  name: "raa",
  description: "RAA (DNRT): x·Phi(x + w·x + b) or max(0, x + w·x + b); w, b zero-initialised",
  options: RAA_OPTIONS,
  controls: [{
    name: "relu",
    options: { base: "relu" },
    help: "RAA's ReLU-based form max(0, x + w·x + b) (DNRT raa2.py RAA2)",
  }],
  create(site, o) {
    return {
      apply(ctx, x) {
        checkSiteTensor("raa", site, x);
        const z = shifted(ctx, site, x);
        return o.base === "relu" ? threshold(z, 0) : mul(x, normalCdf(z));
      },
    };
  },
});
