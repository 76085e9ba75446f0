/**
 * The plugin API: what an activation or regulariser plugin is, where it sits
 * in a model (`Site`) and the options it takes. It sits below the registries,
 * `nn/` and every plugin, so each of them imports from here and none of them
 * from each other.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import type { BuildContext } from "./context.ts";

/** Where an activation (or a regulariser) sits in a model. */
export interface Site {
  /** Channel count C. */
  readonly channels: number;
  /** `tokens`: x is [B, N, C]; `nchw`: x is [B, C, H, W]; `features`: x is [B, C]. */
  readonly layout: "tokens" | "nchw" | "features";
  /** How per-sample vectors are pooled: the class token (`token`) or the mean over positions (`avg`). */
  readonly pooling: "token" | "avg";
}

/** Plugin options as given on the command line or in a config (validated by the plugin). */
export type PluginOptions = Readonly<Record<string, number | string | boolean>>;

/** A configured activation for one site. */
export interface ActivationInstance {
  /**
   * Contribute the activation to the step graph: returns y = act(x) and may
   * declare parameters, state, losses, taps and metrics through `ctx`
   * (already scoped to this site).
   */
  apply(ctx: BuildContext, x: Tensor): Tensor;
}

/** An activation plugin. */
export interface ActivationPlugin {
  /** Registry name (lower case), e.g. `dpa`. */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /** Validate `options` (clear error on bad values) and configure the activation for `site`. */
  create(site: Site, options: PluginOptions): ActivationInstance;
}

/** A configured regulariser for one response site. */
export interface RegulariserInstance {
  /** Observe the response `x` at this site (adds loss terms/state through `ctx`). */
  observe(ctx: BuildContext, x: Tensor): void;
}

/** A regulariser plugin (e.g. ARR): attaches to response sites, adds loss terms. */
export interface RegulariserPlugin {
  /** Registry name. */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /** Validate options and configure the regulariser for `site`. */
  create(site: Site, options: PluginOptions): RegulariserInstance;
}
