/**
 * `bert`: exact parameter counts of the four published sizes; a checkpoint
 * in Hugging Face's layout written with random weights and loaded with
 * `initFrom` gives the logits of a hand-written float64 BERT forward (with
 * padding; ReLU and GELU); the HF name mapping; and checkpoint mismatches,
 * bad options and models without an importer are clear errors.
 */
import assert from "node:assert/strict";
import "../mod.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { erf } from "../backends/reference/kernels/math.ts";
import { ActlabError } from "../core/errors.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import { encodeSafetensors } from "../data/safetensors.ts";
import { bertGeometry } from "../models/bert.ts";
import { hfNamesOf, importBertWeights } from "../models/bert_weights.ts";
import { createModel, paramCount } from "../models/registry.ts";
import { textBatch, textTask, textTaskForShape } from "../tasks/text.ts";
import { buildStepGraph } from "../train/step_graph.ts";
import { resolveConfig } from "../train/config.ts";
import { Run } from "../train/run.ts";
import { lcg } from "./gradcheck.ts";
import { keywordExamples, TEST_VOCAB, testTokenizer } from "./text_fixtures.ts";

Deno.test("bert parameter counts equal the published ones (30,522-token vocabulary)", () => {
  // BertModel (pooler included): 12·(4·(H²+H) + 2H·4H + 4H + H + 4H) + embeddings + pooler.
  const published: Record<string, number> = {
    tiny: 4_385_920,
    mini: 11_170_560,
    small: 28_763_648,
    base: 109_482_240,
  };
  for (const [size, n] of Object.entries(published)) {
    const h = bertGeometry({ size }).hidden;
    // The classifier head adds H·K + K.
    assert.equal(paramCount("bert", [128], 2, { size }), n + 2 * h + 2, size);
  }
  assert.deepEqual(bertGeometry({ size: "mini" }), {
    layers: 4,
    hidden: 256,
    heads: 4,
    intermediate: 1024,
    vocabSize: 30522,
    maxPosition: 512,
    typeVocabSize: 2,
  });
});

Deno.test("bert sites: the FFN activation pooled at [CLS] per block, block outputs for ARR", () => {
  const model = createModel("bert", {
    numClasses: 3,
    inputShape: [6],
    size: "tiny",
    layers: 3,
    hidden: 8,
    heads: 2,
    vocabSize: 20,
    activation: "dpa",
    regulariser: "arr",
  });
  const task = textTaskForShape({ maxLength: 6, numClasses: 3, vocabSize: 20 });
  const step = buildStepGraph({ model, task, phase: "train", batchSize: 4 });
  const sites = step.record.activationOutputs;
  assert.deepEqual(
    sites.map((s) => s.name),
    [0, 1, 2].map((i) => `encoder.layer.${i}.intermediate.act`),
  );
  for (const s of sites) {
    assert.deepEqual(s.site, { channels: 32, layout: "tokens", pooling: "token" });
    assert.deepEqual(s.output.shape, [4, 6, 32]);
  }
  assert.deepEqual([...step.lossTerms.keys()].sort(), ["arr", "ce", "dpa_channel"]);
  // Dropout 0.1 on embeddings, attention probabilities, both residual branches and the pooler.
  const drops = [...step.record.hostFeeds.keys()].filter((k) => k.startsWith("encoder.layer.0."));
  assert.deepEqual(drops.sort(), [
    "encoder.layer.0.attention.attn_drop.mask",
    "encoder.layer.0.attention.proj_drop.mask",
    "encoder.layer.0.output.dropout.mask",
  ]);
  assert.ok(step.record.hostFeeds.has("embeddings.dropout.mask"));
  assert.ok(step.record.hostFeeds.has("classifier_drop.mask"));
});

Deno.test("bert: bad options and inputs are clear errors", () => {
  const make = (opts: Record<string, unknown>, shape = [8]) =>
    createModel("bert", { numClasses: 2, inputShape: shape, ...opts } as never);
  assert.throws(() => make({ size: "huge" }), /unknown size "huge".*tiny\|mini\|small\|base/s);
  assert.throws(() => make({ size: "tiny", heads: 3 }), /hidden 128 is not divisible by heads 3/);
  assert.throws(() => make({ size: "tiny" }, [600]), /600 tokens exceed maxPosition 512/);
  assert.throws(() => make({ size: "tiny", dropout: 1 }), ActlabError);
  assert.throws(() => make({ size: "tiny" }, [3, 8, 8]), /inputShape must be 1 dimension/);
});

// ---------------------------------------------------------------------------
// A hand-written BERT forward in float64 over Hugging Face tensors.

