/**
 * The registry of activation plugins (applied at a model's activation
 * sites). A plugin is a plain object registered by name; models look plugins
 * up by name and never know which one is plugged in.
 * @module
 */
import { Registry } from "../core/registry.ts";
import { checkDeclaration, resolvePluginOptions } from "../plugin/options.ts";
import type { ActivationPlugin, OptionValue, PluginOptions, TaskFacts } from "../plugin/types.ts";

const activations = new Registry<ActivationPlugin>("activation");

/** Register an activation plugin (names are unique; its option schema is checked). */
export function registerActivation(plugin: ActivationPlugin): void {
  if (!activations.has(plugin.name)) checkDeclaration("activation", plugin);
  activations.register(plugin);
}

/** The activation called `name`; unknown names list the valid ones. */
export function getActivation(name: string): ActivationPlugin {
  return activations.get(name);
}

/**
 * Every option of activation `name` with defaults filled in (as `config.json`
 * records them): task-dependent defaults for `task` when given.
 */
export function resolveActivationOptions(
  name: string,
  options: PluginOptions,
  task?: TaskFacts,
): Record<string, OptionValue> {
  return resolvePluginOptions(getActivation(name), options, task);
}

/** Registered activation names, sorted. */
export function listActivations(): string[] {
  return activations.names();
}
