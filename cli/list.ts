/**
 * `deno task list`: print the registries — activations, regularisers, models
 * (with parameter counts for a 3×32×32 input — a text model's at its example
 * input, 128 tokens for `bert` — and 100 classes; `--json` adds each model's
 * activation sites: layout, DPA's pooling, channels) and backends
 * (with availability). `--json` prints one machine-readable object;
 * `--plugins` lists every plugin's declared options (with defaults) and
 * named controls instead.
 * @module
 */
import { parseArgs } from "node:util";
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import "../models/mod.ts";
import "../backends/mod.ts";
import { getActivation, listActivations } from "../activations/registry.ts";
import { getRegulariser, listRegularisers } from "../regularisers/registry.ts";
import { probeAll } from "../backends/registry.ts";
import {
  activationSites,
  createModel,
  getModel,
  listModels,
  paramCount,
  type SiteGroup,
} from "../models/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { resolvePluginOptions } from "../plugin/options.ts";
import type {
  ActivationPlugin,
  OptionSchema,
  OptionValue,
  PluginOptions,
  RegulariserPlugin,
} from "../plugin/types.ts";
import { pluginOptionsHelp } from "./plugin_help.ts";

/** Input shape and class count the listed parameter counts refer to. */
export const LIST_INPUT_SHAPE: readonly [number, number, number] = [3, 32, 32];
/** Class count the listed parameter counts refer to. */
export const LIST_NUM_CLASSES = 100;

/** What `--json` prints. */
export interface Listing {
  /** Activation plugin names, sorted. */
  readonly activations: string[];
  /** Regulariser plugin names, sorted. */
  readonly regularisers: string[];
  /**
   * Models with their parameter count at 3×32×32 input (text models: their
   * example input), 100 classes (ReLU), and their activation sites there
   * (where the activation goes, what DPA pools); null for graph models, whose
   * counts and sites depend on the graph.
   */
  readonly models: { name: string; params: number | null; sites: SiteGroup[] | null }[];
  /** Backends, fastest first, with availability. */
  readonly backends: { name: string; available: boolean; reason: string }[];
  /** Every plugin's declared options (with defaults) and compare controls (as `--plugins --json`). */
  readonly options: PluginsListing;
}

/**
 * A model's parameter count and activation sites: image models at 3×32×32,
 * text models at their example shape; graph models' depend on the graph
 * (feature width, or one embedding row per node), so none are listed.
 */
function modelListing(name: string): { params: number | null; sites: SiteGroup[] | null } {
  const def = getModel(name);
  const shape = def.exampleInputShape ??
    ((def.inputRank ?? 3) === 3 ? LIST_INPUT_SHAPE : null);
  if (!shape) return { params: null, sites: null };
  return {
    params: paramCount(name, shape, LIST_NUM_CLASSES),
    sites: activationSites(createModel(name, { inputShape: shape, numClasses: LIST_NUM_CLASSES })),
  };
}

/** Collect the listing (probes every backend). */
export async function collectListing(): Promise<Listing> {
  const models = listModels().map((name) => ({
    name,
    ...modelListing(name),
  }));
  const backends = (await probeAll()).map(({ name, availability }) => ({
    name,
    available: availability.available,
    reason: availability.reason,
  }));
  return {
    activations: listActivations(),
    regularisers: listRegularisers(),
    models,
    backends,
    options: collectPlugins(),
  };
}

/** One plugin as `--plugins --json` prints it. */
export interface PluginListing {
  /** Registry name. */
  readonly name: string;
  /** One line. */
  readonly description: string;
  /** Every option with its defaults filled in (options without a default are left out). */
  readonly defaults: Record<string, OptionValue>;
  /** The declared options. */
  readonly options: OptionSchema;
  /** Named controls for compare (activations). */
  readonly controls?: {
    label: string;
    options: PluginOptions;
    help: string;
    requires?: string;
  }[];
  /** The option whose 0 turns the regulariser off in a compare sweep (regularisers). */
  readonly coefficient?: string;
}

/** What `--plugins --json` prints. */
export interface PluginsListing {
  /** Activation plugins, sorted by name. */
  readonly activations: PluginListing[];
  /** Regulariser plugins, sorted by name. */
  readonly regularisers: PluginListing[];
}

