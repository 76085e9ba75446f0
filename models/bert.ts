/**
 * BERT (Devlin et al. 2019) for sequence classification, as Hugging Face's
 * `BertForSequenceClassification` (transformers `models/bert/modeling_bert.py`):
 * token + position + segment embeddings → LayerNorm (eps 1e-12) → dropout;
 * `layers` post-LN encoder blocks (self-attention with the padding mask →
 * dense → dropout → add & LayerNorm; intermediate dense → activation → dense
 * → dropout → add & LayerNorm); pooler (dense + tanh on `[CLS]`) → dropout →
 * classifier. Dropout 0.1 on hidden states and attention probabilities
 * (`hidden_dropout_prob`, `attention_probs_dropout_prob`).
 *
 * Sizes (`size=`), the configurations of Google's `bert` README (Turc et al.
 * 2019 for the small ones), intermediate 4H, 512 positions, 2 segments; the
 * parameter counts with the 30,522-token uncased vocabulary, pooler
 * included, classifier excluded (the `BertModel` figure):
 *
 * | size  | L  | H   | A  | parameters  |
 * |-------|----|-----|----|-------------|
 * | tiny  | 2  | 128 | 2  | 4,385,920   |
 * | mini  | 4  | 256 | 4  | 11,170,560  |
 * | small | 4  | 512 | 8  | 28,763,648  |
 * | base  | 12 | 768 | 12 | 109,482,240 |
 *
 * The classifier adds H·K + K. Init as HF's `_init_weights`: linears and
 * embeddings N(0, 0.02²) (trunc-normal at ±2, which never binds), zero
 * biases, LayerNorm ones/zeros. One assumption: HF zeroes the `[PAD]` row
 * of the word embedding; here it is drawn like the others — padded keys are
 * masked, so a pad token never reaches a token's output either way.
 *
 * Inputs: `x` = token ids i32 [B, T] (T ≤ `maxPosition`), and from the
 * task's feeds `mask` (i32 or f32 [B, T], 1 = token, 0 = padding; absent: no
 * padding) and `typeIds` (i32 [B, T]; absent: all segment 0). The FFN
 * activation is an activation site with a `tokens` layout pooled at the
 * `[CLS]` position (position 0), as ViT's class token; each block's output
 * is a `tokens`/`token` response site. Parameter names follow HF's with the
 * fused `attention.qkv` / `attention.proj` of `nn/attention.ts`: the mapping
 * from HF checkpoints is in `bert_weights.ts`.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { add, broadcastTo, gather, reshape, slice, tanh } from "../core/ops.ts";
import { selfAttention } from "../nn/attention.ts";
import { dropout } from "../nn/dropout.ts";
import { truncNormalInit } from "../nn/init.ts";
import { layerNorm } from "../nn/layer_norm.ts";
import { linear } from "../nn/linear.ts";
import { poolTokens } from "../nn/pooling.ts";
import { applyActivation, observeResponse } from "../nn/sites.ts";
import type { BuildContext } from "../plugin/context.ts";
import type { Site } from "../plugin/types.ts";
import { type ModelDefinition, type ModelOptions, numberOption } from "./registry.ts";
import { importBertWeights } from "./bert_weights.ts";

/** A BERT geometry. */
export interface BertSize {
  /** Encoder blocks (L). */
  readonly layers: number;
  /** Hidden width (H). */
  readonly hidden: number;
  /** Attention heads (A). */
  readonly heads: number;
}

/** The named sizes of `bert` (`size=`); intermediate width 4H. */
export const BERT_SIZES: Readonly<Record<string, BertSize>> = {
  tiny: { layers: 2, hidden: 128, heads: 2 },
  mini: { layers: 4, hidden: 256, heads: 4 },
  small: { layers: 4, hidden: 512, heads: 8 },
  base: { layers: 12, hidden: 768, heads: 12 },
};

/** LayerNorm eps of BERT (`layer_norm_eps`). */
const LN_EPS = 1e-12;
/** `initializer_range`. */
const INIT_STD = 0.02;

const DEFAULTS: ModelOptions = {
  size: "base",
  // 0 = from `size`.
  layers: 0,
  hidden: 0,
  heads: 0,
  intermediate: 0,
  vocabSize: 30522,
  maxPosition: 512,
  typeVocabSize: 2,
  dropout: 0.1,
  attnDrop: 0.1,
  // BERT has biases on q, k and v; false drops them (parity tests: the key bias's gradient is 0).
  qkvBias: true,
};

/** The resolved geometry of a `bert` configuration. */
export interface BertGeometry extends BertSize {
  /** Intermediate (FFN) width. */
  readonly intermediate: number;
  /** Word-embedding rows. */
  readonly vocabSize: number;
  /** Position-embedding rows. */
  readonly maxPosition: number;
  /** Segment-embedding rows. */
  readonly typeVocabSize: number;
}

function geometry(options: ModelOptions, num: (k: string, min: number) => number): BertGeometry {
  const name = String(options.size);
  const base = BERT_SIZES[name];
  if (!base) {
    throw new ActlabError(
      `model "bert": unknown size "${name}"`,
      `use size=${Object.keys(BERT_SIZES).join("|")} (or set layers, hidden, heads)`,
    );
  }
  const pick = (k: keyof BertSize) => num(k, 0) || base[k];
  const g = { layers: pick("layers"), hidden: pick("hidden"), heads: pick("heads") };
  if (g.hidden % g.heads !== 0) {
    throw new ActlabError(
      `model "bert": hidden ${g.hidden} is not divisible by heads ${g.heads}`,
      "pick a head count that divides the hidden width",
    );
  }
  return {
    ...g,
    intermediate: num("intermediate", 0) || 4 * g.hidden,
    vocabSize: num("vocabSize", 1),
    maxPosition: num("maxPosition", 1),
    typeVocabSize: num("typeVocabSize", 1),
  };
}

