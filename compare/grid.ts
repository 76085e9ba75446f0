/**
 * The `compare` grid: which training runs ("cells") a comparison consists
 * of. A grid is models × datasets × arms × (activation option sweeps) ×
 * (regulariser option sweeps) × seeds; an *arm* is an activation with fixed
 * options (e.g. the control `dpa:random-mask`), possibly with a regulariser
 * of its own (a method such as DNRT = `raa` + `arr`), and every cell is an
 * ordinary run directory. Sweep keys and controls come from the plugins' declarations
 * (`sweep.ts`).
 *
 * Pairing: cells that differ only in their arm share the seed, so they share
 * the data order and augmentation (`data/loader.ts`: seeded by seed, epoch),
 * the dropout/drop-path masks (`nn/dropout.ts`: seed, step, layer key) and
 * the initial value of every parameter they have in common
 * (`nn/init.ts`: seed, parameter name) — see tests/compare_grid_test.ts.
 * @module
 */
import { getActivation } from "../activations/registry.ts";
import { getRegulariser } from "../regularisers/registry.ts";
import type {
  ArmPrecondition,
  OptionSchema,
  OptionValue,
  PluginOptions,
  Site,
} from "../plugin/types.ts";
import { ActlabError } from "../core/errors.ts";
import { DATASET_NAMES, isDatasetName } from "../data/dataset.ts";
import { IMAGE_FOLDER_DATASETS, isImageFolderDataset } from "../data/imagefolder/dataset.ts";
import { getGraphDataset } from "../data/graph/types.ts";
import { getTextDataset } from "../data/text/types.ts";
import { getModel } from "../models/registry.ts";
import { resolveConfig, type TrainConfig } from "../train/config.ts";
import {
  findSweepKey,
  getControl,
  parseSweepValue,
  sweepExample,
  sweepKeys,
  sweepValueKind,
} from "./sweep.ts";

/** An activation with fixed options (and, for a method such as DNRT, its regulariser), one row. */
export interface ArmSpec {
  /** Row name in the report (also part of the run directory names). */
  readonly label: string;
  /** Activation plugin name. */
  readonly activation: string;
  /** Plugin options fixed for this arm (the sweep does not override them). */
  readonly options?: PluginOptions;
  /**
   * A regulariser this arm trains with, e.g. DNRT = `raa` + `arr`: the arm
   * stays in its group and pairs with the others. A grid that also sweeps a
   * regulariser refuses such an arm (a run has one regulariser).
   */
  readonly regulariser?: string;
  /** The regulariser's options, fixed for this arm. */
  readonly regulariserOptions?: PluginOptions;
}

/**
 * Values swept, by sweep key (`sweep.ts`): an activation option's key (`tau`,
 * `updateInterval`, `mask`, …) sweeps every arm whose activation declares it;
 * `<regulariser><Option>` (`arrLambda`; 0 = no ARR) crosses every arm.
 */
export type GridSweep = Readonly<Record<string, readonly OptionValue[]>>;

/** Training settings shared by every cell (everything a grid does not vary). */
export type GridTrainSettings = Partial<
  Omit<
    TrainConfig,
    | "out"
    | "model"
    | "dataset"
    | "activation"
    | "activationOptions"
    | "seed"
    | "regulariser"
    | "regulariserOptions"
  >
>;

/** A comparison grid (the `--grid grid.json` file has this shape; `out` may come from `--out`). */
export interface CompareGrid {
  /** Directory holding `plan.json`, the reports and one run directory per cell. */
  readonly out: string;
  /** Arms: activation names, named controls (`dpa:random-mask`, …: `deno task list`) or `ArmSpec`s. */
  readonly activations: readonly (string | ArmSpec)[];
  /** Models (default `["vit_micro"]`). */
  readonly models?: readonly string[];
  /** Datasets (default `["fashion-mnist"]`). */
  readonly datasets?: readonly string[];
  /** Seeds (default `[0, 1, 2]`). */
  readonly seeds?: readonly number[];
  /** Option sweeps. */
  readonly sweep?: GridSweep;
  /** Shared training settings. */
  readonly train?: GridTrainSettings;
  /** Arm label every other arm is compared with (default `relu` when present, else none). */
  readonly baseline?: string;
}

