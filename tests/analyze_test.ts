/**
 * `analyze`: the class-mean matrices against a direct computation (raw site
 * outputs one image at a time, pooled and averaged on the host), the
 * statistics on a hand-made case, and the CLI's files and bad-input errors.
 */
import assert from "node:assert/strict";
import "../mod.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import { loadDataset } from "../data/dataset.ts";
import { createModel, type ModelOptions } from "../models/registry.ts";
import { analysisSvg, analyzeCheckpoint, siteStatistics } from "../analyze/analyze.ts";
import { loadCheckpoint, saveCheckpoint } from "../train/checkpoint.ts";
import { train } from "../train/engine.ts";
import { imageTaskForShape } from "../tasks/image.ts";
import { buildStepGraph } from "../train/step_graph.ts";
import { cli, exists } from "./cli_run.ts";

const SYN = { imageSize: 8, numClasses: 3, trainSize: 48, testSize: 20 };

async function tinyRun(dir: string, model: string, activation: string, modelOptions: ModelOptions) {
  await train({
    model,
    modelOptions,
    activation,
    backend: "reference",
    dataset: "synthetic",
    synthetic: SYN,
    batchSize: 16,
    evalBatchSize: 8, // 20 test images: the last batch is padded
    steps: 3,
    out: dir,
  }, { progress: false, log: () => {} });
  return `${dir}/last.ckpt`;
}

/** Class means computed the plain way: one image per run, raw site outputs, pooled on the host. */
async function directClassMeans(ckptPath: string): Promise<number[][][]> {
  const ckpt = await loadCheckpoint(ckptPath);
  const cfg = ckpt.meta.config as {
    model: string;
    modelOptions: ModelOptions;
    activation: string;
  };
  const ds = await loadDataset("synthetic", "test", { synthetic: SYN });
  const model = createModel(cfg.model, {
    ...cfg.modelOptions,
    numClasses: 3,
    inputShape: ds.shape,
    activation: cfg.activation,
  });
  const task = imageTaskForShape({
    inputShape: ds.shape,
    numClasses: 3,
    mean: ds.mean,
    std: ds.std,
  });
  const step = buildStepGraph({ model, task, phase: "eval", batchSize: 1 });
  const sites = step.record.activationOutputs;
  sites.forEach((s, i) => step.graph.output(`raw.${i}`, s.output));
  const exe = await referenceBackend.compile(step.graph);
  const state: Record<string, HostTensor> = {};
  for (const name of step.graph.states.keys()) state[name] = ckpt.tensors[name];
  await exe.writeState(state);
  const size = 64;
  const sums = sites.map((s) => [0, 1, 2].map(() => new Array(s.site.channels).fill(0)));
  const counts = [0, 0, 0];
  for (let i = 0; i < ds.n; i++) {
    const x = Float32Array.from(ds.images.subarray(i * size, (i + 1) * size), (v) => v / 255);
    const k = ds.labels[i];
    counts[k]++;
    const out = await exe.run({
      x: { dtype: "f32", shape: [1, 1, 8, 8], data: x },
      labels: { dtype: "i32", shape: [1], data: Int32Array.of(k) },
    });
    sites.forEach((s, j) => {
      const raw = out[`raw.${j}`];
      const c = s.site.channels;
      for (let ch = 0; ch < c; ch++) {
        let v: number;
        if (s.site.layout === "features") v = raw.data[ch];
        else if (s.site.layout === "tokens") v = raw.data[ch]; // token 0 = class token
        else {
          const hw = raw.shape[2] * raw.shape[3];
          v = 0;
          for (let p = 0; p < hw; p++) v += raw.data[ch * hw + p];
          v /= hw;
        }
        sums[j][k][ch] += v;
      }
    });
  }
  exe.dispose();
  return sums.map((rows) => rows.map((r, k) => r.map((v) => v / counts[k])));
}

