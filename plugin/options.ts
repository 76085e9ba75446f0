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

/** One help line's tail: the help, the valid values and the default. */
export function describeOption(spec: OptionSpec): string {
  const range = spec.type === "enum" || spec.type === "boolean" ? [] : [describeValues(spec)];
  const dflt = spec.default === undefined ? [] : [`default ${spec.default}`];
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

/**
 * Every option of `plugin` with defaults filled in, as a run records it in
 * `config.json` (options without a default that were not given are left
 * out). Throws the plugin's validation error for bad options. A plugin that
 * declares no schema gets its options back as given.
 */
export function resolvePluginOptions(
  plugin: { readonly name: string; readonly options?: OptionSchema },
  options: PluginOptions,
): Record<string, OptionValue> {
  if (!plugin.options) return { ...options };
  const all = readOptions(plugin.name, options, plugin.options) as Record<
    string,
    OptionValue | undefined
  >;
  return Object.fromEntries(
    Object.entries(all).filter((e): e is [string, OptionValue] => e[1] !== undefined),
  );
}

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
