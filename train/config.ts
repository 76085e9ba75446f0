/**
 * The run configuration: everything that determines a training run, with
 * defaults, validation and the JSON form stored in `config.json` and in
 * checkpoints.
 * @module
 */
import type { PluginOptions } from "../plugin/types.ts";
import { ActlabError } from "../core/errors.ts";
import type { SyntheticOptions } from "../data/synthetic.ts";
import type { ImageFolderOptions } from "../data/imagefolder/dataset.ts";
import type { ModelOptions } from "../models/registry.ts";

/**
 * A training run's configuration: everything that determines a run. Pass
 * any subset plus `out` to `train()`; the rest comes from `TRAIN_DEFAULTS`.
 * It is stored in `config.json` and in every checkpoint, so `evaluate()`
 * and `deno task analyze` rebuild the same model from a checkpoint alone.
 *
 * @example A DPA run on CIFAR-10 with custom DPA options
 * ```ts
 * import { resolveConfig, type TrainConfig } from "jsr:@actlab/actlab";
 *
 * const partial: Partial<TrainConfig> & { out: string } = {
 *   model: "resnet18",
 *   dataset: "cifar10",
 *   activation: "dpa",
 *   activationOptions: { tau: 0, updateInterval: 5 },
 *   epochs: 30,
 *   out: "runs/resnet18_dpa",
 * };
 * const config = resolveConfig(partial); // defaults filled in, values checked
 * console.log(config.batchSize, config.lr); // 128 0.001
 * ```
 */
export interface TrainConfig {
  /** Task kind (default `image`: image classification; see `registerTask`). */
  readonly task: string;
  /** Model registry name (default `vit_micro`). */
  readonly model: string;
  /** Model options (see the model's defaults in `deno task list`). */
  readonly modelOptions: ModelOptions;
  /** Activation plugin name (default `dpa`). */
  readonly activation: string;
  /** Options passed to the activation at every site (e.g. DPA's `tau`). */
  readonly activationOptions: PluginOptions;
  /** Response-site regulariser name (e.g. `arr`), or null for none (default). */
  readonly regulariser: string | null;
  /** Options passed to the regulariser (e.g. ARR's `lambda`). */
  readonly regulariserOptions: PluginOptions;
  /** Backend name or `auto`. */
  readonly backend: string;
  /** Dataset name: `fashion-mnist` (default), `cifar10`, `cifar100`, `synthetic`. */
  readonly dataset: string;
  /** Where to look for dataset files first. */
  readonly dataDir?: string;
  /** Shape/size of `synthetic` data. */
  readonly synthetic?: SyntheticOptions;
  /** Text task: sequence length T every example is padded or truncated to (default 128). */
  readonly maxLength?: number;
  /** Text task: the tokenizer's vocabulary file (a BERT `vocab.txt`). */
  readonly vocab?: string;
  /**
   * Initialise the parameters from this pretrained checkpoint (a
   * `.safetensors` file in the model's foreign layout, e.g. Hugging Face
   * BERT) instead of the seed; parameters it lacks (a new classifier) keep
   * their seeded init. Ignored when resuming (the checkpoint holds the state).
   */
  readonly initFrom?: string;
  /**
   * How a streamed image folder (`imagefolder`, `imagenet100`, `imagenet1k`)
   * is read: image size, eval crop fraction, decode workers, prefetch, and
   * whether unreadable files are skipped.
   */
  readonly imageFolder?: ImageFolderOptions;
  /** Use only the first N training images (0 = all). */
  readonly trainSubset: number;
  /** Use only the first N test images (0 = all). */
  readonly testSubset: number;
  /**
   * Imbalance β of a long-tailed training split (0 = balanced; DNRT's
   * long-tailed CIFAR-10 uses 10, 50, 100): class k keeps n_max·β^(−k/(K−1))
   * images (`data/long_tail.ts`); the test split stays balanced.
   */
  readonly longTail: number;
  /** Training epochs (default 7). */
  readonly epochs: number;
  /** Stop after this many training steps in total (0 = run all epochs). */
  readonly steps: number;
  /** Training batch size (default 128). */
  readonly batchSize: number;
  /** Evaluation batch size (default 256). */
  readonly evalBatchSize: number;
  /** Peak learning rate (after warmup). */
  readonly lr: number;
  /** Learning rate at the end of the cosine schedule (default 1e-5). */
  readonly minLr: number;
  /** Warmup length as a fraction of all steps. */
  readonly warmupFraction: number;
  /**
   * Where the linear warmup starts (default 0: step s of W warms up at
   * lr·(s+1)/W). The DPA/DNRT authors start from 1e-6 (`warmup_lr` in
   * their `configs/_base_.py`).
   */
  readonly warmupStartLr: number;
  /** AdamW decoupled weight decay (default 0.05). */
  readonly weightDecay: number;
  /** Global gradient-norm clip, 0 = off (default 1). */
  readonly clipNorm: number;
  /** Label smoothing of the cross-entropy (default 0). */
  readonly labelSmoothing: number;
  /**
   * Host augmentation: `default` follows the dataset (pad-4 crop + flip on
   * CIFAR, none on Fashion-MNIST); `on`/`off` force that crop + flip on or
   * off; `paper` is the DPA/DNRT authors' recipe (RandomResizedCrop, flip,
   * RandAugment rand-m9-mstd0.5-inc1, random erasing 0.25, eval resize to
   * size/0.875 + centre crop); `weak` is flip only (with the paper's eval
   * transform). See `data/augment/`.
   */
  readonly augment: "default" | "on" | "off" | "paper" | "weak";
  /** Seeds initialisation, data order, augmentation and dropout (default 0). */
  readonly seed: number;
  /** Run directory. */
  readonly out: string;
}

