/**
 * Shape helpers shared by plugins: checking that a tensor matches its site's
 * layout, locating the channel axis, and pooling a site tensor to one vector
 * per sample (what DPA's memories and ARR's class means are built from).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { mean, reshape, slice } from "../core/ops.ts";
import { fmtShape } from "../core/shape.ts";
import type { Site } from "./types.ts";

const RANK: Readonly<Record<Site["layout"], number>> = { tokens: 3, nchw: 4, features: 2 };
const LAYOUT_SHAPE: Readonly<Record<Site["layout"], string>> = {
  tokens: "[B, N, C]",
  nchw: "[B, C, H, W]",
  features: "[B, C]",
};

/** The axis holding the site's channels. */
export function channelAxis(site: Site): number {
  return site.layout === "tokens" ? 2 : 1;
}

/** Throw unless `x` is an f32 tensor laid out as `site` says, with `site.channels` channels. */
export function checkSiteTensor(plugin: string, site: Site, x: Tensor): void {
  const rank = RANK[site.layout];
  if (!rank) {
    throw new ActlabError(
      `${plugin}: unknown site layout "${site.layout}"`,
      "use tokens, nchw or features",
    );
  }
  if (x.dtype !== "f32" || x.rank !== rank || x.shape[channelAxis(site)] !== site.channels) {
    throw new ActlabError(
      `${plugin}: input ${x.dtype}${
        fmtShape(x.shape)
      } does not match a ${site.layout} site with ${site.channels} channels`,
      `pass an f32 tensor shaped ${LAYOUT_SHAPE[site.layout]} with C = ${site.channels}`,
    );
  }
}

/** Throw unless `site` can be pooled (nchw sites have no class token). */
export function checkSitePooling(plugin: string, site: Site): void {
  if (site.layout === "nchw" && site.pooling !== "avg") {
    throw new ActlabError(
      `${plugin}: an nchw site cannot pool by "${site.pooling}"`,
      'declare nchw sites with pooling "avg"',
    );
  }
}

/**
 * Pool a site tensor `[B, …]` to `[B, C]`: the class token (`x[:, 0, :]`) or
 * the mean over tokens for `tokens` sites, the spatial mean for `nchw` sites
 * (a class token does not exist there), the tensor itself for `features`.
 */
export function poolSite(plugin: string, site: Site, x: Tensor): Tensor {
  const [b] = x.shape;
  const c = site.channels;
  if (site.layout === "features") return x;
  if (site.layout === "nchw") {
    checkSitePooling(plugin, site);
    return mean(x, [2, 3]);
  }
  if (site.pooling === "avg") return mean(x, [1]);
  return reshape(slice(x, [0, 0, 0], [b, 1, c]), [b, c]);
}
