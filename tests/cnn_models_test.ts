/**
 * The torchvision-geometry CNNs (alexnet, vgg11, vgg11_bn, resnet32, and
 * resnet18's `stem` option): exact parameter counts of the training graph in
 * both geometries, where the activation sites sit, input sizes the adaptive
 * pool cannot take, and a reference training step of each at a tiny width
 * for relu, gelu and dpa.
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import "../models/mod.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { ActlabError } from "../core/errors.ts";
import { sizeOf } from "../core/host_tensor.ts";
import { createModel, type ModelOptions } from "../models/registry.ts";
import type { Site } from "../plugin/types.ts";
import { imageBatch, imageTaskForShape } from "../tasks/image.ts";
import { resolveConfig } from "../train/config.ts";
import { resolvedFields } from "../train/engine.ts";
import { Run, stepGraphForRun } from "../train/run.ts";
import { buildLayer } from "./build_harness.ts";
import { lcg } from "./gradcheck.ts";

function task(size: number, numClasses: number, channels = 3) {
  return imageTaskForShape({
    inputShape: [channels, size, size],
    numClasses,
    mean: Array(channels).fill(0.5),
    std: Array(channels).fill(0.25),
  });
}

/** Parameters of `model`'s training graph (`stepGraphForRun`, as a run builds it). */
function trainParams(model: string, size: number, numClasses: number, options: ModelOptions = {}) {
  const config = resolveConfig({ out: "/tmp/unused", model, modelOptions: options, batchSize: 2 });
  const { step } = stepGraphForRun(config, task(size, numClasses), "train", 2);
  return step.record.params.reduce((n, p) => n + sizeOf(p.tensor.shape), 0);
}

Deno.test("ImageNet geometry (224 px, 1000 classes): parameter counts equal torchvision's", () => {
  assert.equal(trainParams("alexnet", 224, 1000), 61_100_840);
  assert.equal(trainParams("vgg11", 224, 1000), 132_863_336);
  assert.equal(trainParams("vgg11_bn", 224, 1000), 132_868_840);
  assert.equal(trainParams("resnet18", 224, 1000), 11_689_512);
  assert.equal(trainParams("resnet18", 32, 1000, { stem: "imagenet" }), 11_689_512);
});

Deno.test("CIFAR geometry (32 px, 10 classes): parameter counts as the model headers state", () => {
  assert.equal(trainParams("alexnet", 32, 10), 2_472_266);
  assert.equal(trainParams("vgg11", 32, 10), 9_750_922);
  assert.equal(trainParams("vgg11_bn", 32, 10), 9_756_426);
  assert.equal(trainParams("resnet32", 32, 10), 464_154);
  assert.equal(trainParams("resnet18", 32, 10), 11_173_962);
  assert.equal(trainParams("resnet18", 224, 10, { stem: "cifar" }), 11_173_962);
});

Deno.test("the adaptive pool takes multiples of its output (an average pool), not other sizes", () => {
  const pools = (name: string, size: number) => {
    const model = createModel(name, { numClasses: 10, inputShape: [3, size, size], width: 1 / 16 });
    const b = buildLayer("eval", [1, 3, size, size], (ctx, x) => model.build(ctx, x), 10);
    return b.graph.nodes.filter((n) => n.op === "avg_pool2d").length;
  };
  assert.equal(pools("vgg11", 224), 0, "7x7 map: identity");
  assert.equal(pools("vgg11", 448), 1, "14x14 map: 2x2 average pool");
  assert.equal(pools("alexnet", 224), 0);
  const throwsWith = (name: string, shape: number[], fragments: string[]) =>
    assert.throws(
      () => createModel(name, { numClasses: 10, inputShape: shape }),
      (e: unknown) =>
        e instanceof ActlabError &&
        fragments.every((f) => e.message.includes(f)),
    );
  throwsWith("vgg11", [3, 100, 100], ['model "vgg11"', "100x100", "7x7", "224-255, 448-479"]);
  throwsWith("vgg11_bn", [3, 224, 300], ['model "vgg11_bn"', "224x300"]);
  throwsWith("alexnet", [3, 448, 448], ['model "alexnet"', "448x448", "6x6", "223-254"]);
  throwsWith("vgg11", [3, 28, 28], ['model "vgg11"', "32x32", "28x28"]);
  throwsWith("alexnet", [3, 24, 24], ['model "alexnet"', "24x24", "29 to 32 px"]);
});

