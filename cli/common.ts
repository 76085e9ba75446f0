/**
 * Shared CLI plumbing: the flags every training command understands, their
 * mapping onto `TrainConfig`, and uniform error handling (clear message,
 * non-zero exit).
 * @module
 */
import type { PluginOptions } from "../plugin/types.ts";
import { ActlabError } from "../core/errors.ts";
import type { TrainConfig } from "../train/config.ts";
import type { ModelOptionValue } from "../models/registry.ts";

/** parseArgs option table for the training flags (no defaults: absent = not given). */
export const TRAIN_FLAGS = {
  model: { type: "string" },
  activation: { type: "string" },
  regulariser: { type: "string" },
  backend: { type: "string" },
  dataset: { type: "string" },
  "data-dir": { type: "string" },
  epochs: { type: "string" },
  steps: { type: "string" },
  "batch-size": { type: "string" },
  "eval-batch-size": { type: "string" },
  lr: { type: "string" },
  "min-lr": { type: "string" },
  warmup: { type: "string" },
  "weight-decay": { type: "string" },
  "clip-norm": { type: "string" },
  "label-smoothing": { type: "string" },
  augment: { type: "string" },
  seed: { type: "string" },
  out: { type: "string" },
  tau: { type: "string" },
  momentum: { type: "string" },
  "update-interval": { type: "string" },
  "channel-loss": { type: "string" },
  "dpa-mask": { type: "string" },
  "arr-lambda": { type: "string" },
  "model-opt": { type: "string", multiple: true },
  "image-size": { type: "string" },
  channels: { type: "string" },
  "num-classes": { type: "string" },
  "train-size": { type: "string" },
  "test-size": { type: "string" },
  "train-subset": { type: "string" },
  "test-subset": { type: "string" },
} as const;

/** Help text for the training flags. */
export const TRAIN_FLAGS_HELP = `model and plugins:
  --model NAME              mlp | convnet | resnet18 | vit_tiny | vit_micro (deno task list)
  --model-opt KEY=VALUE     model option, repeatable (e.g. widths=256,128  dropout=0.1)
  --activation NAME         relu | gelu | silu | softplus | elu | selu | gdn | raa | dpa | mish
  --tau T --momentum M --update-interval U --channel-loss L
                            DPA options (given only when set)
  --dpa-mask memory|random|none
                            DPA's channel-loss mask: random = control, none = TAU only
  --regulariser NAME        e.g. arr (response-site regulariser); --arr-lambda L
data:
  --dataset NAME            fashion-mnist | cifar10 | cifar100 | synthetic
  --data-dir DIR            where to look for dataset files first
  --image-size --channels --num-classes --train-size --test-size
                            shape and size of --dataset synthetic
  --train-subset N --test-subset N   use only the first N images
optimisation:
  --epochs N --steps N      --steps stops after N training steps (overrides --epochs)
  --batch-size B --eval-batch-size B --lr LR --min-lr LR --warmup FRACTION
  --weight-decay WD --clip-norm C --label-smoothing E --augment default|on|off
run:
  --backend NAME            auto | reference | ort-cpu | ort-cuda | webgpu (auto = fastest available)
  --seed S                  seeds init, data order, augmentation and dropout
  --out DIR                 run directory (config.json, log.jsonl, curves.svg, last.ckpt, summary.json)`;

/** Values parsed by `TRAIN_FLAGS` (all strings; repeated flags are arrays). */
export type TrainFlagValues = {
  [K in keyof typeof TRAIN_FLAGS]?: K extends "model-opt" ? string[] : string;
};

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) {
    throw new ActlabError(`--${flag} must be a number, got "${v}"`, `e.g. --${flag} 1`);
  }
  return n;
}

function modelOption(raw: string): [string, ModelOptionValue] {
  const eq = raw.indexOf("=");
  if (eq <= 0) {
    throw new ActlabError(
      `--model-opt "${raw}" is not KEY=VALUE`,
      "e.g. --model-opt widths=256,128",
    );
  }
  const key = raw.slice(0, eq);
  const value = raw.slice(eq + 1);
  if (value === "true" || value === "false") return [key, value === "true"];
  if (value.includes(",")) return [key, value.split(",").map((p) => Number(p))];
  const n = Number(value);
  return [key, value !== "" && Number.isFinite(n) ? n : value];
}

/** Map parsed flags onto a partial config (only what was given). */
export function flagsToConfig(v: TrainFlagValues): Partial<TrainConfig> {
  const c: Record<string, unknown> = {};
  const set = (key: keyof TrainConfig, value: unknown) => {
    if (value !== undefined) c[key] = value;
  };
  set("model", v.model);
  set("activation", v.activation);
  set("regulariser", v.regulariser);
  set("backend", v.backend);
  set("dataset", v.dataset);
  set("dataDir", v["data-dir"]);
  set("epochs", num("epochs", v.epochs));
  set("steps", num("steps", v.steps));
  set("batchSize", num("batch-size", v["batch-size"]));
  set("evalBatchSize", num("eval-batch-size", v["eval-batch-size"]));
  set("lr", num("lr", v.lr));
  set("minLr", num("min-lr", v["min-lr"]));
  set("warmupFraction", num("warmup", v.warmup));
  set("weightDecay", num("weight-decay", v["weight-decay"]));
  set("clipNorm", num("clip-norm", v["clip-norm"]));
  set("labelSmoothing", num("label-smoothing", v["label-smoothing"]));
  set("augment", v.augment);
  set("seed", num("seed", v.seed));
  set("out", v.out);
  set("trainSubset", num("train-subset", v["train-subset"]));
  set("testSubset", num("test-subset", v["test-subset"]));
  const act: Record<string, number | string> = {};
  const pairs: [string, string][] = [
    ["tau", "tau"],
    ["momentum", "momentum"],
    ["update-interval", "updateInterval"],
    ["channel-loss", "channelLoss"],
  ];
  for (const [flag, key] of pairs) {
    const n = num(flag, v[flag as keyof TrainFlagValues] as string | undefined);
    if (n !== undefined) act[key] = n;
  }
  if (v["dpa-mask"] !== undefined) act.mask = v["dpa-mask"];
  if (Object.keys(act).length) c.activationOptions = act as PluginOptions;
  const lambda = num("arr-lambda", v["arr-lambda"]);
  if (lambda !== undefined) c.regulariserOptions = { lambda };
  if (v["model-opt"]?.length) c.modelOptions = Object.fromEntries(v["model-opt"].map(modelOption));
  const syn: Record<string, number> = {};
  const synPairs: [string, string][] = [
    ["image-size", "imageSize"],
    ["channels", "channels"],
    ["num-classes", "numClasses"],
    ["train-size", "trainSize"],
    ["test-size", "testSize"],
  ];
  for (const [flag, key] of synPairs) {
    const n = num(flag, v[flag as keyof TrainFlagValues] as string | undefined);
    if (n !== undefined) syn[key] = n;
  }
  if (Object.keys(syn).length) c.synthetic = syn;
  return c as Partial<TrainConfig>;
}

/** Run a CLI main: ActlabErrors print cleanly and exit 1; usage errors exit 2. */
export async function runMain(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    if (e instanceof ActlabError) {
      console.error(`error: ${e.message}`);
      Deno.exit(1);
    }
    if (e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS")) {
      console.error(`error: ${e.message}\n  fix: see --help`);
      Deno.exit(2);
    }
    throw e;
  }
}
