/**
 * Options shared by the ViT-family models (`vit_tiny`, `vit_micro`,
 * `deit_tiny`, `cait_xxs24`): width, depth, heads, MLP
 * ratio, qkv bias, dropout rates, class-token std and patch size (0: the
 * `patchSizeFor` rule), range-checked with errors naming the model.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { patchSizeFor } from "./geometry.ts";
import { type ModelConfig, type ModelOptions, numberOption } from "./registry.ts";

/** Defaults every ViT-family model shares (the model adds width, depth and heads). */
export const VIT_FAMILY_DEFAULTS: ModelOptions = {
  mlpRatio: 4,
  qkvBias: true,
  patchSize: 0,
  dropPath: 0,
  dropout: 0,
  attnDrop: 0,
  clsTokenStd: 0.02,
};

/** Resolved ViT-family options. */
export interface VitFamilyOptions {
  /** Embedding width C. */
  readonly embed: number;
  /** Number of (self-attention) blocks. */
  readonly depth: number;
  /** Attention heads (divides C). */
  readonly heads: number;
  /** MLP hidden width, round(C · mlpRatio). */
  readonly hidden: number;
  /** Bias on the qkv projections. */
  readonly qkvBias: boolean;
  /** Drop-path rate (how it spreads over blocks is the model's). */
  readonly dropPath: number;
  /** Dropout after embeddings, projections and in MLPs. */
  readonly dropout: number;
  /** Dropout on attention weights. */
  readonly attnDrop: number;
  /** Std of the class (and distillation) token's trunc-normal init. */
  readonly clsStd: number;
  /** Patch size for this input. */
  readonly patch: number;
}

/** Read and check the shared options of ViT-family model `name`. */
export function readVitFamilyOptions(config: ModelConfig, name: string): VitFamilyOptions {
  const int = { integer: true, min: 1 };
  const rate = { min: 0, max: 1, maxExclusive: true };
  const embed = numberOption(config, name, "embedDim", int);
  const heads = numberOption(config, name, "numHeads", int);
  const mlpRatio = numberOption(config, name, "mlpRatio", { min: 0 });
  const clsStd = numberOption(config, name, "clsTokenStd", { min: 0 });
  if (clsStd === 0) {
    throw new ActlabError(
      `model "${name}": clsTokenStd must be > 0, got 0`,
      "pass a positive std, e.g. 0.02 (default; DeiT's and CaiT's) or 1e-6 (the DPA/DNRT authors' ViT)",
    );
  }
  if (embed % heads !== 0) {
    throw new ActlabError(
      `model "${name}": embedDim ${embed} is not divisible by numHeads ${heads}`,
      "pick a head count that divides the embedding dimension",
    );
  }
  const hidden = Math.round(embed * mlpRatio);
  if (hidden < 1) {
    throw new ActlabError(
      `model "${name}": mlpRatio ${mlpRatio} gives an empty MLP`,
      "use mlpRatio such as 4",
    );
  }
  const patchOption = numberOption(config, name, "patchSize", { integer: true, min: 0 });
  return {
    embed,
    depth: numberOption(config, name, "depth", int),
    heads,
    hidden,
    qkvBias: config.options.qkvBias === true,
    dropPath: numberOption(config, name, "dropPath", rate),
    dropout: numberOption(config, name, "dropout", rate),
    attnDrop: numberOption(config, name, "attnDrop", rate),
    clsStd,
    patch: patchSizeFor(name, config.inputShape, patchOption),
  };
}