/** A [V, H] embedding table (N(0, 0.02²), weight decay as HF's default fine-tuning). */
function embedding(ctx: BuildContext, rows: number, width: number): Tensor {
  return ctx.param("weight", [rows, width], truncNormalInit(INIT_STD));
}

/** Rows of `table [V, H]` at `ids [B, T]` → [B, T, H]. */
function lookup(table: Tensor, ids: Tensor): Tensor {
  const [b, t] = ids.shape;
  return reshape(gather(table, reshape(ids, [b * t]), 0), [b, t, table.shape[1]]);
}

function checkFeed(name: string, t: Tensor | undefined, b: number, n: number): Tensor | undefined {
  if (t && (t.rank !== 2 || t.shape[0] !== b || t.shape[1] !== n)) {
    throw new ActlabError(
      `model "bert": feed "${name}" has shape [${t.shape}], expected [${b},${n}] like the token ids`,
      "feed token ids, segment ids and the padding mask with one shape [B, T]",
    );
  }
  return t;
}

/** `bert`: a BERT encoder with a pooler and a classification head. */
export const bertModel: ModelDefinition = {
  name: "bert",
  description: "BERT encoder + pooler + classifier (size=tiny|mini|small|base); token ids [T]",
  defaults: DEFAULTS,
  inputRank: 1,
  inputDtype: "i32",
  exampleInputShape: [128],
  importWeights: importBertWeights,
  create(config, sites) {
    const rate = { min: 0, max: 1, maxExclusive: true };
    const g = geometry(
      config.options,
      (k, min) => numberOption(config, "bert", k, { integer: true, min }),
    );
    const hiddenDrop = numberOption(config, "bert", "dropout", rate);
    const attnDrop = numberOption(config, "bert", "attnDrop", rate);
    const [seq] = config.inputShape;
    if (seq > g.maxPosition) {
      throw new ActlabError(
        `model "bert": sequences of ${seq} tokens exceed maxPosition ${g.maxPosition}`,
        `lower --max-length to at most ${g.maxPosition}`,
      );
    }
    const site = (channels: number): Site => ({ channels, layout: "tokens", pooling: "token" });
    const vit = { init: "vit" } as const;
    return (ctx, ids, inputs) => {
      if (ids.dtype !== "i32") {
        throw new ActlabError(
          `model "bert": token ids must be i32, got ${ids.dtype}`,
          "use the text task (--task text), which feeds i32 token ids",
        );
      }
      const [b, t] = ids.shape;
      const mask = checkFeed("mask", inputs?.mask, b, t);
      const typeIds = checkFeed("typeIds", inputs?.typeIds, b, t);
      const emb = ctx.scope("embeddings");
      const words = embedding(emb.scope("word_embeddings"), g.vocabSize, g.hidden);
      const positions = embedding(emb.scope("position_embeddings"), g.maxPosition, g.hidden);
      const types = embedding(emb.scope("token_type_embeddings"), g.typeVocabSize, g.hidden);
      let h = lookup(words, ids);
      h = add(h, reshape(slice(positions, [0, 0], [t, g.hidden]), [1, t, g.hidden]));
      h = add(
        h,
        typeIds ? lookup(types, typeIds) : broadcastTo(slice(types, [0, 0], [1, g.hidden]), [
          1,
          1,
          g.hidden,
        ]),
      );
      h = layerNorm(emb.scope("LayerNorm"), h, { eps: LN_EPS });
      h = dropout(emb.scope("dropout"), h, hiddenDrop);
      for (let i = 0; i < g.layers; i++) {
        const blk = ctx.scope(`encoder.layer.${i}`);
        const att = blk.scope("attention");
        const a = selfAttention(att, h, {
          numHeads: g.heads,
          qkvBias: config.options.qkvBias === true,
          attnDrop,
          projDrop: hiddenDrop,
          keyMask: mask,
        });
        h = layerNorm(att.scope("LayerNorm"), add(h, a), { eps: LN_EPS });
        const inter = blk.scope("intermediate");
        let f = linear(inter.scope("dense"), h, g.intermediate, vit);
        f = applyActivation(inter.scope("act"), sites.activation, site(g.intermediate), f);
        const out = blk.scope("output");
        f = dropout(out.scope("dropout"), linear(out.scope("dense"), f, g.hidden, vit), hiddenDrop);
        h = layerNorm(out.scope("LayerNorm"), add(h, f), { eps: LN_EPS });
        observeResponse(blk.scope("response"), sites.regulariser, site(g.hidden), h);
      }
      const pooled = tanh(linear(ctx.scope("pooler.dense"), poolTokens(h, "token"), g.hidden, vit));
      const d = dropout(ctx.scope("classifier_drop"), pooled, hiddenDrop);
      return linear(ctx.scope("classifier"), d, config.numClasses, vit);
    };
  },
};

/** The resolved geometry of a `bert` model's options (defaults filled in). */
export function bertGeometry(options: ModelOptions): BertGeometry {
  const all = { ...DEFAULTS, ...options };
  return geometry(all, (k) => Number(all[k]));
}