/** One training run of a grid. */
export interface GridCell {
  /** Path of the run directory relative to the grid's `out`. */
  readonly id: string;
  /** `<model> on <dataset>` (+ ARR): cells are only compared within a group. */
  readonly group: string;
  /** Arm label, with swept option values. */
  readonly arm: string;
  /** The seed (pairs cells across arms). */
  readonly seed: number;
  /** The full run configuration (`out` is the cell's run directory). */
  readonly config: TrainConfig;
}

const GRID_KEYS = [
  "out",
  "activations",
  "models",
  "datasets",
  "seeds",
  "sweep",
  "train",
  "baseline",
] as const;

function fail(what: string, fix: string): never {
  throw new ActlabError(`invalid grid: ${what}`, fix);
}

function list<T>(v: unknown, name: string, each: (x: unknown) => x is T, eg: string): T[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every(each)) {
    fail(`${name} must be a non-empty list, got ${JSON.stringify(v)}`, `e.g. "${name}": ${eg}`);
  }
  if (new Set(v.map((x) => JSON.stringify(x))).size !== v.length) {
    fail(`${name} has duplicates: ${JSON.stringify(v)}`, "list each value once");
  }
  return v;
}
const isString = (x: unknown): x is string => typeof x === "string" && x.length > 0;
const isNumber = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const isBoolean = (x: unknown): x is boolean => typeof x === "boolean";
const isValue = (x: unknown): x is OptionValue => isString(x) || isNumber(x) || isBoolean(x);
const IS_KIND = { number: isNumber, string: isString, boolean: isBoolean, any: isValue } as const;

/** Validate an untyped grid (e.g. parsed JSON); `where` names its source in errors. */
export function validateGrid(raw: unknown, where = "grid"): CompareGrid {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    fail(`${where} must be a JSON object`, `keys: ${GRID_KEYS.join(", ")}`);
  }
  const g = raw as Record<string, unknown>;
  for (const k of Object.keys(g)) {
    if (!(GRID_KEYS as readonly string[]).includes(k)) {
      fail(`${where}: unknown key "${k}"`, `valid keys: ${GRID_KEYS.join(", ")}`);
    }
  }
  if (!isString(g.out)) fail(`${where}: "out" is missing`, 'set "out" or pass --out DIR');
  const arms = list(
    g.activations,
    "activations",
    (x): x is string | ArmSpec =>
      isString(x) ||
      (typeof x === "object" && x !== null && isString((x as ArmSpec).label) &&
        isString((x as ArmSpec).activation) &&
        ((x as ArmSpec).regulariser === undefined || isString((x as ArmSpec).regulariser))),
    '["relu", "dpa", "dpa:random-mask"]',
  );
  const seeds = g.seeds === undefined ? undefined : list(
    g.seeds,
    "seeds",
    (x): x is number => Number.isInteger(x) && (x as number) >= 0,
    "[0, 1, 2]",
  );
  const models = g.models === undefined
    ? undefined
    : list(g.models, "models", isString, '["vit_micro"]');
  const datasets = g.datasets === undefined
    ? undefined
    : list(g.datasets, "datasets", isString, '["fashion-mnist"]');
  let sweep: GridSweep | undefined;
  if (g.sweep !== undefined) {
    if (typeof g.sweep !== "object" || g.sweep === null) fail('"sweep" must be an object', "");
    const s: Record<string, OptionValue[]> = {};
    const keys = sweepKeys();
    for (const [k, v] of Object.entries(g.sweep as Record<string, unknown>)) {
      const key = findSweepKey(k, keys);
      if (!key) fail(`unknown sweep key "${k}"`, `valid: ${keys.map((x) => x.key).join(", ")}`);
      if (key.key in s) fail(`sweep key "${key.key}" is given twice (as "${k}")`, "give it once");
      s[key.key] = list(v, `sweep.${k}`, IS_KIND[sweepValueKind(key)], sweepExample(key));
    }
    sweep = s;
  }
  if (g.train !== undefined && (typeof g.train !== "object" || g.train === null)) {
    fail('"train" must be an object of training settings', 'e.g. {"epochs": 5}');
  }
  if (g.baseline !== undefined && !isString(g.baseline)) {
    fail('"baseline" must be an arm label', 'e.g. "relu"');
  }
  return {
    out: g.out as string,
    activations: arms,
    ...(models ? { models } : {}),
    ...(datasets ? { datasets } : {}),
    ...(seeds ? { seeds } : {}),
    ...(sweep ? { sweep } : {}),
    ...(g.train ? { train: g.train as GridTrainSettings } : {}),
    ...(g.baseline ? { baseline: g.baseline as string } : {}),
  };
}

