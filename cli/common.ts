/**
 * Shared CLI plumbing: the flags every training command understands, their
 * mapping onto `TrainConfig`, and uniform error handling (clear message,
 * non-zero exit). Plugin options travel generically as `--act-opt KEY=VALUE`
 * and `--reg-opt KEY=VALUE`; their help comes from the plugins' declarations.
 * @module
 */
import type { OptionValue, PluginOptions } from "../plugin/types.ts";
import { camelCase } from "../plugin/options.ts";
import { listActivations } from "../activations/registry.ts";
import { listRegularisers } from "../regularisers/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { isImageFolderDataset } from "../data/imagefolder/dataset.ts";
import type { TrainConfig } from "../train/config.ts";
import type { ModelOptionValue } from "../models/registry.ts";
import { pluginOptionsHelp } from "./plugin_help.ts";

/** parseArgs option table for the training flags (no defaults: absent = not given). */
export const TRAIN_FLAGS = {
  task: { type: "string" },
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
  "warmup-start-lr": { type: "string" },
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
  "act-opt": { type: "string", multiple: true },
  "reg-opt": { type: "string", multiple: true },
  "model-opt": { type: "string", multiple: true },
  "image-size": { type: "string" },
  channels: { type: "string" },
  "num-classes": { type: "string" },
  "train-size": { type: "string" },
  "test-size": { type: "string" },
  "train-subset": { type: "string" },
  "test-subset": { type: "string" },
  "max-length": { type: "string" },
  vocab: { type: "string" },
  "init-from": { type: "string" },
  "long-tail": { type: "string" },
  "crop-pct": { type: "string" },
  workers: { type: "string" },
  prefetch: { type: "string" },
  "skip-bad-images": { type: "boolean" },
} as const;

/**
 * Flags kept as aliases of `--act-opt` / `--reg-opt` (DPA's and ARR's options
 * before the generic flags existed); they give the same configuration.
 */
const OPTION_ALIASES: readonly [flag: string, kind: "act" | "reg", key: string][] = [
  ["tau", "act", "tau"],
  ["momentum", "act", "momentum"],
  ["update-interval", "act", "updateInterval"],
  ["channel-loss", "act", "channelLoss"],
  ["dpa-mask", "act", "mask"],
  ["arr-lambda", "reg", "lambda"],
];

/** Help text for the training flags; the plugin names and options come from the registries. */
export function trainFlagsHelp(): string {
  return `model and plugins:
  --task NAME               image (default) | text (--model bert, a text dataset, --vocab) |
                            node (node classification: --model gcn | graphsage, a graph dataset;
                            full batch, so the batch sizes are the node count)
  --model NAME              mlp | convnet | alexnet | vgg11 | vgg11_bn | resnet18 | resnet32 |
                            mobilenet_v2 | shufflenet_v2 | vit_tiny | vit_micro | deit_tiny |
                            cait_xxs24 | pvt_tiny | tnt_small | bert | gcn | graphsage
                            (deno task list)
  --model-opt KEY=VALUE     model option, repeatable (e.g. widths=256,128  dropout=0.1)
  --activation NAME         ${listActivations().join(" | ")}
  --act-opt KEY=VALUE       activation option, repeatable (e.g. tau=0.1  update-interval=5)
  --regulariser NAME        ${listRegularisers().join(" | ")} (response-site regulariser)
  --reg-opt KEY=VALUE       regulariser option, repeatable (e.g. lambda=20)
  --tau T --momentum M --update-interval U --channel-loss L --dpa-mask K
                            aliases of --act-opt tau=T … mask=K (DPA's options)
  --arr-lambda L            alias of --reg-opt lambda=L (ARR)
${pluginOptionsHelp()}
data:
  --dataset NAME            fashion-mnist | cifar10 | cifar100 | synthetic |
                            imagefolder | imagenet100 | imagenet1k (streamed from --data-dir);
                            with --task text: sst2 | ag_news | textgcn-* | generated;
                            with --task node: karate | sbm | cora | citeseer | pubmed |
                            ogbn-arxiv | dgraphfin | r8 | r52 | mr | ohsumed | 20ng
  --data-dir DIR            where to look for dataset files first
  --image-size --channels --num-classes --train-size --test-size
                            shape and size of --dataset synthetic
  --train-subset N --test-subset N   use only the first N images (examples)
  --long-tail BETA          long-tailed training split, imbalance BETA (e.g. 100; test stays balanced)
image folders (--dataset imagefolder | imagenet100 | imagenet1k, --data-dir DIR):
  --image-size S            side the model sees (default 224)
  --crop-pct F              evaluation resize to S/F then centre crop (default 0.875)
  --workers N --prefetch N  decode workers (default: cores, ≤ 8) and batches decoded ahead (2)
  --skip-bad-images         leave out files whose header cannot be read (counted in summary.json)
text (--task text):
  --max-length T            tokens per sequence, padded/truncated (default 128)
  --vocab FILE              the tokenizer's vocabulary (a BERT vocab.txt)
  --init-from FILE          start from a pretrained .safetensors checkpoint (bert: HF layout)
optimisation:
  --epochs N --steps N      --steps stops after N training steps (overrides --epochs)
  --batch-size B --eval-batch-size B --lr LR --min-lr LR --warmup FRACTION
  --warmup-start-lr LR      where the linear warmup starts (default 0; the authors' 1e-6)
  --weight-decay WD --clip-norm C --label-smoothing E
  --augment MODE            paper (the authors' RandomResizedCrop + flip + RandAugment m9 +
                            random erasing, eval resize/0.875 + centre crop) | weak (flip) |
                            default (dataset's: pad-4 crop + flip on CIFAR) | on | off
run:
  --backend NAME            auto | reference | ort-cpu | ort-cuda | onednn-cpu | webgpu | tfjs-wasm |
                            tfjs-cpu | tfjs-node | tfjs-gpu (auto = fastest available: the
                            CPU candidates timed once and cached, ACTLAB_AUTO_BACKEND=rank
                            for the rank order; deno task list)
  --seed S                  seeds init, data order, augmentation and dropout
  --out DIR                 run directory (config.json, log.jsonl, curves.svg, last.ckpt, summary.json)`;
}

