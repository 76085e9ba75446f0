/**
 * Maps a BERT checkpoint in Hugging Face's layout (`BertModel`,
 * `BertForPreTraining`, `BertForSequenceClassification` state dicts, e.g.
 * `bert-base-uncased/model.safetensors`) onto `bert`'s parameters
 * (`--init-from`). Names, with an optional `bert.` prefix on the HF side:
 *
 * | actlab                                          | Hugging Face                                                  |
 * |-------------------------------------------------|---------------------------------------------------------------|
 * | embeddings.{word,position,token_type}_embeddings.weight | same                                                   |
 * | embeddings.LayerNorm.{weight,bias}              | same (old TF conversions: `.gamma`, `.beta`)                  |
 * | encoder.layer.N.attention.qkv.{weight,bias}     | rows of `attention.self.query`, `.key`, `.value` stacked      |
 * | encoder.layer.N.attention.proj.{weight,bias}    | `encoder.layer.N.attention.output.dense`                      |
 * | encoder.layer.N.attention.LayerNorm.*           | `encoder.layer.N.attention.output.LayerNorm`                  |
 * | encoder.layer.N.{intermediate,output}.dense.*   | same                                                          |
 * | encoder.layer.N.output.LayerNorm.*              | same                                                          |
 * | pooler.dense.*                                  | same                                                          |
 * | classifier.*                                    | `classifier.*` (no prefix); absent → seeded init, listed      |
 *
 * Linear weights are `[out, in]` on both sides (actlab's `linear` keeps
 * PyTorch's layout), so nothing is transposed; the fused qkv weight is the
 * three `[H, H]` weights stacked as rows in q, k, v order — the order
 * `nn/attention.ts` splits them in. Pretraining heads (`cls.*`) and the
 * `position_ids` buffer are recognised and ignored (listed); any other
 * tensor is unexpected. Missing, unexpected and shape-mismatched tensors
 * are one error listing all of them.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { HostTensor, Shape } from "../core/host_tensor.ts";
import type { WeightImport } from "./registry.ts";

/** HF names (without the `bert.` prefix) whose tensors are recognised but not used. */
function ignorable(name: string): boolean {
  return name.startsWith("cls.") || name.endsWith("position_ids");
}

/** The HF name(s) of an actlab parameter: one name, or the q/k/v triple of a fused qkv. */
export function hfNamesOf(param: string): string[] {
  const qkv = /^(encoder\.layer\.\d+\.attention)\.qkv\.(weight|bias)$/.exec(param);
  if (qkv) return ["query", "key", "value"].map((p) => `${qkv[1]}.self.${p}.${qkv[2]}`);
  const proj = /^(encoder\.layer\.\d+\.attention)\.proj\.(weight|bias)$/.exec(param);
  if (proj) return [`${proj[1]}.output.dense.${proj[2]}`];
  const ln = /^(encoder\.layer\.\d+\.attention)\.LayerNorm\.(weight|bias)$/.exec(param);
  if (ln) return [`${ln[1]}.output.LayerNorm.${ln[2]}`];
  return [param];
}

const fmt = (s: readonly number[]) => `[${s.join(", ")}]`;

/** Normalise a file's tensor names: no `bert.` prefix, `gamma`/`beta` → `weight`/`bias`. */
function normalised(tensors: ReadonlyMap<string, HostTensor>): Map<string, [string, HostTensor]> {
  const out = new Map<string, [string, HostTensor]>();
  for (const [file, t] of tensors) {
    let n = file.startsWith("bert.") ? file.slice(5) : file;
    n = n.replace(/\.LayerNorm\.gamma$/, ".LayerNorm.weight").replace(
      /\.LayerNorm\.beta$/,
      ".LayerNorm.bias",
    );
    out.set(n, [file, t]);
  }
  return out;
}

/** Map HF BERT tensors onto `bert`'s parameters (see the module table). */
export function importBertWeights(
  tensors: ReadonlyMap<string, HostTensor>,
  params: ReadonlyMap<string, Shape>,
  source: string,
): WeightImport {
  const byName = normalised(tensors);
  const used = new Set<string>();
  const values: Record<string, HostTensor> = {};
  const missing: string[] = [], mismatched: string[] = [], fresh: string[] = [];
  for (const [param, shape] of params) {
    const names = hfNamesOf(param);
    const found = names.map((n) => byName.get(n));
    // Tensors that belong to a parameter are expected even when its set is incomplete.
    for (const f of found) if (f) used.add(f[0]);
    if (found.some((f) => !f)) {
      if (param.startsWith("classifier.") && found.every((f) => !f)) fresh.push(param);
      else missing.push(...names.filter((_, i) => !found[i]));
      continue;
    }
    const parts = found as [string, HostTensor][];
    // A fused qkv is three tensors of one third of the rows each.
    const partShape = parts.length === 1 ? shape : [shape[0] / 3, ...shape.slice(1)];
    const bad = parts.filter(([, t]) => fmt(t.shape) !== fmt(partShape));
    if (bad.length) {
      for (const [file, t] of bad) {
        mismatched.push(`${file}: ${fmt(t.shape)} in the file, ${fmt(partShape)} in the model`);
      }
      continue;
    }
    const data = new Float32Array(shape.reduce((a, d) => a * d, 1));
    let at = 0;
    for (const [, t] of parts) {
      data.set(t.data, at);
      at += t.data.length;
    }
    values[param] = { dtype: "f32", shape: [...shape], data };
  }
  const ignored: string[] = [], unexpected: string[] = [];
  for (const [n, [file]] of byName) {
    if (used.has(file)) continue;
    (ignorable(n) ? ignored : unexpected).push(file);
  }
  if (missing.length || unexpected.length || mismatched.length) {
    const list = (what: string, xs: string[]) =>
      xs.length ? `\n  ${what} (${xs.length}): ${xs.join(", ")}` : "";
    throw new ActlabError(
      `${source} does not fit this bert model:` + list("missing", missing) +
        list("unexpected", unexpected) + list("shape mismatch", mismatched),
      "use a checkpoint of the same size (--model-opt size=…, vocabSize, maxPosition) " +
        "in the Hugging Face BERT layout (see models/bert_weights.ts for the names)",
    );
  }
  return { values, fresh, ignored };
}