/**
 * Apply `--set key=v1,v2` flags to a grid: `activations`, `models`,
 * `datasets`, `seeds` and the sweep keys of the registered plugins
 * (kebab-case: `tau`, `update-interval`, `dpa-mask`, `arr-lambda`, …).
 */
export function applySets(grid: Record<string, unknown>, sets: readonly string[]): void {
  for (const raw of sets) {
    const eq = raw.indexOf("=");
    const key = raw.slice(0, eq).trim();
    const values = raw.slice(eq + 1).split(",").map((v) => v.trim()).filter(Boolean);
    if (eq <= 0 || values.length === 0) {
      fail(`--set "${raw}" is not KEY=V1,V2`, "e.g. --set tau=0,0.1 --set seeds=0,1,2");
    }
    const nums = () =>
      values.map((v) => {
        const n = Number(v);
        if (!Number.isFinite(n)) fail(`--set ${key}: "${v}" is not a number`, `e.g. ${key}=0,1`);
        return n;
      });
    const keys = sweepKeys();
    const sweepKey = findSweepKey(key, keys);
    if (key === "activations") grid.activations = selectArms(grid.activations, values);
    else if (["models", "datasets"].includes(key)) grid[key] = values;
    else if (key === "seeds") grid.seeds = nums();
    else if (sweepKey) {
      const kind = sweepValueKind(sweepKey);
      const sweep = { ...(grid.sweep as Record<string, unknown> ?? {}) };
      sweep[sweepKey.key] = values.map((v) => {
        const parsed = parseSweepValue(sweepKey, v);
        if (parsed === undefined) {
          fail(
            `--set ${key}: "${v}" is not a ${kind}`,
            `e.g. ${key}=${JSON.parse(sweepExample(sweepKey)).join(",")}`,
          );
        }
        return parsed;
      });
      grid.sweep = sweep;
    } else {
      fail(
        `--set: unknown key "${key}"`,
        `valid: activations, models, datasets, seeds, ${keys.map((k) => k.flag).join(", ")}`,
      );
    }
  }
}

/**
 * The arms `labels` name: a label of one of the grid's `ArmSpec` arms (a
 * preset's `dnrt`, say) keeps that spec; any other label is an activation
 * name or a named control, as on the command line.
 */
export function selectArms(current: unknown, labels: readonly string[]): (string | ArmSpec)[] {
  const specs = Array.isArray(current)
    ? current.filter((a): a is ArmSpec => typeof a === "object" && a !== null && "label" in a)
    : [];
  return labels.map((l) => specs.find((a) => a.label === l) ?? l);
}

function armOf(a: string | ArmSpec): ArmSpec {
  if (typeof a !== "string") return a;
  if (!a.includes(":")) return { label: a, activation: a };
  const { activation, control } = getControl(a);
  return { label: a, activation, options: control.options };
}

