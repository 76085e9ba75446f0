/**
 * Plugin options against their declared schema (`OptionSchema`): validation
 * with defaults filled in, the kebab-case spelling the CLI and `compare --set`
 * use, and one-line descriptions for help texts. Options arrive from the
 * command line or a config as numbers, strings or booleans; anything the
 * schema does not declare is a clear error, so a misspelt option never
 * silently keeps its default.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type {
  NumberOptionSpec,
  OptionSchema,
  OptionSpec,
  OptionValue,
  PluginOptions,
  ResolvedOptions,
  TaskFacts,
} from "./types.ts";

/** `updateInterval` → `update-interval`: how flags and `compare --set` spell an option. */
export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `update-interval` → `updateInterval`: the option key a flag spelling names. */
export function camelCase(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function describeRange(spec: NumberOptionSpec): string {
  const parts: string[] = [];
  if (spec.type === "integer") parts.push("an integer");
  if (spec.min !== undefined) parts.push(`${spec.minExclusive ? ">" : ">="} ${spec.min}`);
  if (spec.max !== undefined) parts.push(`<= ${spec.max}`);
  return parts.length ? parts.join(", ") : "a finite number";
}

/** What a valid value of `spec` is, e.g. `an integer, >= 1` or `one of memory, random`. */
export function describeValues(spec: OptionSpec): string {
  switch (spec.type) {
    case "enum":
      return `one of ${spec.choices.join(", ")}`;
    case "boolean":
      return "true or false";
    default:
      return describeRange(spec);
  }
}

/** The value placeholder in help texts: `N`, `INT`, `a|b|c` or `true|false`. */
export function valuePlaceholder(spec: OptionSpec): string {
  switch (spec.type) {
    case "enum":
      return spec.choices.join("|");
    case "boolean":
      return "true|false";
    case "integer":
      return "INT";
    default:
      return "N";
  }
}

/** One help line's tail: the help, the valid values and the default (task-dependent ones by rule). */
export function describeOption(spec: OptionSpec): string {
  const range = spec.type === "enum" || spec.type === "boolean" ? [] : [describeValues(spec)];
  const dflt = spec.taskDefault
    ? [`default ${spec.taskDefault.help}`]
    : spec.default === undefined
    ? []
    : [`default ${spec.default}`];
  const tail = [...range, ...dflt].join(", ");
  return tail ? `${spec.help} (${tail})` : spec.help;
}

/** `raw` as a value of `spec`, or undefined when it is not one. */
function coerce(spec: OptionSpec, raw: OptionValue): OptionValue | undefined {
  switch (spec.type) {
    case "enum": {
      const s = typeof raw === "boolean" ? "" : String(raw);
      return spec.choices.includes(s) ? s : undefined;
    }
    case "boolean":
      if (typeof raw === "boolean") return raw;
      return raw === "true" ? true : raw === "false" ? false : undefined;
    default: {
      const v = typeof raw === "number"
        ? raw
        : typeof raw === "string" && raw.trim() !== ""
        ? Number(raw)
        : NaN;
      const bad = !Number.isFinite(v) ||
        (spec.type === "integer" && !Number.isInteger(v)) ||
        (spec.min !== undefined && (spec.minExclusive ? v <= spec.min : v < spec.min)) ||
        (spec.max !== undefined && v > spec.max);
      return bad ? undefined : v;
    }
  }
}

/**
 * Validate `options` of plugin `plugin` against `schema`: rejects unknown
 * keys (listing the valid ones), parses numeric and boolean strings (as a
 * CLI passes them), checks types and ranges, and fills in defaults. Options
 * without a default that are absent come back as `undefined`.
 */
export function readOptions<S extends OptionSchema>(
  plugin: string,
  options: PluginOptions,
  schema: S,
): ResolvedOptions<S> {
  const known = Object.keys(schema);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const camel = camelCase(key);
    throw new ActlabError(
      `${plugin}: unknown option "${key}"`,
      known.includes(camel)
        ? `write it as ${camel} (kebab-case is only for flags and --set)`
        : known.length
        ? `${plugin} takes: ${known.join(", ")}`
        : `${plugin} takes no options; remove "${key}"`,
    );
  }
  const out: Record<string, OptionValue | undefined> = {};
  for (const key of known) {
    const spec = schema[key];
    const raw = options[key];
    if (raw === undefined) {
      out[key] = spec.default;
      continue;
    }
    const v = coerce(spec, raw);
    if (v === undefined) {
      throw new ActlabError(
        `${plugin}: option ${key} = ${JSON.stringify(raw)} is invalid`,
        `${key} must be ${describeValues(spec)}` +
          (spec.default === undefined ? "" : ` (default ${spec.default})`),
      );
    }
    out[key] = v;
  }
  return out as ResolvedOptions<S>;
}

/** Reject any option: for plugins that take none. */
export function noOptions(plugin: string, options: PluginOptions): void {
  readOptions(plugin, options, {});
}

/** Provenance of an option that was given explicitly (always wins over any default). */
export const GIVEN = "given";
/** Provenance of an option that took its schema's static `default`. */
export const STATIC_DEFAULT = "default";

