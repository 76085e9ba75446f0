/**
 * What a compare grid can sweep and which named controls exist, read from
 * the registered plugins' declarations (nothing here names a plugin).
 *
 * Naming rule: an option key is camelCase in a grid file and kebab-case on
 * the command line (`updateInterval` ↔ `update-interval`).
 * - An activation option sweeps under its own key (`tau`, `updateInterval`,
 *   `mask`) and reaches every arm whose activation declares it; the
 *   plugin-qualified spelling `<activation>-<option>` (`dpa-mask`) names the
 *   same key.
 * - A regulariser option sweeps under `<regulariser>-<option>` (`arr-lambda`,
 *   grid key `arrLambda`) and crosses every arm; its `coefficient` option at
 *   0 means the regulariser is off.
 * - A control arm `<activation>:<name>` is the activation with the control's
 *   options fixed (`dpa:random-mask`).
 * @module
 */
import { getActivation, listActivations } from "../activations/registry.ts";
import { getRegulariser, listRegularisers } from "../regularisers/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { camelCase, kebabCase } from "../plugin/options.ts";
import type { ControlArm, OptionSpec, OptionValue } from "../plugin/types.ts";

/** One sweepable option. */
export interface SweepKey {
  /** Key in a grid file's `sweep` (camelCase), e.g. `updateInterval`, `arrLambda`. */
  readonly key: string;
  /** `--set` spelling (kebab-case), e.g. `update-interval`, `arr-lambda`. */
  readonly flag: string;
  /** Whose option: activation options reach the arms declaring them; regulariser options cross every arm. */
  readonly kind: "activation" | "regulariser";
  /** The option's key in its plugin. */
  readonly option: string;
  /** The plugins declaring it (one for a regulariser key). */
  readonly plugins: readonly string[];
  /** Their declarations, in `plugins` order. */
  readonly specs: readonly OptionSpec[];
}

/** Every sweep key of the registered plugins: activation options first, in declaration order. */
export function sweepKeys(): SweepKey[] {
  const byKey = new Map<string, { option: string; plugins: string[]; specs: OptionSpec[] }>();
  for (const name of listActivations()) {
    for (const [option, spec] of Object.entries(getActivation(name).options ?? {})) {
      const entry = byKey.get(option) ?? { option, plugins: [], specs: [] };
      entry.plugins.push(name);
      entry.specs.push(spec);
      byKey.set(option, entry);
    }
  }
  const keys: SweepKey[] = [...byKey.entries()].map(([key, e]) => ({
    key,
    flag: kebabCase(key),
    kind: "activation",
    ...e,
  }));
  for (const name of listRegularisers()) {
    for (const [option, spec] of Object.entries(getRegulariser(name).options ?? {})) {
      const flag = `${name}-${kebabCase(option)}`;
      keys.push({
        key: camelCase(flag),
        flag,
        kind: "regulariser",
        option,
        plugins: [name],
        specs: [spec],
      });
    }
  }
  return keys;
}

/**
 * The sweep key `spelling` names: its grid key or `--set` spelling, or for an
 * activation option the plugin-qualified `<activation>-<option>` (either case).
 */
export function findSweepKey(spelling: string, keys = sweepKeys()): SweepKey | undefined {
  const camel = camelCase(spelling);
  const direct = keys.find((k) => k.key === spelling || k.key === camel);
  if (direct) return direct;
  return keys.find((k) =>
    k.kind === "activation" &&
    k.plugins.some((p) =>
      spelling === `${p}-${k.flag}` || camel === camelCase(`${p}-${kebabCase(k.option)}`)
    )
  );
}

/** What values of `k` look like: "number", "string", "boolean" or "any" (declarations disagree). */
export function sweepValueKind(k: SweepKey): "number" | "string" | "boolean" | "any" {
  const kinds = new Set(
    k.specs.map((s) => s.type === "enum" ? "string" : s.type === "boolean" ? "boolean" : "number"),
  );
  return kinds.size === 1 ? [...kinds][0] as "number" | "string" | "boolean" : "any";
}

/** An example value list for `k` in error messages, e.g. `[0, 0.1]` or `["memory", "random"]`. */
export function sweepExample(k: SweepKey): string {
  const s = k.specs[0];
  if (s.type === "enum") return JSON.stringify(s.choices.slice(0, 2));
  if (s.type === "boolean") return "[false, true]";
  return s.default !== undefined ? `[${s.default}]` : "[1]";
}

/** Parse a `--set` value of `k` (strings from the command line); undefined if it is not one. */
export function parseSweepValue(k: SweepKey, raw: string): OptionValue | undefined {
  const kind = sweepValueKind(k);
  const n = Number(raw);
  const number = raw.trim() !== "" && Number.isFinite(n) ? n : undefined;
  if (kind === "number") return number;
  if (kind === "string") return raw;
  const bool = raw === "true" ? true : raw === "false" ? false : undefined;
  if (kind === "boolean") return bool;
  return bool ?? number ?? raw;
}

/** A named control: the activation it belongs to and its declaration. */
export interface NamedControl {
  /** `<activation>:<name>`, e.g. `dpa:random-mask`. */
  readonly label: string;
  /** The activation plugin. */
  readonly activation: string;
  /** The control's declaration. */
  readonly control: ControlArm;
}

/** Every registered activation's named controls. */
export function namedControls(): NamedControl[] {
  return listActivations().flatMap((activation) =>
    (getActivation(activation).controls ?? []).map((control) => ({
      label: `${activation}:${control.name}`,
      activation,
      control,
    }))
  );
}

/** The control called `label` (`dpa:random-mask`); unknown ones list the valid labels. */
export function getControl(label: string): NamedControl {
  const all = namedControls();
  const c = all.find((x) => x.label === label);
  if (!c) {
    throw new ActlabError(
      `invalid grid: unknown control "${label}"`,
      `named controls: ${all.map((x) => x.label).join(", ") || "none registered"}`,
    );
  }
  return c;
}