/** Every combination of the given option lists (key order kept). */
function product(
  axes: [string, readonly OptionValue[]][],
): Record<string, OptionValue>[] {
  let out: Record<string, OptionValue>[] = [{}];
  for (const [k, vs] of axes) out = out.flatMap((o) => vs.map((v) => ({ ...o, [k]: v })));
  return out;
}

/** A site used only to validate options at grid expansion. */
const PROBE: Site = { channels: 4, layout: "tokens", pooling: "token" };

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9.=-]+/g, "_").replace(/^_+|_+$/g, "");
}

/** An option's short name in labels (its declared `symbol`, else its key). */
function symbolOf(schema: OptionSchema | undefined, key: string): string {
  return schema?.[key]?.symbol ?? key;
}

/**
 * The preconditions of the activation's controls whose options this arm
 * fixes: an `ArmSpec` fixing DPA's `mask: "none"` needs τ > 0 like `dpa:tau-only`.
 */
function armPreconditions(arm: ArmSpec): ArmPrecondition[] {
  const fixed = arm.options ?? {};
  return (getActivation(arm.activation).controls ?? [])
    .filter((c) => Object.entries(c.options).every(([k, v]) => fixed[k] === v))
    .flatMap((c) => c.requires ? [c.requires] : []);
}

/** One regulariser setting of the grid (null: none). */
interface RegulariserCell {
  readonly name: string;
  readonly options: Record<string, OptionValue>;
  /** Group suffix, e.g. `arr 10`. */
  readonly group: string;
  /** Run directory suffix, e.g. `arr10`. */
  readonly id: string;
}

/**
 * The regulariser settings a sweep asks for: the product of the swept options
 * of (at most) one regulariser, its `coefficient` at 0 meaning none; [null]
 * when nothing is swept. The coefficient's value is shown bare (`arr 10`).
 */
function regulariserCells(sweep: GridSweep): (RegulariserCell | null)[] {
  const keys = sweepKeys().filter((k) => k.kind === "regulariser" && sweep[k.key]);
  const names = [...new Set(keys.map((k) => k.plugins[0]))];
  if (names.length === 0) return [null];
  if (names.length > 1) {
    fail(
      `the sweep names ${names.join(" and ")}`,
      "a run has one regulariser: sweep one's options",
    );
  }
  const name = names[0];
  const plugin = getRegulariser(name);
  const coefficient = plugin.coefficient;
  const axes: [string, readonly OptionValue[]][] = keys
    .sort((a, b) => Number(b.option === coefficient) - Number(a.option === coefficient))
    .map((k) => [k.option, sweep[k.key]]);
  const out: (RegulariserCell | null)[] = [];
  for (const options of product(axes)) {
    if (coefficient !== undefined && options[coefficient] === 0) {
      if (!out.includes(null)) out.push(null);
      continue;
    }
    // Bad values fail here, before any cell trains.
    plugin.create(PROBE, options);
    const parts = axes.map(([k]) =>
      k === coefficient ? `${options[k]}` : `${symbolOf(plugin.options, k)}=${options[k]}`
    );
    const id = parts.map((p, i) => i === 0 && axes[0][0] === coefficient ? p : `_${p}`).join("");
    out.push({ name, options, group: `${name} ${parts.join(" ")}`, id: `${name}${id}` });
  }
  return out;
}