const L = 2, HID = 8, HEADS = 2, INTER = 12, POS = 16, T = 9, K = 3;
const V = TEST_VOCAB.length;

type Weights = Map<string, Float32Array>;

function hfWeights(seed: number): Record<string, { shape: number[]; data: Float32Array }> {
  const r = lcg(seed);
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  const put = (name: string, shape: number[], scale = 0.5, offset = 0) => {
    const n = shape.reduce((a, d) => a * d, 1);
    out[name] = {
      shape,
      data: Float32Array.from({ length: n }, () => offset + (r() * 2 - 1) * scale),
    };
  };
  put("bert.embeddings.word_embeddings.weight", [V, HID]);
  put("bert.embeddings.position_embeddings.weight", [POS, HID]);
  put("bert.embeddings.token_type_embeddings.weight", [2, HID]);
  put("bert.embeddings.LayerNorm.weight", [HID], 0.3, 1);
  put("bert.embeddings.LayerNorm.bias", [HID], 0.2);
  for (let i = 0; i < L; i++) {
    const p = `bert.encoder.layer.${i}`;
    for (const m of ["query", "key", "value"]) {
      put(`${p}.attention.self.${m}.weight`, [HID, HID]);
      put(`${p}.attention.self.${m}.bias`, [HID], 0.2);
    }
    put(`${p}.attention.output.dense.weight`, [HID, HID]);
    put(`${p}.attention.output.dense.bias`, [HID], 0.2);
    put(`${p}.attention.output.LayerNorm.weight`, [HID], 0.3, 1);
    put(`${p}.attention.output.LayerNorm.bias`, [HID], 0.2);
    put(`${p}.intermediate.dense.weight`, [INTER, HID]);
    put(`${p}.intermediate.dense.bias`, [INTER], 0.2);
    put(`${p}.output.dense.weight`, [HID, INTER]);
    put(`${p}.output.dense.bias`, [HID], 0.2);
    put(`${p}.output.LayerNorm.weight`, [HID], 0.3, 1);
    put(`${p}.output.LayerNorm.bias`, [HID], 0.2);
  }
  put("bert.pooler.dense.weight", [HID, HID]);
  put("bert.pooler.dense.bias", [HID], 0.2);
  // Pretraining leftovers a real bert-base-uncased file has: recognised and ignored.
  put("cls.predictions.bias", [V]);
  put("bert.embeddings.position_ids", [1, POS]);
  return out;
}

/** y = x·Wᵀ + b for one row. */
function dense(w: Weights, name: string, x: number[]): number[] {
  const wt = w.get(`${name}.weight`)!, b = w.get(`${name}.bias`)!;
  const n = x.length;
  return Array.from(b, (bo, o) => x.reduce((s, xi, i) => s + xi * wt[o * n + i], bo));
}

function layerNorm(w: Weights, name: string, x: number[]): number[] {
  const g = w.get(`${name}.weight`)!, b = w.get(`${name}.bias`)!;
  const m = x.reduce((a, v) => a + v, 0) / x.length;
  const v = x.reduce((a, t) => a + (t - m) ** 2, 0) / x.length;
  return x.map((t, i) => ((t - m) / Math.sqrt(v + 1e-12)) * g[i] + b[i]);
}

const ACT: Record<string, (x: number) => number> = {
  relu: (x) => Math.max(0, x),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
};

/** Logits of one sequence (`len` tokens, the rest padding) under BertForSequenceClassification. */
function forward(w: Weights, ids: number[], types: number[], len: number, act: string): number[] {
  const row = (name: string, i: number) =>
    Array.from(w.get(`bert.embeddings.${name}.weight`)!.subarray(i * HID, (i + 1) * HID));
  let h = ids.map((id, t) => {
    const e = row("word_embeddings", id), p = row("position_embeddings", t);
    const s = row("token_type_embeddings", types[t]);
    return layerNorm(w, "bert.embeddings.LayerNorm", e.map((v, c) => v + p[c] + s[c]));
  });
  const d = HID / HEADS;
  for (let l = 0; l < L; l++) {
    const p = `bert.encoder.layer.${l}`;
    const q = h.map((x) => dense(w, `${p}.attention.self.query`, x));
    const k = h.map((x) => dense(w, `${p}.attention.self.key`, x));
    const v = h.map((x) => dense(w, `${p}.attention.self.value`, x));
    const ctx = h.map((_, i) => {
      const out = new Array(HID).fill(0);
      for (let a = 0; a < HEADS; a++) {
        // Only the `len` real tokens are keys.
        const s = Array.from({ length: len }, (_, j) => {
          let dot = 0;
          for (let c = a * d; c < (a + 1) * d; c++) dot += q[i][c] * k[j][c];
          return dot / Math.sqrt(d);
        });
        const mx = Math.max(...s);
        const e = s.map((x) => Math.exp(x - mx));
        const z = e.reduce((x, y) => x + y, 0);
        for (let j = 0; j < len; j++) {
          for (let c = a * d; c < (a + 1) * d; c++) out[c] += (e[j] / z) * v[j][c];
        }
      }
      return out;
    });
    h = h.map((x, i) => {
      const o = dense(w, `${p}.attention.output.dense`, ctx[i]);
      const a = layerNorm(w, `${p}.attention.output.LayerNorm`, x.map((t, c) => t + o[c]));
      const f = dense(w, `${p}.intermediate.dense`, a).map(ACT[act]);
      const y = dense(w, `${p}.output.dense`, f);
      return layerNorm(w, `${p}.output.LayerNorm`, a.map((t, c) => t + y[c]));
    });
  }
  const pooled = dense(w, "bert.pooler.dense", h[0]).map(Math.tanh);
  return dense(w, "classifier", pooled);
}

