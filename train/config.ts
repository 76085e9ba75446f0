/**
 * The run configuration: everything that determines a training run, with
 * defaults, validation and the JSON form stored in `config.json` and in
 * checkpoints.
 * @module
 */
import type { PluginOptions } from "../activations/registry.ts";
import { ActlabError } from "../core/errors.ts";
import type { SyntheticOptions } from "../data/synthetic.ts";
import type { ModelOptions } from "../models/registry.ts";

/** A training run's configuration. */
export interface TrainConfig {
  readonly model: string;
  readonly modelOptions: ModelOptions;
  readonly activation: string;
  readonly activationOptions: PluginOptions;
  readonly regulariser: string | null;
  readonly regulariserOptions: PluginOptions;
  /** Backend name or `auto`. */
  readonly backend: string;
  readonly dataset: string;
  readonly dataDir?: string;
  /** Shape/size of `synthetic` data. */
  readonly synthetic?: SyntheticOptions;
  /** Use only the first N training images (0 = all). */
  readonly trainSubset: number;
  /** Use only the first N test images (0 = all). */
  readonly testSubset: number;
  readonly epochs: number;
  /** Stop after this many training steps in total (0 = run all epochs). */
  readonly steps: number;
  readonly batchSize: number;
  readonly evalBatchSize: number;
  /** Peak learning rate (after warmup). */
  readonly lr: number;
  readonly minLr: number;
  /** Warmup length as a fraction of all steps. */
  readonly warmupFraction: number;
  readonly weightDecay: number;
  readonly clipNorm: number;
  readonly labelSmoothing: number;
  /** Host augmentation: `default` follows the dataset (CIFAR on, Fashion-MNIST off). */
  readonly augment: "default" | "on" | "off";
  readonly seed: number;
  /** Run directory. */
  readonly out: string;
}

/** Defaults of every field except `out`. */
export const TRAIN_DEFAULTS: Omit<TrainConfig, "out"> = {
  model: "vit_micro",
  modelOptions: {},
  activation: "dpa",
  activationOptions: {},
  regulariser: null,
  regulariserOptions: {},
  backend: "auto",
  dataset: "fashion-mnist",
  trainSubset: 0,
  testSubset: 0,
  // ~12–15 minutes for vit_micro + dpa on Fashion-MNIST with ort-cpu on a 2-core CPU (~105 s an epoch).
  epochs: 7,
  steps: 0,
  batchSize: 128,
  evalBatchSize: 256,
  lr: 1e-3,
  minLr: 1e-5,
  warmupFraction: 0.05,
  weightDecay: 0.05,
  clipNorm: 1,
  labelSmoothing: 0,
  augment: "default",
  seed: 0,
};

/** Fields without a default, with the JSON types they may hold. */
const OPTIONAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  out: ["string"],
  dataDir: ["string", "undefined"],
  synthetic: ["object", "undefined"],
};

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

/** Unknown keys and values of the wrong JSON type (a hand-edited or foreign config). */
function checkShape(c: Record<string, unknown>, where: string): void {
  const allowed: Record<string, readonly string[]> = { ...OPTIONAL_FIELDS };
  for (const [k, v] of Object.entries(TRAIN_DEFAULTS)) {
    allowed[k] = k === "regulariser" ? ["string", "null"] : [typeName(v)];
  }
  for (const [k, v] of Object.entries(c)) {
    const types = allowed[k];
    if (!types) {
      throw new ActlabError(
        `invalid configuration${where}: unknown key "${k}"`,
        `remove it; valid keys: ${Object.keys(allowed).join(", ")}`,
      );
    }
    if (!types.includes(typeName(v))) {
      throw new ActlabError(
        `invalid configuration${where}: "${k}" must be ${types.join(" or ")}, got ${typeName(v)} ${
          JSON.stringify(v)
        }`,
        `fix the value of "${k}" (or remove it to use the default)`,
      );
    }
  }
}

/**
 * Fill defaults and validate; errors say which field is wrong and how to fix
 * it. `source` names where the configuration came from (e.g. a checkpoint file).
 */
export function resolveConfig(
  partial: Partial<TrainConfig> & { out: string },
  source?: string,
): TrainConfig {
  const where = source ? ` in ${source}` : "";
  const check = (ok: boolean, what: string, hint: string): void => {
    if (!ok) throw new ActlabError(`invalid configuration${where}: ${what}`, hint);
  };
  const c: TrainConfig = { ...TRAIN_DEFAULTS, ...partial };
  checkShape(c as unknown as Record<string, unknown>, where);
  const posInt = (v: number) => Number.isInteger(v) && v >= 1;
  const nonNegInt = (v: number) => Number.isInteger(v) && v >= 0;
  check(
    posInt(c.epochs),
    `--epochs must be a positive integer, got ${c.epochs}`,
    "e.g. --epochs 2",
  );
  check(
    nonNegInt(c.steps),
    `--steps must be an integer >= 0, got ${c.steps}`,
    "e.g. --steps 100 (0 = all epochs)",
  );
  check(
    posInt(c.batchSize),
    `--batch-size must be a positive integer, got ${c.batchSize}`,
    "e.g. --batch-size 128",
  );
  check(
    posInt(c.evalBatchSize),
    `eval batch size must be a positive integer, got ${c.evalBatchSize}`,
    "e.g. 256",
  );
  check(Number.isFinite(c.lr) && c.lr > 0, `--lr must be > 0, got ${c.lr}`, "e.g. --lr 0.001");
  check(
    Number.isFinite(c.minLr) && c.minLr >= 0 && c.minLr <= c.lr,
    `min lr ${c.minLr} must be in [0, lr]`,
    "lower it",
  );
  check(
    c.warmupFraction >= 0 && c.warmupFraction < 1,
    `warmup fraction ${c.warmupFraction} not in [0, 1)`,
    "e.g. 0.05",
  );
  check(c.weightDecay >= 0, `weight decay ${c.weightDecay} < 0`, "use a value >= 0");
  check(c.clipNorm >= 0, `clip norm ${c.clipNorm} < 0`, "use 0 to disable or a positive norm");
  check(
    c.labelSmoothing >= 0 && c.labelSmoothing < 1,
    `label smoothing ${c.labelSmoothing} not in [0, 1)`,
    "e.g. 0.1",
  );
  check(nonNegInt(c.seed), `--seed must be an integer >= 0, got ${c.seed}`, "e.g. --seed 0");
  check(
    nonNegInt(c.trainSubset) && nonNegInt(c.testSubset),
    "subset sizes must be integers >= 0",
    "0 = all",
  );
  check(
    ["default", "on", "off"].includes(c.augment),
    `augment must be default, on or off`,
    "e.g. --augment on",
  );
  check(c.out.length > 0, "--out is empty", "pass a run directory, e.g. --out runs/exp1");
  return c;
}
