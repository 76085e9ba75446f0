/**
 * Models: required parameter counts, logits shapes for every model at both
 * input shapes, activation and response sites (layout, pooling, channels,
 * count), forward runs on the reference backend, gradient spot checks on
 * small configurations, train-phase builds with stateful plugins, and the
 * errors of `createModel`.
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import "../models/mod.ts";
import { ActlabError } from "../core/errors.ts";
import { sizeOf } from "../core/host_tensor.ts";
import { registerActivation } from "../activations/registry.ts";
import { registerRegulariser } from "../regularisers/registry.ts";
import type { Site } from "../plugin/types.ts";
import {
  countParams,
  createModel,
  type CreateModelOptions,
  getModel,
  listModels,
} from "../models/registry.ts";
import { buildLayer, compile, feedsFor, randomValues, spotCheckParams } from "./build_harness.ts";

const SHAPES = [[1, 28, 28], [3, 32, 32]];
/** The image models (a text model such as `bert` takes token ids: tests/bert_test.ts). */
const imageModels = () => listModels().filter((n) => (getModel(n).inputRank ?? 3) === 3);
/** Models whose CIFAR geometry needs 32 px (AlexNet, VGG: their pools take 28 px below 1x1; PVT: its patch + stride chain tiles multiples of 32). */
const NEEDS_32 = new Set(["alexnet", "vgg11", "vgg11_bn", "pvt_tiny"]);
/** `shape`, widened to 32 px for the models that need it. */
const fit = (name: string, shape: number[]) =>
  NEEDS_32.has(name) && shape[1] < 32 ? [shape[0], 32, 32] : shape;

const activationSites: Site[] = [];
const responseSites: Site[] = [];
registerActivation({
  name: "models_test_spy",
  description: "identity that records its sites",
  create(site) {
    activationSites.push(site);
    return { apply: (_ctx, x) => x };
  },
});
registerRegulariser({
  name: "models_test_spy",
  description: "records its sites",
  create(site) {
    responseSites.push(site);
    return { observe: () => {} };
  },
});

Deno.test("parameter counts: vit_tiny 3x32x32/100 = 5,380,132; resnet18 (3x3 stem)/10 = 11,173,962", () => {
  assert.equal(
    countParams(createModel("vit_tiny", { numClasses: 100, inputShape: [3, 32, 32] })),
    5_380_132,
  );
  assert.equal(
    countParams(createModel("resnet18", { numClasses: 10, inputShape: [3, 32, 32] })),
    11_173_962,
  );
});

Deno.test("every model builds [B, numClasses] logits for 1x28x28 (1x32x32) and 3x32x32 inputs", () => {
  assert.deepEqual(listModels(), [
    "alexnet",
    "bert",
    "cait_xxs24",
    "convnet",
    "deit_tiny",
    "gcn",
    "graphsage",
    "mlp",
    "mobilenet_v2",
    "pvt_tiny",
    "resnet18",
    "resnet32",
    "shufflenet_v2",
    "tnt_small",
    "vgg11",
    "vgg11_bn",
    "vit_micro",
    "vit_tiny",
  ]);
  for (const name of imageModels()) {
    for (const shape of SHAPES.map((s) => fit(name, s))) {
      const model = createModel(name, { numClasses: 7, inputShape: shape });
      for (const phase of ["eval", "train"] as const) {
        const b = buildLayer(phase, [2, ...shape], (ctx, x) => model.build(ctx, x), 7);
        assert.deepEqual(b.y.shape, [2, 7], `${name} ${shape} ${phase}`);
      }
    }
  }
});

Deno.test("activation and response sites", () => {
  const sitesOf = (name: string, shape: number[], options: Partial<CreateModelOptions> = {}) => {
    activationSites.length = 0;
    responseSites.length = 0;
    const model = createModel(name, {
      numClasses: 10,
      inputShape: shape,
      activation: "models_test_spy",
      regulariser: "models_test_spy",
      ...options,
    });
    buildLayer("eval", [1, ...shape], (ctx, x) => model.build(ctx, x), 10);
    const fmt = (s: Site) => `${s.layout}/${s.pooling}/${s.channels}`;
    return { act: activationSites.map(fmt), resp: responseSites.map(fmt) };
  };
  const r = sitesOf("resnet18", [3, 32, 32]);
  const stage = (c: number) => Array(4).fill(`nchw/avg/${c}`);
  assert.deepEqual(r.act, [
    "nchw/avg/64",
    ...stage(64),
    ...stage(128),
    ...stage(256),
    ...stage(512),
  ]);
  assert.deepEqual(r.resp, ["nchw/avg/64", "nchw/avg/128", "nchw/avg/256", "nchw/avg/512"]);
  const v = sitesOf("vit_tiny", [3, 32, 32]);
  assert.deepEqual(v.act, Array(12).fill("tokens/token/768"));
  assert.deepEqual(v.resp, Array(12).fill("tokens/token/192"));
  const m = sitesOf("vit_micro", [1, 28, 28]);
  assert.deepEqual(m.act, Array(6).fill("tokens/token/384"));
  const p = sitesOf("mlp", [1, 28, 28], { widths: [64, 32, 16] });
  assert.deepEqual(p.act, ["features/avg/64", "features/avg/32", "features/avg/16"]);
  assert.deepEqual(p.resp, p.act);
  const c = sitesOf("convnet", [3, 32, 32], { channels: [8, 16] });
  assert.deepEqual(c.act, ["nchw/avg/8", "nchw/avg/16"]);
  assert.deepEqual(c.resp, c.act);
});