const MODEL_OPTIONS = {
  size: "tiny",
  layers: L,
  hidden: HID,
  heads: HEADS,
  intermediate: INTER,
  maxPosition: POS,
};

Deno.test("initFrom: a Hugging Face BERT checkpoint gives the logits of a hand-written forward", async () => {
  const hf = hfWeights(5);
  const dir = await Deno.makeTempDir({ prefix: "actlab_bert_init_" });
  const file = `${dir}/model.safetensors`;
  await Deno.writeFile(file, encodeSafetensors(hf));
  const dataset = {
    name: "kw",
    numClasses: K,
    classNames: ["a", "b", "c"],
    train: keywordExamples(8, 1).map((e, i) => ({ ...e, label: i % K })),
    test: keywordExamples(6, 2),
    source: "generated",
  };
  try {
    for (const act of ["relu", "gelu"]) {
      const task = textTask({ dataset, tokenizer: testTokenizer(), maxLength: T });
      const config = resolveConfig({
        out: dir,
        task: "text",
        model: "bert",
        modelOptions: MODEL_OPTIONS,
        activation: act,
        batchSize: 4,
        evalBatchSize: 4,
        initFrom: file,
      });
      const run = await Run.open(config, { backend: referenceBackend, task });
      try {
        assert.deepEqual(run.initFrom?.fresh, ["classifier.weight", "classifier.bias"]);
        assert.deepEqual(
          [...run.initFrom!.ignored].sort(),
          ["bert.embeddings.position_ids", "cls.predictions.bias"],
        );
        assert.equal(run.initFrom!.loaded, run.trainStep.record.params.length - 2);
        await run.syncEvalState();
        const state = await run.readState();
        const w: Weights = new Map(Object.entries(hf).map(([k, t]) => [k, t.data]));
        w.set("classifier.weight", state["classifier.weight"].data as Float32Array);
        w.set("classifier.bias", state["classifier.bias"].data as Float32Array);
        // A pair sequence with padding, a short one, a full one, and one of only [CLS] [SEP].
        const enc = [
          ["good movie", "the plot was long"],
          ["bad"],
          ["the actor was very good and the scene was long"],
          [""],
        ].map(([a, b]) => task.tokenizer.encode(a, b, T));
        const ids = new Int32Array(4 * T), types = new Int32Array(4 * T);
        const mask = new Float32Array(4 * T);
        enc.forEach((e, r) => {
          ids.set(e.ids, r * T);
          types.set(e.typeIds, r * T);
          mask.fill(1, r * T, r * T + e.ids.length);
        });
        assert.ok(enc[1].ids.length < T && enc[2].ids.length === T, "padded and full rows");
        const labels = Int32Array.of(0, 1, 2, 0);
        const logits = (await run.evalOn(textBatch(ids, types, mask, labels), 0)).logits.data;
        enc.forEach((e, r) => {
          const want = forward(
            w,
            Array.from(ids.subarray(r * T, (r + 1) * T)),
            Array.from(types.subarray(r * T, (r + 1) * T)),
            e.ids.length,
            act,
          );
          for (let c = 0; c < K; c++) {
            const got = logits[r * K + c];
            assert.ok(
              Math.abs(got - want[c]) < 2e-5 * (1 + Math.abs(want[c])),
              `${act} row ${r} class ${c}: ${got} vs ${want[c]}`,
            );
          }
        });
      } finally {
        run.dispose();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HF names: fused qkv from query/key/value rows, attention output renamed", () => {
  assert.deepEqual(hfNamesOf("encoder.layer.3.attention.qkv.weight"), [
    "encoder.layer.3.attention.self.query.weight",
    "encoder.layer.3.attention.self.key.weight",
    "encoder.layer.3.attention.self.value.weight",
  ]);
  assert.deepEqual(hfNamesOf("encoder.layer.0.attention.proj.bias"), [
    "encoder.layer.0.attention.output.dense.bias",
  ]);
  assert.deepEqual(hfNamesOf("encoder.layer.1.attention.LayerNorm.weight"), [
    "encoder.layer.1.attention.output.LayerNorm.weight",
  ]);
  assert.deepEqual(hfNamesOf("pooler.dense.weight"), ["pooler.dense.weight"]);
  // Stacking: qkv rows are q's rows, then k's, then v's; gamma/beta and no prefix accepted.
  const t = (shape: number[], v: number): HostTensor => ({
    dtype: "f32",
    shape,
    data: new Float32Array(shape.reduce((a, d) => a * d, 1)).fill(v),
  });
  const params = new Map([
    ["encoder.layer.0.attention.qkv.weight", [6, 2]],
    ["embeddings.LayerNorm.weight", [2]],
  ]);
  const got = importBertWeights(
    new Map([
      ["encoder.layer.0.attention.self.query.weight", t([2, 2], 1)],
      ["encoder.layer.0.attention.self.key.weight", t([2, 2], 2)],
      ["encoder.layer.0.attention.self.value.weight", t([2, 2], 3)],
      ["bert.embeddings.LayerNorm.gamma", t([2], 7)],
    ]),
    params,
    "f.safetensors",
  );
  assert.deepEqual(
    Array.from(got.values["encoder.layer.0.attention.qkv.weight"].data),
    [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3],
  );
  assert.deepEqual(Array.from(got.values["embeddings.LayerNorm.weight"].data), [7, 7]);
});

Deno.test("initFrom: missing, unexpected and mismatched tensors are one error listing them", async () => {
  const hf = hfWeights(6);
  delete hf["bert.encoder.layer.1.output.dense.bias"];
  delete hf["bert.encoder.layer.0.attention.self.key.weight"];
  hf["bert.encoder.layer.0.extra.weight"] = { shape: [2], data: Float32Array.of(1, 2) };
  hf["bert.pooler.dense.weight"] = {
    shape: [HID, HID + 1],
    data: new Float32Array(HID * (HID + 1)),
  };
  const dir = await Deno.makeTempDir({ prefix: "actlab_bert_bad_" });
  const file = `${dir}/bad.safetensors`;
  await Deno.writeFile(file, encodeSafetensors(hf));
  const dataset = {
    name: "kw",
    numClasses: 2,
    classNames: ["a", "b"],
    train: keywordExamples(8, 1),
    test: keywordExamples(4, 2),
    source: "generated",
  };
  const task = textTask({ dataset, tokenizer: testTokenizer(), maxLength: T });
  const open = (model: string, initFrom: string, modelOptions: Record<string, unknown>) =>
    Run.open(
      resolveConfig({
        out: dir,
        task: "text",
        model,
        modelOptions: modelOptions as never,
        activation: "relu",
        batchSize: 4,
        evalBatchSize: 4,
        initFrom,
      }),
      { backend: referenceBackend, task },
    );
  try {
    await assert.rejects(open("bert", file, MODEL_OPTIONS), (e: unknown) => {
      assert.ok(e instanceof ActlabError);
      assert.match(e.message, /bad\.safetensors does not fit this bert model/);
      assert.match(
        e.message,
        /missing \(2\): encoder\.layer\.0\.attention\.self\.key\.weight, encoder\.layer\.1\.output\.dense\.bias/,
      );
      assert.match(e.message, /unexpected \(1\): bert\.encoder\.layer\.0\.extra\.weight/);
      assert.match(
        e.message,
        /shape mismatch \(1\): bert\.pooler\.dense\.weight: \[8, 9\] in the file, \[8, 8\] in the model/,
      );
      return true;
    });
    // Another size than the file's: every mismatch is named, nothing is half-loaded.
    await assert.rejects(open("bert", file, { ...MODEL_OPTIONS, hidden: 4 }), /shape mismatch/);
    await assert.rejects(
      open("bert", `${dir}/missing.safetensors`, MODEL_OPTIONS),
      /cannot read .*missing\.safetensors/,
    );
    await assert.rejects(open("mlp", file, {}), /model "mlp" cannot load pretrained weights/);
    assert.throws(
      () => resolveConfig({ out: dir, initFrom: `${dir}/weights.bin` }),
      /--init-from .*weights\.bin is not a \.safetensors file/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