/** A plugin's options resolved for a task: every value and where it came from. */
export interface ResolvedPluginOptions {
  /** Every option with a value: given ones, then task-dependent defaults, then static defaults. */
  readonly values: Record<string, OptionValue>;
  /**
   * Where each value came from: `given`, `default` (the schema's static
   * default) or a task default's provenance string.
   */
  readonly sources: Record<string, string>;
}

/** The task default of `spec` for `task`, checked against the spec's own range. */
function taskDefaultOf(plugin: string, key: string, spec: OptionSpec, task: TaskFacts) {
  const d = spec.taskDefault!.resolve(task);
  if (coerce(spec, d.value) !== d.value) {
    throw new ActlabError(
      `${plugin}: the task default of ${key} for ${task.numClasses} classes is ${
        JSON.stringify(d.value)
      }, not ${describeValues(spec)}`,
      `fix ${key}'s taskDefault in ${plugin}'s declaration`,
    );
  }
  return d;
}

/**
 * Every option of `plugin` resolved as a run uses it: validated (the
 * plugin's own errors for unknown keys and bad values), given values kept,
 * absent ones from the option's task-dependent default when `task` is known,
 * else from its static default (unset ones without a default are left out).
 * A plugin that declares no schema gets its options back as given.
 */
export function resolveOptionsForTask(
  plugin: { readonly name: string; readonly options?: OptionSchema },
  options: PluginOptions,
  task?: TaskFacts,
): ResolvedPluginOptions {
  const values: Record<string, OptionValue> = {};
  const sources: Record<string, string> = {};
  const put = (key: string, value: OptionValue, source: string) => {
    values[key] = value;
    sources[key] = source;
  };
  if (!plugin.options) {
    for (const [key, value] of Object.entries(options)) put(key, value, GIVEN);
    return { values, sources };
  }
  const all = readOptions(plugin.name, options, plugin.options) as Record<
    string,
    OptionValue | undefined
  >;
  for (const [key, spec] of Object.entries(plugin.options)) {
    if (options[key] !== undefined) put(key, all[key]!, GIVEN);
    else if (spec.taskDefault && task) {
      const d = taskDefaultOf(plugin.name, key, spec, task);
      put(key, d.value, d.from);
    } else if (all[key] !== undefined) put(key, all[key]!, STATIC_DEFAULT);
  }
  return { values, sources };
}

/**
 * Every option of `plugin` with defaults filled in, as a run records it in
 * `config.json` (`activationOptionsResolved`): task-dependent defaults for
 * `task` when given, static defaults otherwise; unset options without a
 * default are left out. Throws the plugin's validation error for bad
 * options. A plugin that declares no schema gets its options back as given.
 */
export function resolvePluginOptions(
  plugin: { readonly name: string; readonly options?: OptionSchema },
  options: PluginOptions,
  task?: TaskFacts,
): Record<string, OptionValue> {
  return resolveOptionsForTask(plugin, options, task).values;
}

/** Class counts a declaration's task defaults are checked at when it is registered. */
const PROBE_CLASS_COUNTS = [1, 2, 10, 100, 1000];

/**
 * Check a plugin's declaration when it is registered: option keys are
 * camelCase (so the kebab-case spelling round-trips), defaults and enum
 * choices are valid, and each control's options pass validation.
 */
export function checkDeclaration(
  kind: string,
  plugin: {
    readonly name: string;
    readonly options?: OptionSchema;
    readonly controls?: readonly { readonly name: string; readonly options: PluginOptions }[];
    readonly coefficient?: string;
  },
): void {
  const where = `${kind} "${plugin.name}"`;
  const schema = plugin.options ?? {};
  for (const [key, spec] of Object.entries(schema)) {
    if (!/^[a-z][a-zA-Z0-9]*$/.test(key) || camelCase(kebabCase(key)) !== key) {
      throw new ActlabError(
        `${where}: option key "${key}" is not camelCase`,
        "name options like updateInterval (flags spell them update-interval)",
      );
    }
    if (spec.type === "enum" && spec.choices.length === 0) {
      throw new ActlabError(`${where}: option ${key} has no choices`, "list its values");
    }
  }
  // Defaults must pass the declared checks themselves.
  const defaults = Object.fromEntries(
    Object.entries(schema).filter(([, s]) => s.default !== undefined).map((
      [k, s],
    ) => [k, s.default as OptionValue]),
  );
  readOptions(`${plugin.name} (declared defaults)`, defaults, schema);
  for (const [key, spec] of Object.entries(schema)) {
    if (!spec.taskDefault) continue;
    for (const numClasses of PROBE_CLASS_COUNTS) {
      taskDefaultOf(`${where} (declared task default)`, key, spec, { numClasses });
    }
  }
  for (const c of plugin.controls ?? []) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(c.name)) {
      throw new ActlabError(
        `${where}: control name "${c.name}" is not kebab-case`,
        "name controls like random-mask",
      );
    }
    readOptions(`${plugin.name}:${c.name}`, c.options, schema);
  }
  if (plugin.coefficient !== undefined && schema[plugin.coefficient]?.type !== "number") {
    throw new ActlabError(
      `${where}: coefficient "${plugin.coefficient}" is not a declared number option`,
      "name the numeric option whose 0 turns the regulariser off",
    );
  }
}