/** Expand a grid into its cells (validated; errors before any training). */
export function expandGrid(grid: CompareGrid): GridCell[] {
  const models = grid.models ?? ["vit_micro"];
  const datasets = grid.datasets ?? ["fashion-mnist"];
  const seeds = grid.seeds ?? [0, 1, 2];
  models.forEach((m) => getModel(m));
  // Image datasets are names of `data/dataset.ts`; the node task's come from the graph registry.
  const task = grid.train?.task ?? "image";
  for (const d of datasets) {
    if (task === "node") getGraphDataset(d);
    else if (task === "text") getTextDataset(d);
    else if (task === "image" && !isDatasetName(d) && !isImageFolderDataset(d)) {
      fail(
        `unknown dataset "${d}"`,
        `valid: ${[...DATASET_NAMES, ...IMAGE_FOLDER_DATASETS].join(", ")}`,
      );
    }
  }
  const arms = grid.activations.map(armOf);
  const labels = arms.map((a) => a.label);
  if (new Set(labels).size !== labels.length) {
    fail(`arm labels repeat: ${labels.join(", ")}`, "give every arm its own label");
  }
  arms.forEach((a) => getActivation(a.activation));
  const sweep = grid.sweep ?? {};
  const regs = regulariserCells(sweep);
  for (const a of arms.filter((a) => a.regulariser !== undefined)) {
    if (regs.some((r) => r !== null)) {
      fail(
        `arm ${a.label} trains with ${a.regulariser} and the sweep crosses every arm with ${
          regs.find((r) => r !== null)!.name
        }`,
        "a run has one regulariser: drop the regulariser sweep or that arm",
      );
    }
    // Bad names and option values fail here, before any cell trains.
    getRegulariser(a.regulariser!).create(PROBE, a.regulariserOptions ?? {});
  }
  if (grid.baseline !== undefined && !labels.includes(grid.baseline)) {
    fail(`baseline "${grid.baseline}" is not an arm`, `arms: ${labels.join(", ")}`);
  }
  const cells: GridCell[] = [];
  for (const model of models) {
    for (const dataset of datasets) {
      for (const reg of regs) {
        const group = `${model} on ${dataset}${reg ? ` + ${reg.group}` : ""}`;
        for (const arm of arms) {
          const plugin = getActivation(arm.activation);
          const fixed = arm.options ?? {};
          // The sweep reaches the options this arm's activation declares and does not fix.
          const axes: [string, readonly OptionValue[]][] = Object.keys(plugin.options ?? {})
            .filter((k) => sweep[k] && !(k in fixed))
            .map((k) => [k, sweep[k]]);
          let combos = product(axes).map((o) => ({ ...fixed, ...o }));
          const defaults = Object.fromEntries(
            Object.entries(plugin.options ?? {}).map(([k, spec]) => [k, spec.default]),
          );
          for (const need of armPreconditions(arm)) {
            combos = combos.filter((o) => need.holds({ ...defaults, ...o }));
            if (combos.length === 0) {
              fail(`${arm.label} needs ${need.text} (${need.why})`, need.fix);
            }
          }
          for (const options of combos) {
            // Bad option values fail here, before any cell trains.
            if (Object.keys(options).length) plugin.create(PROBE, options);
            // Swept values that vary appear in the label; fixed ones are the arm's identity.
            const varying = axes.filter(([, vs]) => vs.length > 1).map(([k]) => k);
            const label = arm.label +
              (varying.length
                ? `[${
                  varying.map((k) => `${symbolOf(plugin.options, k)}=${options[k]}`).join(",")
                }]`
                : "");
            for (const seed of seeds) {
              const id = `${slug(`${model}_${dataset}${reg ? `_${reg.id}` : ""}`)}/${
                slug(label)
              }_seed${seed}`;
              const config = resolveConfig({
                ...grid.train,
                model,
                dataset,
                activation: arm.activation,
                activationOptions: options,
                regulariser: reg ? reg.name : arm.regulariser ?? null,
                regulariserOptions: reg ? reg.options : arm.regulariserOptions ?? {},
                seed,
                out: `${grid.out}/${id}`,
              });
              cells.push({ id, group, arm: label, seed, config });
            }
          }
        }
      }
    }
  }
  const ids = cells.map((c) => c.id);
  if (new Set(ids).size !== ids.length) {
    fail("two cells map to the same run directory", "give arms distinct labels");
  }
  return cells;
}

/** The baseline arm: the grid's, else `relu` when it is an arm, else none. */
export function baselineOf(grid: CompareGrid): string | null {
  if (grid.baseline) return grid.baseline;
  return grid.activations.map(armOf).some((a) => a.label === "relu") ? "relu" : null;
}