function pluginListing(p: ActivationPlugin | RegulariserPlugin): PluginListing {
  const controls = "controls" in p && p.controls
    ? p.controls.map((c) => ({
      label: `${p.name}:${c.name}`,
      options: c.options,
      help: c.help,
      ...(c.requires ? { requires: `${c.requires.text} (${c.requires.why})` } : {}),
    }))
    : undefined;
  return {
    name: p.name,
    description: p.description,
    defaults: resolvePluginOptions(p, {}),
    options: p.options ?? {},
    ...(controls ? { controls } : {}),
    ...("coefficient" in p && p.coefficient ? { coefficient: p.coefficient } : {}),
  };
}

/** Every registered plugin's declared options, defaults and controls. */
export function collectPlugins(): PluginsListing {
  return {
    activations: listActivations().map((n) => pluginListing(getActivation(n))),
    regularisers: listRegularisers().map((n) => pluginListing(getRegulariser(n))),
  };
}

const HELP = `usage: deno task list [--json] [--plugins]

Print the registered activations, regularisers, models (parameter counts for
a ${
  LIST_INPUT_SHAPE.join("x")
} input, or 128 tokens for a text model, and ${LIST_NUM_CLASSES} classes) and backends
(with availability).

options:
  --json     print {"activations", "regularisers", "models", "backends", "options"} as JSON;
             each model with its activation sites (count, layout, pooling, channels)
  --plugins  list each plugin's options (with defaults) and compare controls instead;
             with --json: {"activations": [...], "regularisers": [...]}
  -h, --help show this help`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => "  " + r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd())
    .join("\n");
}

/** Human-readable rendering of a listing. */
export function formatListing(l: Listing): string {
  const out: string[] = [];
  out.push(`activations (${l.activations.length}):`);
  out.push(table(l.activations.map((n) => [n, getActivation(n).description])));
  out.push(`regularisers (${l.regularisers.length}):`);
  if (l.regularisers.length) {
    out.push(table(l.regularisers.map((n) => [n, getRegulariser(n).description])));
  }
  out.push("  (options, defaults and compare controls: deno task list --plugins)");
  out.push(
    `models (${l.models.length}; params at ${
      LIST_INPUT_SHAPE.join("x")
    } input (text models: 128 tokens), ${LIST_NUM_CLASSES} classes):`,
  );
  out.push(
    table(
      l.models.map((m) => [
        m.name,
        m.params === null ? "(per graph)" : m.params.toLocaleString("en-US"),
        getModel(m.name).description,
      ]),
    ),
  );
  out.push(`backends (${l.backends.length}, fastest first):`);
  out.push(
    table(l.backends.map((b) => [b.name, b.available ? "available" : "unavailable", b.reason])),
  );
  return out.join("\n");
}

/** Human-readable plugin listing: descriptions, options and controls. */
export function formatPlugins(): string {
  const l = collectPlugins();
  const out: string[] = [];
  out.push(`activations (${l.activations.length}):`);
  out.push(table(l.activations.map((p) => [p.name, p.description])));
  out.push(`regularisers (${l.regularisers.length}):`);
  if (l.regularisers.length) out.push(table(l.regularisers.map((p) => [p.name, p.description])));
  out.push(pluginOptionsHelp());
  const controls = l.activations.flatMap((p) => p.controls ?? []);
  out.push(`compare controls (${controls.length}):`);
  if (controls.length) {
    out.push(
      table(controls.map((c) => [c.label, c.help + (c.requires ? `; needs ${c.requires}` : "")])),
    );
  }
  return out.join("\n");
}

/** CLI entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let values: { json?: boolean; plugins?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        json: { type: "boolean" },
        plugins: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  try {
    if (values.plugins) {
      console.log(
        values.json ? JSON.stringify(collectPlugins(), null, 2) : formatPlugins(),
      );
      return 0;
    }
    const listing = await collectListing();
    console.log(values.json ? JSON.stringify(listing, null, 2) : formatListing(listing));
    return 0;
  } catch (e) {
    if (e instanceof ActlabError) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
