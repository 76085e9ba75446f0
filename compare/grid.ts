/**
 * The `compare` grid: which training runs ("cells") a comparison consists
 * of. A grid is models × datasets × arms × (DPA option sweep) × (ARR
 * coefficient sweep) × seeds; an *arm* is an activation with fixed options
 * (e.g. `dpa:random-mask`), and every cell is an ordinary run directory.
 *
 * Pairing: cells that differ only in their arm share the seed, so they share
 * the data order and augmentation (`data/loader.ts`: seeded by seed, epoch),
 * the dropout/drop-path masks (`nn/dropout.ts`: seed, step, layer key) and
 * the initial value of every parameter they have in common
 * (`nn/init.ts`: seed, parameter name) — see tests/compare_grid_test.ts.
 * @module
 */
import { getActivation } from "../activations/registry.ts";
import type { PluginOptions, Site } from "../plugin/types.ts";
import { ActlabError } from "../core/errors.ts";
import { DATASET_NAMES, isDatasetName } from "../data/dataset.ts";
import { getModel } from "../models/registry.ts";
import { resolveConfig, type TrainConfig } from "../train/config.ts";

/** An activation with fixed options, reported as one row. */
export interface ArmSpec {
  /** Row name in the report (also part of the run directory names). */
  readonly label: string;
  /** Activation plugin name. */
  readonly activation: string;
  /** Plugin options fixed for this arm (the sweep does not override them). */
  readonly options?: PluginOptions;
}

/** Values swept for DPA arms (`tau` … `mask`) and for every arm (`arrLambda`; 0 = no ARR). */
export interface GridSweep {
  /** DPA thresholds τ. */
  readonly tau?: readonly number[];
  /** DPA memory momenta m. */
  readonly momentum?: readonly number[];
  /** DPA memory update intervals U. */
  readonly updateInterval?: readonly number[];
  /** DPA channel-loss coefficients λ. */
  readonly channelLoss?: readonly number[];
  /** DPA masks: `memory`, `random`, `none`. */
  readonly mask?: readonly string[];
  /** ARR coefficients for every arm (0 = no ARR). */
  readonly arrLambda?: readonly number[];
}

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
  /** Arms: activation names, named controls (`dpa:random-mask`, `dpa:tau-only`, `dpa:channel-loss-only`) or `ArmSpec`s. */
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

/** The named controls: arm label → activation options. */
export const NAMED_ARMS: Readonly<Record<string, ArmSpec>> = {
  "dpa:random-mask": { label: "dpa:random-mask", activation: "dpa", options: { mask: "random" } },
  "dpa:tau-only": { label: "dpa:tau-only", activation: "dpa", options: { mask: "none" } },
  "dpa:channel-loss-only": {
    label: "dpa:channel-loss-only",
    activation: "dpa",
    options: { tau: 0 },
  },
};

/** Sweep keys: CLI spelling → grid key; `dpa` keys only apply to arms whose activation is `dpa`. */
export const SWEEP_KEYS: Readonly<Record<string, keyof GridSweep>> = {
  tau: "tau",
  momentum: "momentum",
  "update-interval": "updateInterval",
  "channel-loss": "channelLoss",
  "dpa-mask": "mask",
  "arr-lambda": "arrLambda",
};
const DPA_KEYS: readonly (keyof GridSweep)[] = [
  "tau",
  "momentum",
  "updateInterval",
  "channelLoss",
  "mask",
];
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
        isString((x as ArmSpec).activation)),
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
    const s: Record<string, unknown[]> = {};
    const keys = Object.values(SWEEP_KEYS) as string[];
    for (const [k, v] of Object.entries(g.sweep as Record<string, unknown>)) {
      if (!keys.includes(k)) fail(`unknown sweep key "${k}"`, `valid: ${keys.join(", ")}`);
      s[k] = k === "mask"
        ? list(v, `sweep.${k}`, isString, '["memory", "random"]')
        : list(v, `sweep.${k}`, isNumber, "[0, 0.1]");
    }
    sweep = s as GridSweep;
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
 * `datasets`, `seeds` and the sweep keys (`tau`, `momentum`,
 * `update-interval`, `channel-loss`, `dpa-mask`, `arr-lambda`).
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
    if (["activations", "models", "datasets"].includes(key)) grid[key] = values;
    else if (key === "seeds") grid.seeds = nums();
    else if (key in SWEEP_KEYS) {
      const sweep = { ...(grid.sweep as Record<string, unknown> ?? {}) };
      sweep[SWEEP_KEYS[key]] = key === "dpa-mask" ? values : nums();
      grid.sweep = sweep;
    } else {
      fail(
        `--set: unknown key "${key}"`,
        `valid: activations, models, datasets, seeds, ${Object.keys(SWEEP_KEYS).join(", ")}`,
      );
    }
  }
}

