/**
 * Activation and response sites: the two places where plugins plug into a
 * model. Layers receive factories (site → configured plugin) so they never
 * know which activation or regulariser is in use.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { fmtShape } from "../core/shape.ts";
import type { ActivationInstance, RegulariserInstance, Site } from "../plugin/types.ts";
import type { BuildContext } from "../plugin/context.ts";

/** Configures the model's activation for one site. */
export type ActivationFactory = (site: Site) => ActivationInstance;

/** Configures the model's regulariser for one response site. */
export type RegulariserFactory = (site: Site) => RegulariserInstance;

/** A CNN feature-map site [B, C, H, W]: per-sample vectors are the spatial mean. */
export function featureMapSite(channels: number): Site {
  return { channels, layout: "nchw", pooling: "avg" };
}

/** A fully connected site [B, C]: the per-sample vector is the row itself. */
export function featureSite(channels: number): Site {
  return { channels, layout: "features", pooling: "avg" };
}

/** Check that `x` has the rank and channel axis the site's layout says. */
export function checkSite(where: string, site: Site, x: Tensor): void {
  const rank = site.layout === "features" ? 2 : site.layout === "tokens" ? 3 : 4;
  const channels = site.layout === "nchw" ? x.shape[1] : x.shape[x.rank - 1];
  if (x.rank !== rank || channels !== site.channels) {
    throw new ActlabError(
      `${where}: a ${site.layout} site with ${site.channels} channels got a tensor ${
        fmtShape(x.shape)
      }`,
      "features sites take [B, C], tokens sites [B, N, C], nchw sites [B, C, H, W]",
    );
  }
}

/** Apply the activation at a site; `ctx` should already be scoped to the site (e.g. `act`). */
export function applyActivation(
  ctx: BuildContext,
  factory: ActivationFactory,
  site: Site,
  x: Tensor,
): Tensor {
  checkSite(`activation site "${ctx.prefix}"`, site, x);
  const y = factory(site).apply(ctx, x);
  if (y.shape.length !== x.rank || y.shape.some((d, i) => d !== x.shape[i])) {
    throw new ActlabError(
      `activation at "${ctx.prefix}" changed the shape ${fmtShape(x.shape)} to ${
        fmtShape(y.shape)
      }`,
      "an activation plugin must return a tensor of its input's shape",
    );
  }
  return y;
}

/** Let the regulariser (if any) observe the response `x` at a site; `x` is returned unchanged. */
export function observeResponse(
  ctx: BuildContext,
  factory: RegulariserFactory | null,
  site: Site,
  x: Tensor,
): Tensor {
  if (factory) {
    checkSite(`response site "${ctx.prefix}"`, site, x);
    factory(site).observe(ctx, x);
  }
  return x;
}