/**
 * Defaults of every field except `out`: `vit_micro` + `dpa` on Fashion-MNIST,
 * 7 epochs of AdamW (lr 1e-3, cosine to 1e-5, 5 % warmup from 0, weight
 * decay 0.05, clip 1), batch 128, seed 0, backend `auto`.
 *
 * @example
 * ```ts
 * import { TRAIN_DEFAULTS } from "jsr:@actlab/actlab";
 *
 * console.log(TRAIN_DEFAULTS.model, TRAIN_DEFAULTS.epochs); // vit_micro 7
 * ```
 */
export const TRAIN_DEFAULTS: Omit<TrainConfig, "out"> = {
  task: "image",
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
  longTail: 0,
  // ~12–15 minutes for vit_micro + dpa on Fashion-MNIST with ort-cpu on a 2-core CPU (~105 s an epoch).
  epochs: 7,
  steps: 0,
  batchSize: 128,
  evalBatchSize: 256,
  lr: 1e-3,
  minLr: 1e-5,
  warmupFraction: 0.05,
  warmupStartLr: 0,
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
  maxLength: ["number", "undefined"],
  vocab: ["string", "undefined"],
  initFrom: ["string", "undefined"],
  imageFolder: ["object", "undefined"],
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
 * Fill defaults and validate; errors (`ActlabError`) say which field is
 * wrong (unknown keys and wrong JSON types included) and how to fix it.
 * `source` names where the configuration came from (e.g. a checkpoint file).
 *
 * @example
 * ```ts
 * import { resolveConfig } from "jsr:@actlab/actlab";
 *
 * const c = resolveConfig({ model: "mlp", epochs: 2, out: "runs/mlp" });
 * console.log(c.activation, c.epochs); // dpa 2
 * ```
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
  check(
    Number.isFinite(c.warmupStartLr) && c.warmupStartLr >= 0 && c.warmupStartLr <= c.lr,
    `warmup start lr ${c.warmupStartLr} must be in [0, lr]`,
    "e.g. --warmup-start-lr 1e-6",
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
    c.longTail === 0 || (Number.isFinite(c.longTail) && c.longTail >= 1),
    `long-tail imbalance ${c.longTail} must be 0 (balanced) or a number >= 1`,
    "β = n_max / n_min, e.g. --long-tail 100",
  );
  check(
    ["default", "on", "off", "paper", "weak"].includes(c.augment),
    `--augment must be paper, weak, default, on or off, got ${JSON.stringify(c.augment)}`,
    "e.g. --augment paper (the authors' recipe) or --augment on (pad-4 crop + flip)",
  );
  check(
    c.maxLength === undefined || (Number.isInteger(c.maxLength) && c.maxLength >= 3),
    `--max-length must be an integer >= 3, got ${c.maxLength}`,
    "e.g. --max-length 128",
  );
  check(
    c.initFrom === undefined || c.initFrom.endsWith(".safetensors"),
    `--init-from ${c.initFrom} is not a .safetensors file`,
    "pass a checkpoint in the safetensors format, e.g. bert-base-uncased/model.safetensors",
  );
  const folderKeys = ["imageSize", "cropPct", "workers", "prefetch", "skipBadImages"];
  for (const k of Object.keys(c.imageFolder ?? {})) {
    check(
      folderKeys.includes(k),
      `imageFolder: unknown option "${k}"`,
      `valid: ${folderKeys.join(", ")}`,
    );
  }
  check(c.task.length > 0, "the task name is empty", 'e.g. task: "image"');
  check(c.out.length > 0, "--out is empty", "pass a run directory, e.g. --out runs/exp1");
  return c;
}
