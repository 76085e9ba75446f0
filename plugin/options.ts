/**
 * Validation of plugin options. Options arrive from the command line or a
 * config as numbers, numeric strings or booleans; each plugin declares the
 * numeric options it understands and gets a clear error for anything else,
 * so a misspelt option never silently keeps its default.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { PluginOptions } from "./types.ts";

/** One numeric option of a plugin. */
export interface NumberOptionSpec {
  /** Value used when the option is absent (`undefined`: the option is optional and has no value). */
  readonly default?: number;
  /** Smallest allowed value. */
  readonly min?: number;
  /** Whether `min` itself is excluded. */
  readonly minExclusive?: boolean;
  /** Largest allowed value (inclusive). */
  readonly max?: number;
  /** Whether the value must be an integer. */
  readonly integer?: boolean;
}

function describeRange(spec: NumberOptionSpec): string {
  const parts: string[] = [];
  if (spec.integer) parts.push("an integer");
  if (spec.min !== undefined) parts.push(`${spec.minExclusive ? ">" : ">="} ${spec.min}`);
  if (spec.max !== undefined) parts.push(`<= ${spec.max}`);
  return parts.length ? parts.join(", ") : "a finite number";
}

/**
 * Read the numeric options `specs` of plugin `plugin` from `options`: applies
 * defaults, parses numeric strings, checks ranges and rejects unknown keys.
 * Options without a default that are absent come back as `undefined`.
 */
export function readOptions<K extends string>(
  plugin: string,
  options: PluginOptions,
  specs: Readonly<Record<K, NumberOptionSpec>>,
): Record<K, number> {
  const known = Object.keys(specs) as K[];
  for (const key of Object.keys(options)) {
    if (!known.includes(key as K)) {
      throw new ActlabError(
        `${plugin}: unknown option "${key}"`,
        known.length
          ? `${plugin} takes: ${known.join(", ")}`
          : `${plugin} takes no options; remove "${key}"`,
      );
    }
  }
  const out = {} as Record<K, number>;
  for (const key of known) {
    const spec = specs[key];
    const raw = options[key];
    if (raw === undefined) {
      out[key] = spec.default as number;
      continue;
    }
    const v = typeof raw === "number"
      ? raw
      : typeof raw === "string" && raw.trim() !== ""
      ? Number(raw)
      : NaN;
    const bad = !Number.isFinite(v) ||
      (spec.integer && !Number.isInteger(v)) ||
      (spec.min !== undefined && (spec.minExclusive ? v <= spec.min : v < spec.min)) ||
      (spec.max !== undefined && v > spec.max);
    if (bad) {
      throw new ActlabError(
        `${plugin}: option ${key} = ${JSON.stringify(raw)} is invalid`,
        `${key} must be ${describeRange(spec)}`,
      );
    }
    out[key] = v;
  }
  return out;
}

/** Reject any option: for plugins that take none. */
export function noOptions(plugin: string, options: PluginOptions): void {
  readOptions(plugin, options, {});
}