function armOf(a: string | ArmSpec): ArmSpec {
  if (typeof a !== "string") return a;
  if (NAMED_ARMS[a]) return NAMED_ARMS[a];
  if (a.includes(":")) {
    fail(`unknown control "${a}"`, `named controls: ${Object.keys(NAMED_ARMS).join(", ")}`);
  }
  return { label: a, activation: a };
}

/** Every combination of the given option lists (key order kept). */
function product(
  axes: [string, readonly (number | string)[]][],
): Record<string, number | string>[] {
  let out: Record<string, number | string>[] = [{}];
  for (const [k, vs] of axes) out = out.flatMap((o) => vs.map((v) => ({ ...o, [k]: v })));
  return out;
}

const SHORT: Record<string, string> = {
  tau: "tau",
  momentum: "m",
  updateInterval: "U",
  channelLoss: "lambda",
  mask: "mask",
  arrLambda: "arr",
};

/** A site used only to validate options at grid expansion. */
const PROBE: Site = { channels: 4, layout: "tokens", pooling: "token" };

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9.=-]+/g, "_").replace(/^_+|_+$/g, "");
}

/** Expand a grid into its cells (validated; errors before any training). */
export function expandGrid(grid: CompareGrid): GridCell[] {
  const models = grid.models ?? ["vit_micro"];
  const datasets = grid.datasets ?? ["fashion-mnist"];
  const seeds = grid.seeds ?? [0, 1, 2];
  models.forEach((m) => getModel(m));
  for (const d of datasets) {
    if (!isDatasetName(d)) fail(`unknown dataset "${d}"`, `valid: ${DATASET_NAMES.join(", ")}`);
  }
  const arms = grid.activations.map(armOf);
  const labels = arms.map((a) => a.label);
  if (new Set(labels).size !== labels.length) {
    fail(`arm labels repeat: ${labels.join(", ")}`, "give every arm its own label");
  }
  arms.forEach((a) => getActivation(a.activation));
  const sweep = grid.sweep ?? {};
  const arrs = sweep.arrLambda ?? [0];
  if (!arrs.every((l) => l >= 0)) fail(`arr-lambda must be >= 0, got ${arrs}`, "0 = no ARR");
  if (grid.baseline !== undefined && !labels.includes(grid.baseline)) {
    fail(`baseline "${grid.baseline}" is not an arm`, `arms: ${labels.join(", ")}`);
  }
  const cells: GridCell[] = [];
  for (const model of models) {
    for (const dataset of datasets) {
      for (const arr of arrs) {
        const group = `${model} on ${dataset}${arr > 0 ? ` + arr ${arr}` : ""}`;
        for (const arm of arms) {
          const fixed = arm.options ?? {};
          const axes: [string, readonly (number | string)[]][] = arm.activation === "dpa"
            ? DPA_KEYS.filter((k) => sweep[k] && !(k in fixed)).map((k) => [k, sweep[k]!])
            : [];
          let combos = product(axes).map((o) => ({ ...fixed, ...o }));
          // TAU alone at τ = 0 is exactly ReLU: keep only τ > 0.
          if (fixed.mask === "none") combos = combos.filter((o) => Number(o.tau ?? 0) > 0);
          if (combos.length === 0) {
            fail(
              `${arm.label} needs tau > 0 (at tau = 0 TAU alone is ReLU)`,
              "sweep a threshold, e.g. --set tau=0.1",
            );
          }
          for (const options of combos) {
            // Bad option values fail here, before any cell trains.
            if (Object.keys(options).length) getActivation(arm.activation).create(PROBE, options);
            // Swept values that vary appear in the label; fixed ones are the arm's identity.
            const varying = axes.filter(([, vs]) => vs.length > 1).map(([k]) => k);
            const label = arm.label +
              (varying.length
                ? `[${varying.map((k) => `${SHORT[k]}=${options[k]}`).join(",")}]`
                : "");
            for (const seed of seeds) {
              const id = `${slug(`${model}_${dataset}${arr > 0 ? `_arr${arr}` : ""}`)}/${
                slug(label)
              }_seed${seed}`;
              const config = resolveConfig({
                ...grid.train,
                model,
                dataset,
                activation: arm.activation,
                activationOptions: options,
                regulariser: arr > 0 ? "arr" : null,
                regulariserOptions: arr > 0 ? { lambda: arr } : {},
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
