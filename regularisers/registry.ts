/**
 * The registry of regulariser plugins (attached to a model's response
 * sites, e.g. ARR). Registered by name like activations.
 * @module
 */
import { Registry } from "../core/registry.ts";
import { checkDeclaration, resolvePluginOptions } from "../plugin/options.ts";
import type { OptionValue, PluginOptions, RegulariserPlugin, TaskFacts } from "../plugin/types.ts";

const regularisers = new Registry<RegulariserPlugin>("regulariser");

/** Register a regulariser plugin (names are unique; its option schema is checked). */
export function registerRegulariser(plugin: RegulariserPlugin): void {
  if (!regularisers.has(plugin.name)) checkDeclaration("regulariser", plugin);
  regularisers.register(plugin);
}

/** The regulariser called `name`; unknown names list the valid ones. */
export function getRegulariser(name: string): RegulariserPlugin {
  return regularisers.get(name);
}

/**
 * Every option of regulariser `name` with defaults filled in (task-dependent
 * ones for `task` when given); null when there is none.
 */
export function resolveRegulariserOptions(
  name: string | null,
  options: PluginOptions,
  task?: TaskFacts,
): Record<string, OptionValue> | null {
  return name === null ? null : resolvePluginOptions(getRegulariser(name), options, task);
}

/** Registered regulariser names, sorted. */
export function listRegularisers(): string[] {
  return regularisers.names();
}
