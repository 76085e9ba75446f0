/**
 * The registry of regulariser plugins (attached to a model's response
 * sites, e.g. ARR). Registered by name like activations.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { checkDeclaration, resolvePluginOptions } from "../plugin/options.ts";
import type { OptionValue, PluginOptions, RegulariserPlugin, TaskFacts } from "../plugin/types.ts";

const regularisers = new Map<string, RegulariserPlugin>();

/** Register a regulariser plugin (names are unique). */
export function registerRegulariser(plugin: RegulariserPlugin): void {
  if (regularisers.has(plugin.name)) {
    throw new ActlabError(`regulariser "${plugin.name}" is registered twice`, "pick a unique name");
  }
  checkDeclaration("regulariser", plugin);
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
  return [...regularisers.keys()].sort();
}