/** Values parsed by `TRAIN_FLAGS` (all strings; repeated flags are arrays). */
export type TrainFlagValues = {
  [K in keyof typeof TRAIN_FLAGS]?: K extends "model-opt" | "act-opt" | "reg-opt" ? string[]
    : K extends "skip-bad-images" ? boolean
    : string;
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

/** A `--act-opt`/`--reg-opt` value: true/false, a number, else the string itself. */
function optionValue(value: string): OptionValue {
  if (value === "true" || value === "false") return value === "true";
  const n = Number(value);
  return value.trim() !== "" && Number.isFinite(n) ? n : value;
}

/** Plugin options from the alias flags of `kind` and then `--<kind>-opt KEY=VALUE` (kebab or camel KEY). */
function pluginOptions(v: TrainFlagValues, kind: "act" | "reg"): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  const put = (key: string, value: OptionValue, flag: string) => {
    if (key in out) {
      throw new ActlabError(`${flag}: option ${key} is given twice`, "give each option once");
    }
    out[key] = value;
  };
  for (const [flag, k, key] of OPTION_ALIASES) {
    const raw = v[flag as keyof TrainFlagValues] as string | undefined;
    if (k !== kind || raw === undefined) continue;
    put(key, flag === "dpa-mask" ? raw : num(flag, raw)!, `--${flag}`);
  }
  for (const raw of v[`${kind}-opt`] ?? []) {
    const eq = raw.indexOf("=");
    if (eq <= 0) {
      throw new ActlabError(
        `--${kind}-opt "${raw}" is not KEY=VALUE`,
        kind === "act" ? "e.g. --act-opt update-interval=5" : "e.g. --reg-opt lambda=20",
      );
    }
    put(camelCase(raw.slice(0, eq).trim()), optionValue(raw.slice(eq + 1)), `--${kind}-opt`);
  }
  return out;
}

/** Map parsed flags onto a partial config (only what was given). */
export function flagsToConfig(v: TrainFlagValues): Partial<TrainConfig> {
  const c: Record<string, unknown> = {};
  const set = (key: keyof TrainConfig, value: unknown) => {
    if (value !== undefined) c[key] = value;
  };
  set("task", v.task);
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
  set("warmupStartLr", num("warmup-start-lr", v["warmup-start-lr"]));
  set("weightDecay", num("weight-decay", v["weight-decay"]));
  set("clipNorm", num("clip-norm", v["clip-norm"]));
  set("labelSmoothing", num("label-smoothing", v["label-smoothing"]));
  set("augment", v.augment);
  set("seed", num("seed", v.seed));
  set("out", v.out);
  set("trainSubset", num("train-subset", v["train-subset"]));
  set("testSubset", num("test-subset", v["test-subset"]));
  set("maxLength", num("max-length", v["max-length"]));
  set("vocab", v.vocab);
  set("initFrom", v["init-from"]);
  set("longTail", num("long-tail", v["long-tail"]));
  const act = pluginOptions(v, "act");
  if (Object.keys(act).length) c.activationOptions = act as PluginOptions;
  const reg = pluginOptions(v, "reg");
  if (Object.keys(reg).length) c.regulariserOptions = reg as PluginOptions;
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
  const folder: Record<string, number | boolean> = {};
  if (typeof c.dataset === "string" && isImageFolderDataset(c.dataset)) {
    // --image-size is the side the model sees; the other synthetic flags do not apply.
    if (syn.imageSize !== undefined) folder.imageSize = syn.imageSize;
    delete syn.imageSize;
  }
  const folderPairs: [string, string][] = [
    ["crop-pct", "cropPct"],
    ["workers", "workers"],
    ["prefetch", "prefetch"],
  ];
  for (const [flag, key] of folderPairs) {
    const n = num(flag, v[flag as keyof TrainFlagValues] as string | undefined);
    if (n !== undefined) folder[key] = n;
  }
  if (v["skip-bad-images"]) folder.skipBadImages = true;
  if (Object.keys(folder).length) c.imageFolder = folder;
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
