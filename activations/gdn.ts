/**
 * GDN, generalised divisive normalisation (Ballé et al.) over the channel
 * axis: y_i = x_i / sqrt(β_i + Σ_j γ_ij x_j²).
 *
 * β ≥ β_min and γ ≥ 0 are kept by Ballé's non-negative reparameterisation:
 * the stored parameters β', γ' map to β = max(β', √(β_min + p))² − p and
 * γ = max(γ', √p)² − p with the pedestal p = 2⁻³⁶, which keeps gradients
 * well-scaled near the bounds. Initialisation β = 1, γ = 0.1·I (so
 * β' = √(1 + p), γ' = √(0.1·I + p)); neither gets weight decay.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import type { Shape } from "../core/host_tensor.ts";
import { add, matmul, maximum, mul, reshape, rsqrt, square, sub } from "../core/ops.ts";
import { defineActivation } from "../plugin/define.ts";
import type { ActivationPlugin } from "../plugin/types.ts";
import { checkSiteTensor } from "../plugin/site_tensor.ts";

/** The reparameterisation pedestal p = 2⁻³⁶. */
export const GDN_PEDESTAL = 2 ** -36;

/** Lower bound of β (default of the `betaMin` option). */
export const GDN_BETA_MIN = 1e-6;

/** max(θ', √(bound + p))² − p: the effective value of a stored GDN parameter. */
function bounded(stored: Tensor, bound: number): Tensor {
  return sub(square(maximum(stored, Math.sqrt(bound + GDN_PEDESTAL))), GDN_PEDESTAL);
}

/** The `gdn` plugin (option `betaMin`, default 1e-6). */
export const gdnActivation: ActivationPlugin = defineActivation({
  name: "gdn",
  description: "GDN: x_i / sqrt(beta_i + sum_j gamma_ij x_j^2) over channels",
  options: {
    betaMin: {
      type: "number",
      default: GDN_BETA_MIN,
      min: 0,
      minExclusive: true,
      help: "lower bound of β",
    },
  },
  create(site, { betaMin }) {
    const c = site.channels;
    return {
      apply(ctx, x) {
        checkSiteTensor("gdn", site, x);
        const beta = bounded(
          ctx.param(
            "beta",
            [c],
            (s: Shape) => new Float32Array(s[0]).fill(Math.sqrt(1 + GDN_PEDESTAL)),
            {
              decay: false,
            },
          ),
          betaMin,
        );
        const gamma = bounded(
          ctx.param("gamma", [c, c], () => {
            const g = new Float32Array(c * c).fill(Math.sqrt(GDN_PEDESTAL));
            for (let i = 0; i < c; i++) g[i * c + i] = Math.sqrt(0.1 + GDN_PEDESTAL);
            return g;
          }, { decay: false }),
          0,
        );
        const x2 = square(x);
        if (site.layout === "nchw") {
          // [B, C, H·W]: γ [C, C] left-multiplies every sample's channel columns.
          const [b, , h, w] = x.shape;
          const norm = add(matmul(gamma, reshape(x2, [b, c, h * w])), reshape(beta, [c, 1]));
          return reshape(mul(reshape(x, [b, c, h * w]), rsqrt(norm)), x.shape);
        }
        // Channels last: Σ_j x_j² γ_ij is x² · γᵀ.
        return mul(x, rsqrt(add(matmul(x2, gamma, false, true), beta)));
      },
    };
  },
});
