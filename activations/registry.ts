/**
 * Registries of activation plugins (applied at a model's activation sites)
 * and regulariser plugins (attached to its response sites). A plugin is a
 * plain object registered by name; models look plugins up by name and never
 * know which one is plugged in.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import type { BuildContext } from "../nn/context.ts";

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

const activations = new Map<string, ActivationPlugin>();
const regularisers = new Map<string, RegulariserPlugin>();

/** Register an activation plugin (names are unique). */
export function registerActivation(plugin: ActivationPlugin): void {
  if (activations.has(plugin.name)) {
    throw new ActlabError(`activation "${plugin.name}" is registered twice`, "pick a unique name");
  }
  activations.set(plugin.name, plugin);
}

/** The activation called `name`; unknown names list the valid ones. */
export function getActivation(name: string): ActivationPlugin {
  const p = activations.get(name);
  if (!p) {
    throw new ActlabError(
      `unknown activation "${name}"`,
      `use one of: ${listActivations().join(", ")}`,
    );
  }
  return p;
}

/** Registered activation names, sorted. */
export function listActivations(): string[] {
  return [...activations.keys()].sort();
}

/** Register a regulariser plugin (names are unique). */
export function registerRegulariser(plugin: RegulariserPlugin): void {
  if (regularisers.has(plugin.name)) {
    throw new ActlabError(`regulariser "${plugin.name}" is registered twice`, "pick a unique name");
  }
  regularisers.set(plugin.name, plugin);
}

/** The regulariser called `name`; unknown names list the valid ones. */
export function getRegulariser(name: string): RegulariserPlugin {
  const p = regularisers.get(name);
  if (!p) {
    throw new ActlabError(
      `unknown regulariser "${name}"`,
      `use one of: ${listRegularisers().join(", ")}`,
    );
  }
  return p;
}

/** Registered regulariser names, sorted. */
export function listRegularisers(): string[] {
  return [...regularisers.keys()].sort();
}