Deno.test("analyze: class means match a direct computation (nchw, tokens and features sites)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "actlab_analyze_" });
  try {
    const cases: [string, string, ModelOptions, string][] = [
      ["convnet", "relu", { channels: [4, 6] }, "nchw"],
      ["vit_micro", "dpa", { embedDim: 12, depth: 2, numHeads: 2 }, "tokens"],
      ["mlp", "gelu", { widths: [10] }, "features"],
    ];
    for (const [model, activation, opts, layout] of cases) {
      const ckpt = await tinyRun(`${dir}/${model}`, model, activation, opts);
      const a = await analyzeCheckpoint(ckpt);
      const want = await directClassMeans(ckpt);
      assert.equal(a.images, 20);
      assert.equal(a.classCounts.reduce((x, y) => x + y), 20);
      assert.equal(a.sites.length, want.length, model);
      assert.ok(a.sites.every((s) => s.site.layout === layout), model);
      a.sites.forEach((s, i) => {
        assert.equal(s.classMeans.length, 3);
        s.classMeans.forEach((row, k) =>
          row.forEach((v, c) =>
            assert.ok(
              Math.abs(v - want[i][k][c]) <= 1e-5 * (1 + Math.abs(v)),
              `${model} ${s.name} [${k},${c}]: ${v} vs ${want[i][k][c]}`,
            )
          )
        );
        assert.deepEqual([...s.channelOrder].sort((x, y) => x - y), [...row(s.site.channels)]);
        assert.ok(s.sparsity >= 0 && s.sparsity <= 1 && s.specificity <= 1, model);
      });
      // GELU is never exactly zero; ReLU after a conv is, sometimes.
      if (activation === "gelu") assert.ok(a.sites.every((s) => s.sparsity === 0));
      const svg = analysisSvg(a);
      assert.equal((svg.match(/<svg x=/g) ?? []).length, a.sites.length, "one panel per site");
      assert.equal(
        (svg.match(/class="cell"/g) ?? []).length,
        a.sites.reduce((n, s) => n + 3 * s.site.channels, 0),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function row(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

Deno.test("siteStatistics: class means, sparsity, specificity and channel order by hand", () => {
  // K=2, C=3. Sums per class; class 0 has 2 images, class 1 has 1.
  const s = siteStatistics([Float64Array.of(2, 0, 1), Float64Array.of(0, 0, -3)], [2, 1], 2, 3);
  assert.deepEqual(s.classMeans, [[1, 0, 0.5], [0, 0, -3]]);
  // ch0: all class 0 (share 1); ch1: silent; ch2: |−3| / (0.5 + 3) for class 1.
  assert.ok(Math.abs(s.specificity - (1 + 3 / 3.5) / 2) < 1e-12);
  assert.equal(s.silentChannels, 1);
  assert.deepEqual(s.channelOrder, [0, 2, 1]);
  assert.equal(s.sparsity, 2 / 9);
});

const analyze = (args: string[]) => cli("analyze", args);

Deno.test("cli analyze: writes the heatmaps and JSON; bad input exits 1 and writes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "actlab_analyze_cli_" });
  try {
    const ckpt = await tinyRun(`${dir}/run`, "mlp", "relu", { widths: [10, 6] });
    const ok = await analyze(["--checkpoint", ckpt, "--out", `${dir}/a`]);
    assert.equal(ok.code, 0, ok.stderr);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/a/analysis_test.json`));
    assert.deepEqual(json.sites.map((s: { name: string }) => s.name), [
      "layers.0.act",
      "layers.1.act",
    ]);
    assert.equal(json.sites[1].classMeans.length, 3);
    assert.equal(json.sites[1].classMeans[0].length, 6);
    const svg = await Deno.readTextFile(`${dir}/a/heatmaps_test.svg`);
    assert.equal((svg.match(/<svg x=/g) ?? []).length, 2);

    await Deno.writeFile(`${dir}/corrupt.ckpt`, new TextEncoder().encode("ACTLABCK garbage"));
    const stored = await loadCheckpoint(ckpt);
    const config = stored.meta.config as Record<string, unknown>;
    await saveCheckpoint(`${dir}/other.ckpt`, {
      meta: { ...stored.meta, config: { ...config, model: "convnet", modelOptions: {} } },
      tensors: stored.tensors,
    });
    const cases: [string[], RegExp][] = [
      [["--checkpoint", `${dir}/missing.ckpt`], /missing\.ckpt does not exist/],
      [["--checkpoint", `${dir}/corrupt.ckpt`], /corrupt\.ckpt: (format version|truncated)/],
      [["--checkpoint", `${dir}/other.ckpt`], /does not fit model "convnet"[\s\S]*no tensor/],
      [["--checkpoint", ckpt, "--split", "val"], /--split must be test or train/],
      [[], /--checkpoint is required/],
    ];
    for (const [args, re] of cases) {
      const r = await analyze([...args, "--out", `${dir}/bad`]);
      assert.equal(r.code, 1, `${args}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.ok(!r.stderr.includes("    at "), "no stack trace");
      assert.equal(await exists(`${dir}/bad`), false, `${args} wrote nothing`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