Deno.test("resnet18 stem: 3x3 without max-pool up to 32 px, ImageNet stem above", () => {
  for (const [shape, k] of [[[3, 32, 32], 3], [[3, 64, 64], 7]] as const) {
    const model = createModel("resnet18", { numClasses: 10, inputShape: shape });
    const b = buildLayer("eval", [1, ...shape], (ctx, x) => model.build(ctx, x), 10);
    const conv1 = b.ctx.record.params.find((p) => p.name === "conv1.weight")!;
    assert.deepEqual(conv1.tensor.shape, [64, 3, k, k]);
    const maxPools = b.graph.nodes.filter((n) => n.op === "max_pool2d").length;
    assert.equal(maxPools, k === 7 ? 1 : 0);
  }
});

Deno.test("vit weight decay: only linear/conv weights decay", () => {
  const model = createModel("vit_micro", { numClasses: 10, inputShape: [1, 28, 28] });
  const b = buildLayer("eval", [1, 1, 28, 28], (ctx, x) => model.build(ctx, x), 10);
  for (const p of b.ctx.record.params) {
    assert.equal(p.decay, p.name.endsWith(".weight") && p.tensor.rank > 1, p.name);
  }
});

Deno.test("forward runs on reference: small models at both shapes, vit_tiny and resnet18 once", async () => {
  const cases: [string, number[]][] = [
    ...SHAPES.flatMap((s) =>
      [["mlp", s], ["convnet", s], ["vit_micro", s]] as [string, number[]][]
    ),
    ["vit_tiny", [3, 32, 32]],
    ["resnet18", [1, 28, 28]],
  ];
  for (const [name, shape] of cases) {
    const model = createModel(name, { numClasses: 10, inputShape: shape });
    const b = buildLayer("eval", [2, ...shape], (ctx, x) => model.build(ctx, x), 10);
    const exe = await compile(b, { precision: "f32", seed: 1 });
    const t0 = performance.now();
    const y = (await exe.run(feedsFor(b, randomValues(2 * sizeOf(shape), 3)))).y.data;
    const ms = performance.now() - t0;
    assert.equal(y.length, 20);
    assert.ok(Array.from(y).every(Number.isFinite), `${name} ${shape}: finite logits`);
    assert.ok(Array.from(y).some((v) => v !== y[0]), `${name} ${shape}: logits vary`);
    if (name === "vit_tiny" || name === "resnet18") {
      console.log(`  ${name} ${shape.join("x")} forward, batch 2: ${ms.toFixed(0)} ms`);
    }
  }
});

Deno.test("train-phase builds with stateful plugins (dpa, raa, gdn; arr at response sites)", () => {
  for (const name of imageModels()) {
    for (const activation of ["dpa", "raa", "gdn"]) {
      const shape = fit(name, [1, 28, 28]);
      const model = createModel(name, {
        numClasses: 10,
        inputShape: shape,
        activation,
        regulariser: "arr",
      });
      const b = buildLayer("train", [2, ...shape], (ctx, x) => model.build(ctx, x), 10);
      assert.deepEqual(b.y.shape, [2, 10], `${name} + ${activation}`);
      assert.ok(b.ctx.record.pooledLosses.size + b.ctx.record.losses.length > 0);
    }
  }
});

Deno.test("small models: parameter gradients match finite differences", async () => {
  const spot = (name: string, shape: number[], options: Partial<CreateModelOptions>) => {
    const model = createModel(name, {
      numClasses: 3,
      inputShape: shape,
      activation: "gelu",
      ...options,
    });
    return spotCheckParams((ctx, x) => model.build(ctx, x), [2, ...shape], { points: 1 });
  };
  let n = 0;
  n += await spot("mlp", [1, 4, 4], { widths: [5, 4] });
  n += await spot("convnet", [1, 8, 8], { channels: [3, 4] });
  n += await spot("vit_micro", [1, 8, 8], { embedDim: 6, depth: 2, numHeads: 2 });
  assert.ok(n > 30, `checked ${n} entries`);
});

Deno.test("createModel errors name the problem and the fix", () => {
  const throwsWith = (f: () => unknown, fragment: string) =>
    assert.throws(f, (e: unknown) => e instanceof ActlabError && e.message.includes(fragment));
  const base = { numClasses: 10, inputShape: [1, 28, 28] };
  throwsWith(() => createModel("resnet50", base), 'unknown model "resnet50"');
  throwsWith(() => createModel("mlp", { ...base, depth: 3 }), 'no option "depth"');
  throwsWith(() => createModel("mlp", { ...base, widths: 5 }), "must be a list of numbers");
  throwsWith(() => createModel("mlp", { ...base, widths: [0] }), "out of range");
  throwsWith(
    () => createModel("mlp", { ...base, activation: "nope" }),
    'unknown activation "nope"',
  );
  throwsWith(
    () => createModel("mlp", { ...base, regulariser: "nope" }),
    'unknown regulariser "nope"',
  );
  throwsWith(() => createModel("mlp", { ...base, inputShape: [28, 28] }), "inputShape");
  throwsWith(() => createModel("mlp", { ...base, numClasses: 0 }), "numClasses");
  throwsWith(() => createModel("vit_tiny", { ...base, patchSize: 8 }), "does not divide");
  throwsWith(() => createModel("vit_tiny", { ...base, numHeads: 5 }), "not divisible");
  throwsWith(() => createModel("vit_tiny", { ...base, dropPath: 1 }), "out of range");
  throwsWith(() => createModel("convnet", { ...base, channels: [8, 8, 8, 8, 8] }), "entries");
  const model = createModel("mlp", base);
  throwsWith(
    () => buildLayer("eval", [2, 3, 32, 32], (ctx, x) => model.build(ctx, x), 10),
    "expects input [2,1,28,28]",
  );
});
