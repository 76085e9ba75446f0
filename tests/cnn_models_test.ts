/**
 * The torchvision-geometry CNNs (alexnet, vgg11, vgg11_bn, resnet32,
 * mobilenet_v2, shufflenet_v2, and resnet18's `stem` option): exact
 * parameter counts of the training graph in both geometries, where the
 * activation sites sit (and, for the two mobile nets, that DPA pools a
 * site's spatial mean), input sizes the adaptive pool or the strides cannot
 * take, the channel shuffle with its gradient check, and a reference
 * training step of each at a tiny width for relu, gelu and dpa.
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import "../models/mod.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { ActlabError } from "../core/errors.ts";
import { createModel, getModel, type ModelOptions } from "../models/registry.ts";
import type { Site } from "../plugin/types.ts";
import { imageBatch } from "../tasks/image.ts";
import { resolveConfig } from "../train/config.ts";
import { resolvedFields } from "../train/engine.ts";
import { Run } from "../train/run.ts";
import { assertClose, buildLayer, compile, feedsFor, randomValues } from "./build_harness.ts";
import { gradCheck, lcg } from "./gradcheck.ts";
import { shapeTask as task, trainParams } from "./model_counts.ts";
import type { DpaActivation } from "../activations/dpa.ts";
import { getActivation } from "../activations/registry.ts";
import type { Tensor } from "../core/graph.ts";
import { channelShuffle } from "../nn/channel_shuffle.ts";

Deno.test("ImageNet geometry (224 px, 1000 classes): parameter counts equal torchvision's", () => {
  assert.equal(trainParams("alexnet", 224, 1000), 61_100_840);
  assert.equal(trainParams("vgg11", 224, 1000), 132_863_336);
  assert.equal(trainParams("vgg11_bn", 224, 1000), 132_868_840);
  assert.equal(trainParams("resnet18", 224, 1000), 11_689_512);
  assert.equal(trainParams("resnet18", 32, 1000, { stem: "imagenet" }), 11_689_512);
  assert.equal(trainParams("mobilenet_v2", 224, 1000), 3_504_872);
  assert.equal(trainParams("shufflenet_v2", 224, 1000), 2_278_604);
  assert.equal(trainParams("mobilenet_v2", 32, 1000, { geometry: "imagenet" }), 3_504_872);
});

Deno.test("CIFAR geometry (32 px, 10 classes): parameter counts as the model headers state", () => {
  assert.equal(trainParams("alexnet", 32, 10), 2_472_266);
  assert.equal(trainParams("vgg11", 32, 10), 9_750_922);
  assert.equal(trainParams("vgg11_bn", 32, 10), 9_756_426);
  assert.equal(trainParams("resnet32", 32, 10), 464_154);
  assert.equal(trainParams("resnet18", 32, 10), 11_173_962);
  assert.equal(trainParams("resnet18", 224, 10, { stem: "cifar" }), 11_173_962);
  assert.equal(trainParams("mobilenet_v2", 32, 10), 2_236_682);
  assert.equal(trainParams("shufflenet_v2", 32, 10), 1_263_854);
  assert.equal(trainParams("shufflenet_v2", 224, 10, { geometry: "cifar" }), 1_263_854);
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

const MOBILENET_TINY: ModelOptions = {
  width: 1 / 8,
  divisor: 4,
  lastChannel: 16,
  repeats: [1, 2, 1, 1, 1, 1, 1],
};
const SHUFFLENET_TINY: ModelOptions = { channels: [4, 8, 8, 16, 16], repeats: [2, 1, 1] };

/** The model built in `phase` with the given input size and options. */
function built(
  name: string,
  size: number,
  options: ModelOptions,
  phase: "eval" | "train" = "eval",
) {
  const model = createModel(name, { numClasses: 10, inputShape: [3, size, size], ...options });
  return buildLayer(phase, [2, 3, size, size], (ctx, x) => model.build(ctx, x), 10);
}

Deno.test("mobilenet_v2 / shufflenet_v2: sites where torchvision has ReLU6 / ReLU, all nchw pooled by mean", () => {
  const sites = (name: string, size: number, options: ModelOptions) =>
    built(name, size, options).ctx.record.activationOutputs.map((o) =>
      `${o.site.layout}/${o.site.pooling}/${o.site.channels}`
    );
  const conv = (cs: number[]) => cs.map((c) => `nchw/avg/${c}`);
  // Stem 4; t = 1 block: depthwise only; then expand + depthwise per block
  // (hidden = 6 × input width); last conv 16.
  assert.deepEqual(
    sites("mobilenet_v2", 16, MOBILENET_TINY),
    conv([4, 4, 24, 24, 24, 24, 24, 24, 24, 24, 48, 48, 72, 72, 120, 120, 16]),
  );
  // conv1 4; a stride-2 unit: side branch, then main branch's two; a stride-1 unit: main's two; conv5.
  assert.deepEqual(
    sites("shufflenet_v2", 16, SHUFFLENET_TINY),
    conv([4, 4, 4, 4, 4, 4, 4, 4, 4, 8, 8, 8, 16]),
  );
  // Full size: 1 + 1 + 16 × 2 + 1 = 35 (mobilenet), 1 + 3 × 3 + 13 × 2 + 1 = 37 (shufflenet).
  assert.equal(sites("mobilenet_v2", 32, {}).length, 35);
  assert.equal(sites("shufflenet_v2", 32, {}).length, 37);
  // Strides: CIFAR geometry downsamples 3 times (32 → 4), ImageNet 5 times (224 → 7).
  const lastMap = (name: string, size: number) => {
    const outs = built(name, size, name === "mobilenet_v2" ? MOBILENET_TINY : SHUFFLENET_TINY)
      .ctx.record.activationOutputs;
    return outs[outs.length - 1].output.shape[2];
  };
  assert.equal(lastMap("mobilenet_v2", 32), 4);
  assert.equal(lastMap("shufflenet_v2", 32), 4);
  assert.equal(lastMap("mobilenet_v2", 224), 7);
  assert.equal(lastMap("shufflenet_v2", 224), 7);
});