Deno.test("activation sites: every conv and hidden linear; nchw pooled by mean, FC as features", () => {
  const sites = (name: string, size: number, options: ModelOptions) => {
    const model = createModel(name, {
      numClasses: 10,
      inputShape: [3, size, size],
      ...options,
    });
    const b = buildLayer("eval", [1, 3, size, size], (ctx, x) => model.build(ctx, x), 10);
    const fmt = (s: Site) => `${s.layout}/${s.pooling}/${s.channels}`;
    return b.ctx.record.activationOutputs.map((o) => fmt(o.site));
  };
  const conv = (cs: number[]) => cs.map((c) => `nchw/avg/${c}`);
  assert.deepEqual(sites("alexnet", 224, { width: 1 / 16 }), [
    ...conv([4, 12, 24, 16, 16]),
    "features/avg/256",
    "features/avg/256",
  ]);
  assert.deepEqual(sites("alexnet", 32, { width: 1 / 16 }), conv([4, 12, 24, 16, 16]));
  const vgg = [...conv([2, 4, 8, 8, 16, 16, 16, 16])];
  assert.deepEqual(sites("vgg11", 32, { width: 1 / 32 }), [
    ...vgg,
    ...Array(2).fill("features/avg/16"),
  ]);
  assert.deepEqual(sites("vgg11_bn", 224, { width: 1 / 32 }), [
    ...vgg,
    ...Array(2).fill("features/avg/128"),
  ]);
  const r32 = sites("resnet32", 32, {});
  assert.equal(r32.length, 1 + 3 * 5 * 2);
  assert.deepEqual(new Set(r32), new Set(conv([16, 32, 64])));
});

Deno.test("resnet18 stem option: imagenet / cifar / auto, recorded in config.json's model options", async () => {
  const stemOf = (size: number, stem?: string) => {
    const model = createModel("resnet18", {
      numClasses: 10,
      inputShape: [3, size, size],
      width: 1 / 16,
      ...(stem ? { stem } : {}),
    });
    const b = buildLayer("eval", [1, 3, size, size], (ctx, x) => model.build(ctx, x), 10);
    const k = b.ctx.record.params.find((p) => p.name === "conv1.weight")!.tensor.shape[3];
    return `${k}/${b.graph.nodes.filter((n) => n.op === "max_pool2d").length}`;
  };
  assert.equal(stemOf(32), "3/0");
  assert.equal(stemOf(64), "7/1");
  assert.equal(stemOf(32, "imagenet"), "7/1");
  assert.equal(stemOf(64, "cifar"), "3/0");
  assert.throws(
    () => stemOf(32, "tiny"),
    (e: unknown) =>
      e instanceof ActlabError && e.message.includes('"stem"') && e.hint.includes("imagenet"),
  );
  const config = resolveConfig({
    out: "/tmp/unused",
    model: "resnet18",
    modelOptions: { width: 1 / 16 },
    batchSize: 2,
    evalBatchSize: 2,
  });
  const run = await Run.open(config, { backend: referenceBackend, task: task(8, 4), train: false });
  try {
    assert.deepEqual(resolvedFields(run).modelOptionsResolved, { stem: "auto", width: 1 / 16 });
  } finally {
    run.dispose();
  }
});

/** Tiny sizes: each model's training step runs in about a second on reference. */
const TINY: Record<string, { size: number; options: ModelOptions }> = {
  alexnet: { size: 32, options: { width: 1 / 16 } },
  vgg11: { size: 32, options: { width: 1 / 32 } },
  vgg11_bn: { size: 32, options: { width: 1 / 32 } },
  resnet32: { size: 8, options: { blocks: 1, width: 1 / 4 } },
  resnet18: { size: 8, options: { width: 1 / 16 } },
};

for (const [model, { size, options }] of Object.entries(TINY)) {
  for (const activation of ["relu", "gelu", "dpa"]) {
    Deno.test(`reference training step: ${model} (tiny) × ${activation} has a finite loss`, async () => {
      const config = resolveConfig({
        out: "/tmp/unused",
        model,
        modelOptions: options,
        activation,
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
        for (const step of [0, 1]) {
          const out = await run.trainExe.run(
            run.trainFeeds(imageBatch(x, labels, shape), step, 1e-2),
          );
          assert.ok(Number.isFinite(out.loss.data[0]), `step ${step}: loss ${out.loss.data[0]}`);
        }
      } finally {
        run.dispose();
      }
    });
  }
}
