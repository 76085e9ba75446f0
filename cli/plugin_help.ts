/**
 * Help text generated from the plugins' declarations: every registered
 * activation's and regulariser's options (for `train --help`) and the
 * compare sweep keys and control arms (for `compare --help`). A newly
 * registered plugin shows up here with no other file touched.
 * @module
 */
import { getActivation, listActivations } from "../activations/registry.ts";
import { getRegulariser, listRegularisers } from "../regularisers/registry.ts";
import { describeOption, kebabCase, valuePlaceholder } from "../plugin/options.ts";
import type { OptionSchema } from "../plugin/types.ts";
import { sweepKeys } from "../compare/sweep.ts";

/** Help column where descriptions start (as in the hand-written flag tables). */
const COLUMN = 28;

function row(left: string, right: string): string {
  return left.length + 1 >= COLUMN
    ? `${left}\n${" ".repeat(COLUMN)}${right}`
    : `${left.padEnd(COLUMN)}${right}`;
}

function schemaRows(schema: OptionSchema): string[] {
  return Object.entries(schema).map(([key, spec]) =>
    row(`    ${kebabCase(key)}=${valuePlaceholder(spec)}`, describeOption(spec))
  );
}

/** Every registered plugin's options, as `train --help` lists them. */
export function pluginOptionsHelp(): string {
  const out = [
    "plugin options (--act-opt KEY=VALUE, --reg-opt KEY=VALUE; from each plugin's declaration):",
  ];
  const bare: string[] = [];
  for (const name of listActivations()) {
    const schema = getActivation(name).options ?? {};
    if (Object.keys(schema).length === 0) {
      bare.push(name);
      continue;
    }
    out.push(`  ${name}:`, ...schemaRows(schema));
  }
  for (const name of listRegularisers()) {
    const schema = getRegulariser(name).options ?? {};
    if (Object.keys(schema).length === 0) continue;
    out.push(`  ${name} (regulariser):`, ...schemaRows(schema));
  }
  if (bare.length) out.push(`  no options: ${bare.join(" ")}`);
  return out.join("\n");
}

/** Every registered activation's named controls (`dpa:random-mask`, …), for `compare --help`. */
export function controlArmsHelp(): string {
  const rows: string[] = [];
  for (const name of listActivations()) {
    for (const c of getActivation(name).controls ?? []) {
      const needs = c.requires ? ` (needs ${c.requires.text})` : "";
      rows.push(row(`    ${name}:${c.name}`, `${c.help}${needs}`));
    }
  }
  return rows.length ? rows.join("\n") : "    (none registered)";
}

/** The `compare --set` sweep keys of the registered plugins, one line per plugin. */
export function sweepKeysHelp(): string {
  const keys = sweepKeys();
  const rows: string[] = [];
  for (const name of listActivations()) {
    const flags = keys.filter((k) => k.kind === "activation" && k.plugins.includes(name));
    if (flags.length) rows.push(`${name} arms: ${flags.map((k) => k.flag).join(" ")}`);
  }
  for (const name of listRegularisers()) {
    const flags = keys.filter((k) => k.kind === "regulariser" && k.plugins[0] === name);
    if (!flags.length) continue;
    const c = getRegulariser(name).coefficient;
    const off = c ? ` (${name}-${kebabCase(c)}=0: no ${name})` : "";
    rows.push(`every arm: ${flags.map((k) => k.flag).join(" ")}${off}`);
  }
  return rows.map((r) => `${" ".repeat(COLUMN)}${r}`).join("\n");
}