Deno.test("mobilenet_v2 / shufflenet_v2: DPA's pooled value at a site is the sample's spatial mean", async () => {
  for (
    const [name, options] of [["mobilenet_v2", MOBILENET_TINY], [
      "shufflenet_v2",
      SHUFFLENET_TINY,
    ]] as const
  ) {
    const config = createModel(name, {
      numClasses: 10,
      inputShape: [3, 16, 16],
      activation: "dpa",
      ...options,
    }).config;
    const inputs: Tensor[] = [];
    const dpas: DpaActivation[] = [];
    const builder = getModel(name).create(config, {
      activation: (site) => {
        const inst = getActivation("dpa").create(site, config.activationOptions) as DpaActivation;
        dpas.push(inst);
        return { apply: (ctx, x) => (inputs.push(x), inst.apply(ctx, x)) };
      },
      regulariser: null,
    });
    const b = buildLayer("train", [2, 3, 16, 16], (ctx, x) => builder(ctx, x), 10);
    const at = 3; // a depthwise / main-branch site in the first stage
    b.graph.output("site_in", inputs[at]);
    b.graph.output("pooled", dpas[at].trace!.pooled);
    const exe = await compile(b, { precision: "f64" });
    const out = await exe.run(feedsFor(b, randomValues(2 * 3 * 16 * 16, 9)));
    const [n, c, h, w] = inputs[at].shape;
    const x = out.site_in.data;
    const want: number[] = [];
    for (let s = 0; s < n; s++) {
      for (let k = 0; k < c; k++) {
        let total = 0;
        for (let i = 0; i < h * w; i++) total += x[(s * c + k) * h * w + i];
        want.push(total / (h * w));
      }
    }
    assertClose(out.pooled.data, want, 1e-12, `${name} site ${at} pooled`);
  }
});

Deno.test("mobilenet_v2 / shufflenet_v2: inputs the strides cannot take and bad options are clear errors", () => {
  const throwsWith = (name: string, opts: ModelOptions, size: number, fragments: string[]) =>
    assert.throws(
      () => createModel(name, { numClasses: 10, inputShape: [3, size, size], ...opts }),
      (e: unknown) =>
        e instanceof ActlabError &&
        fragments.every((f) => (e.message + e.hint).includes(f)),
    );
  throwsWith("mobilenet_v2", {}, 4, ['model "mobilenet_v2"', "4x4", "cifar", "at least 5"]);
  throwsWith("shufflenet_v2", { geometry: "imagenet" }, 16, [
    'model "shufflenet_v2"',
    "16x16",
    "imagenet",
    "at least 17",
  ]);
  throwsWith("shufflenet_v2", { channels: [4, 7, 8, 16, 16] }, 32, ["odd stage width 7"]);
  throwsWith("mobilenet_v2", { geometry: "mobile" }, 32, ['"geometry"', "imagenet", "cifar"]);
  throwsWith("mobilenet_v2", { repeats: [1, 2, 3] }, 32, ['"repeats"', "3 entries"]);
  // The smallest accepted sizes build.
  createModel("mobilenet_v2", { numClasses: 10, inputShape: [3, 5, 5] });
  createModel("shufflenet_v2", { numClasses: 10, inputShape: [3, 17, 17], geometry: "imagenet" });
});

Deno.test("channel shuffle interleaves the groups, and its gradient passes a finite-difference check", async () => {
  const b = buildLayer("eval", [1, 6, 1, 2], (_ctx, x) => channelShuffle(x, 2));
  const exe = await compile(b);
  const x = Array.from({ length: 12 }, (_, i) => i);
  const y = (await exe.run(feedsFor(b, x))).y.data;
  // Channels [0 1 2 | 3 4 5] → [0 3 1 4 2 5], each a 1×2 map.
  assert.deepEqual(Array.from(y), [0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11]);
  const r = await gradCheck({
    op: "channel_shuffle",
    name: "[2,6,2,2], 3 groups",
    inputs: [{ shape: [2, 6, 2, 2] }],
    build: (t) => channelShuffle(t, 3),
  });
  assert.equal(r.checked, 48);
  assert.throws(
    () => channelShuffle(b.x, 4),
    /channelShuffle: input \[1,6,1,2\] with 4 groups[\s\S]*divides by/,
  );
});

/** Tiny sizes: each model's training step runs in about a second on reference. */
const TINY: Record<string, { size: number; options: ModelOptions }> = {
  alexnet: { size: 32, options: { width: 1 / 16 } },
  vgg11: { size: 32, options: { width: 1 / 32 } },
  vgg11_bn: { size: 32, options: { width: 1 / 32 } },
  resnet32: { size: 8, options: { blocks: 1, width: 1 / 4 } },
  resnet18: { size: 8, options: { width: 1 / 16 } },
  mobilenet_v2: { size: 16, options: MOBILENET_TINY },
  shufflenet_v2: { size: 16, options: SHUFFLENET_TINY },
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
