/**
 * PVT-Tiny and TNT-Small: parameter counts of the training graph in both
 * geometries, where the activation sites sit and what DPA pools there (TNT's
 * inner sites per image), input sizes the patch chains cannot tile, and a
 * reference training step at a tiny size for relu, gelu and dpa. The layers
 * they add (`nn/sr_attention.ts`, `nn/pixel_embed.ts`) are checked in
 * tests/pvt_tnt_layers_test.ts.
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import "../models/mod.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { ActlabError } from "../core/errors.ts";
import { createModel, type ModelOptions } from "../models/registry.ts";
import { poolSite } from "../plugin/site_tensor.ts";
import type { Site } from "../plugin/types.ts";
import { imageBatch } from "../tasks/image.ts";
import { resolveConfig } from "../train/config.ts";
import { Run } from "../train/run.ts";
import { buildLayer, compile, feedsFor, randomValues } from "./build_harness.ts";
import { lcg } from "./gradcheck.ts";
import { shapeTask as task, trainParams } from "./model_counts.ts";

Deno.test("ImageNet geometry (224 px, 1000 classes): counts as the headers state, within 0.5 % of the papers'", () => {
  const pvt = trainParams("pvt_tiny", 224, 1000);
  const tnt = trainParams("tnt_small", 224, 1000);
  assert.equal(pvt, 13_229_288);
  assert.equal(tnt, 23_755_336);
  assert.ok(Math.abs(pvt / 13.2e6 - 1) < 0.005, `PVT-Tiny ${pvt} vs the paper's 13.2 M`);
  assert.ok(Math.abs(tnt / 23.8e6 - 1) < 0.005, `TNT-S ${tnt} vs the paper's 23.8 M`);
});

Deno.test("CIFAR geometry (32 px, 10 classes): counts as the headers state", () => {
  assert.equal(trainParams("pvt_tiny", 32, 10), 12_340_490);
  assert.equal(trainParams("tnt_small", 32, 10), 21_525_298);
  // The toolbox's tnt_s_patch4_32: patch 4, stride 4, so one pixel token per patch.
  const model = createModel("tnt_small", { numClasses: 10, inputShape: [3, 32, 32] });
  const b = buildLayer("eval", [1, 3, 32, 32], (ctx, x) => model.build(ctx, x), 10);
  const pos = b.ctx.record.params.find((p) => p.name === "pixel_embed.pixel_pos")!.tensor.shape;
  assert.deepEqual(pos, [1, 24, 1, 1]);
  assert.deepEqual(b.ctx.record.params.find((p) => p.name === "patch_pos")!.tensor.shape, [
    1,
    65,
    384,
  ]);
});

const TINY_PVT: ModelOptions = {
  embedDims: [4, 8, 8, 12],
  numHeads: [1, 2, 2, 3],
  mlpRatios: [2, 2, 1, 1],
  depths: [1, 1, 1, 1],
};
const TINY_TNT: ModelOptions = {
  embedDim: 12,
  innerDim: 4,
  depth: 2,
  numHeads: 3,
  innerHeads: 2,
  patchSize: 4,
  pixelStride: 2,
};

function sitesOf(model: string, size: number, options: ModelOptions): string[] {
  const m = createModel(model, { numClasses: 4, inputShape: [3, size, size], ...options });
  const b = buildLayer("eval", [1, 3, size, size], (ctx, x) => m.build(ctx, x), 4);
  const fmt = (o: { name: string; site: Site }) =>
    `${o.name}:${o.site.layout}/${o.site.pooling}/${o.site.channels}`;
  return b.ctx.record.activationOutputs.map(fmt);
}

Deno.test("activation sites: every MLP hidden layer; PVT pools the token mean in stages 1-3, the class token in 4", () => {
  assert.deepEqual(sitesOf("pvt_tiny", 32, TINY_PVT), [
    "block1.0.mlp.act:tokens/avg/8",
    "block2.0.mlp.act:tokens/avg/16",
    "block3.0.mlp.act:tokens/avg/8",
    "block4.0.mlp.act:tokens/token/12",
  ]);
  assert.deepEqual(sitesOf("tnt_small", 8, TINY_TNT), [
    "blocks.0.mlp_in.act:tokens/avg/16",
    "blocks.0.mlp.act:tokens/token/48",
    "blocks.1.mlp_in.act:tokens/avg/16",
    "blocks.1.mlp.act:tokens/token/48",
  ]);
});

Deno.test("TNT inner sites pool per image: a sample's pooled value is the mean over its own patches and pixels", async () => {
  // 8 px, patch 4, stride 2: 4 patches of 2x2 pixels per image, inner hidden 16.
  const size = 8;
  const batch = 3;
  const model = createModel("tnt_small", {
    numClasses: 4,
    inputShape: [3, size, size],
    ...TINY_TNT,
  });
  const pooledOf = async (n: number, x: number[]) => {
    const b = buildLayer("eval", [n, 3, size, size], (ctx, t) => model.build(ctx, t), 4);
    const inner = b.ctx.record.activationOutputs.find((o) => o.name === "blocks.1.mlp_in.act")!;
    assert.deepEqual(inner.output.shape, [n, 4 * 4, 16], "[B, N·k², hidden]");
    b.graph.output("pooled", poolSite("test", inner.site, inner.output));
    b.graph.output("site", inner.output);
    const out = await (await compile(b, { seed: 4 })).run(feedsFor(b, x));
    return { pooled: out.pooled.data, site: out.site.data };
  };
  const xs = randomValues(batch * 3 * size * size, 11);
  const all = await pooledOf(batch, xs);
  const per = 3 * size * size;
  for (let s = 0; s < batch; s++) {
    // Direct: the same image alone (batch 1), the plain mean of every pixel token of every patch.
    const alone = await pooledOf(1, xs.slice(s * per, (s + 1) * per));
    for (let c = 0; c < 16; c++) {
      let direct = 0;
      for (let t = 0; t < 16; t++) direct += alone.site[t * 16 + c] / 16;
      const got = all.pooled[s * 16 + c];
      assert.ok(
        Math.abs(got - direct) <= 1e-9 * (1 + Math.abs(direct)),
        `sample ${s} channel ${c}`,
      );
    }
  }
  // Not a batch-wide mean: the samples' pooled vectors differ.
  assert.notDeepEqual(all.pooled.slice(0, 16), all.pooled.slice(16, 32));
});

Deno.test("input sizes the patch chains do not tile: an error naming the model, the size and the accepted sizes", () => {
  const throwsWith = (name: string, shape: number[], options: ModelOptions, fragments: string[]) =>
    assert.throws(
      () => createModel(name, { numClasses: 10, inputShape: shape, ...options }),
      (e: unknown) =>
        e instanceof ActlabError &&
        fragments.every((f) => `${e.message} ${e.hint}`.includes(f)),
    );
  throwsWith("pvt_tiny", [3, 48, 48], {}, ['model "pvt_tiny"', "48x48", "multiples of 32", "224"]);
  throwsWith("pvt_tiny", [3, 32, 32], { srRatios: [8, 8, 2, 1] }, [
    "32x32",
    "multiples of 64",
  ]);
  throwsWith("tnt_small", [3, 30, 30], {}, ['model "tnt_small"', "30x30", "multiples of 4"]);
  throwsWith("tnt_small", [3, 232, 232], {}, ["232x232", "16x16 patches", "multiples of 16"]);
  throwsWith("tnt_small", [3, 32, 32], { pixelStride: 3 }, ["pixelStride 3"]);
  throwsWith("pvt_tiny", [3, 32, 32], { srRatios: [8, 4, 2, 2] }, ["ratio 1 in the last stage"]);
  // Accepted: 64 px for PVT, 36 px (patch 4) for TNT.
  createModel("pvt_tiny", { numClasses: 10, inputShape: [3, 64, 64] });
  createModel("tnt_small", { numClasses: 10, inputShape: [3, 36, 36], patchSize: 4 });
});

const TINY: Record<string, { size: number; options: ModelOptions }> = {
  pvt_tiny: { size: 32, options: TINY_PVT },
  tnt_small: { size: 8, options: TINY_TNT },
};

for (const [model, { size, options }] of Object.entries(TINY)) {
  for (const activation of ["relu", "gelu", "dpa"]) {
    Deno.test(`reference training step: ${model} (tiny) × ${activation} has a finite loss`, async () => {
      const config = resolveConfig({
        out: "/tmp/unused",
        model,
        modelOptions: options,
        activation,
        activationOptions: activation === "dpa" ? { updateInterval: 1 } : {},
        batchSize: 4,
        evalBatchSize: 4,
        seed: 1,
      });
      const run = await Run.open(config, { backend: referenceBackend, task: task(size, 4) });
      try {
        const rand = lcg(5);
        const shape = [3, size, size];
        const x = Float32Array.from({ length: 4 * 3 * size * size }, () => rand());
        const labels = Int32Array.from([0, 1, 2, 3]);
        const losses: number[] = [];
        for (const step of [0, 1]) {
          const out = await run.trainExe.run(
            run.trainFeeds(imageBatch(x, labels, shape), step, 1e-2),
          );
          losses.push(out.loss.data[0]);
          assert.ok(Number.isFinite(out.loss.data[0]), `step ${step}: loss ${out.loss.data[0]}`);
        }
        assert.notEqual(losses[0], losses[1], "the step moved the parameters");
      } finally {
        run.dispose();
      }
    });
  }
}
