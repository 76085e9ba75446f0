/**
 * The papers' recipes: every `--preset` expands into a valid plan whose
 * cells carry the authors' settings (coefficients per dataset, class-token
 * init, warmup start), DNRT arms train with ARR inside their group, and the
 * two recipe knobs (`warmupStartLr`, the ViT's `clsTokenStd`) do what they
 * say while leaving today's defaults untouched.
 */
import assert from "node:assert/strict";
import "../mod.ts";
import { applySets, type ArmSpec, expandGrid, validateGrid } from "../compare/grid.ts";
import { makePlan } from "../compare/plan.ts";
import { COMPARE_PRESETS, getPreset } from "../compare/presets.ts";
import { cellStatus } from "../compare/shard.ts";
import { flagsToConfig } from "../cli/common.ts";
import { createModel } from "../models/registry.ts";
import { initialState } from "../nn/init.ts";
import { resolveConfig } from "../train/config.ts";
import { learningRate } from "../train/schedule.ts";
import { buildLayer } from "./build_harness.ts";

const plan = (name: string) =>
  makePlan(validateGrid({ ...structuredClone(getPreset(name)), out: `runs/${name}` }));

Deno.test("every preset expands into a valid plan", () => {
  const names = Object.keys(COMPARE_PRESETS);
  for (const model of ["vit-tiny", "resnet18"]) {
    for (const dataset of ["cifar10", "cifar100"]) {
      assert.ok(names.includes(`paper-${model}-${dataset}`));
      for (const p of ["momentum", "lambda", "tau"]) {
        assert.ok(names.includes(`paper-sweep-${p}-${model}-${dataset}`));
      }
    }
  }
  for (const name of names) {
    const { cells } = plan(name);
    assert.ok(cells.length > 0, name);
    for (const c of cells) {
      assert.equal(c.config.warmupStartLr, 1e-6, `${name} ${c.id}: the authors' warmup_lr`);
      assert.equal(c.config.epochs, 300);
      assert.deepEqual([c.config.lr, c.config.batchSize], [2.5e-4, 256]);
    }
  }
});

Deno.test("paper-vit-tiny-cifar100 carries the authors' CIFAR-100 values", () => {
  const { cells } = plan("paper-vit-tiny-cifar100");
  assert.equal(cells.length, 15 * 3, "15 arms × seeds 42, 43, 44");
  const cell = (arm: string) => cells.find((c) => c.arm === arm && c.seed === 42)!.config;
  assert.deepEqual(cell("dpa").activationOptions, { channelLoss: 5 });
  assert.deepEqual(cell("dpa:random-mask").activationOptions, { mask: "random", channelLoss: 5 });
  const dnrt = cell("dnrt");
  assert.equal(dnrt.activation, "raa");
  assert.equal(dnrt.regulariser, "arr");
  assert.deepEqual(dnrt.regulariserOptions, { lambda: 20 });
  assert.deepEqual(cell("dnrt:relu").activationOptions, { base: "relu" });
  assert.equal(cell("raa").regulariser, null);
  assert.equal(cell("relu").regulariser, null);
  assert.equal(cell("relu").modelOptions.clsTokenStd, 1e-6);
  assert.equal(cell("relu").modelOptions.dropPath, 0.1);
  // DNRT pairs with ReLU in the same group (a regulariser sweep would split it off).
  assert.deepEqual(new Set(cells.map((c) => c.group)), new Set(["vit_tiny on cifar100"]));
});

Deno.test("paper-resnet18-cifar10 carries the authors' CIFAR-10 values", () => {
  const { cells } = plan("paper-resnet18-cifar10");
  const cell = (arm: string) => cells.find((c) => c.arm === arm)!.config;
  assert.deepEqual(cell("dpa").activationOptions, { channelLoss: 1 });
  assert.deepEqual(cell("gelu+arr").regulariserOptions, { lambda: 10 });
  assert.deepEqual(cell("relu").modelOptions, {}, "no class token, no drop-path");
});

Deno.test("the sweeps of DPA's Figures 5-7 vary one option, λ fixed to the dataset's otherwise", () => {
  const arms = (name: string) => [...new Set(plan(name).cells.map((c) => c.arm))];
  assert.deepEqual(arms("paper-sweep-momentum-vit-tiny-cifar100"), [
    "relu",
    ...[0.1, 0.3, 0.5, 0.7, 0.9, 0.99].map((m) => `dpa[m=${m}]`),
  ]);
  const tau = plan("paper-sweep-tau-vit-tiny-cifar10").cells.filter((c) => c.arm !== "relu");
  assert.ok(tau.every((c) => c.config.activationOptions.channelLoss === 1));
  const lambda = plan("paper-sweep-lambda-resnet18-cifar100").cells.filter((c) => c.seed === 42);
  assert.deepEqual(
    lambda.map((c) => c.config.activationOptions.channelLoss ?? "relu"),
    ["relu", 0, 0.5, 1, 2, 5, 10],
  );
});

Deno.test("--set activations keeps a preset's arm specs by label", () => {
  const g: Record<string, unknown> = { ...structuredClone(getPreset("paper-vit-tiny-cifar10")) };
  applySets(g, ["activations=relu,dnrt,raa:relu"]);
  const [relu, dnrt, raaRelu] = g.activations as (string | ArmSpec)[];
  assert.equal(relu, "relu");
  assert.deepEqual(dnrt, {
    label: "dnrt",
    activation: "raa",
    regulariser: "arr",
    regulariserOptions: { lambda: 10 },
  });
  assert.equal((raaRelu as ArmSpec).label, "raa:relu");
  // A control name that is not a preset arm still works as on the command line.
  applySets(g, ["activations=relu,dpa:tau-only", "tau=0.1"]);
  assert.deepEqual(g.activations, ["relu", "dpa:tau-only"]);
});

Deno.test("an arm with its own regulariser refuses a regulariser sweep", () => {
  const arm: ArmSpec = { label: "dnrt", activation: "raa", regulariser: "arr" };
  assert.throws(
    () => expandGrid({ out: "x", activations: ["relu", arm], sweep: { arrLambda: [0, 10] } }),
    /arm dnrt trains with arr and the sweep crosses every arm with arr/,
  );
  assert.throws(
    () => expandGrid({ out: "x", activations: [{ ...arm, regulariserOptions: { lambda: -1 } }] }),
    /arr: option lambda = -1 is invalid/,
  );
});

Deno.test("warmup start: 0 keeps today's schedule; 1e-6 starts the line there", () => {
  const s = { baseLr: 1e-3, minLr: 1e-5, warmupSteps: 10, totalSteps: 100 };
  for (let step = 0; step < 10; step++) {
    assert.equal(learningRate(s, step), (1e-3 * (step + 1)) / 10, "unchanged default");
  }
  const w = { ...s, warmupStartLr: 1e-6 };
  assert.equal(learningRate(w, 0), 1e-6 + (1e-3 - 1e-6) / 10);
  assert.ok(Math.abs(learningRate(w, 9) - 1e-3) < 1e-18, "the peak at the end of the warmup");
  assert.equal(learningRate(w, 10), learningRate(s, 10), "the cosine part is unchanged");
  assert.equal(flagsToConfig({ "warmup-start-lr": "1e-6" }).warmupStartLr, 1e-6);
  assert.equal(resolveConfig({ out: "x" }).warmupStartLr, 0);
  assert.throws(
    () => resolveConfig({ out: "x", lr: 1e-3, warmupStartLr: 2e-3 }),
    /warmup start lr 0.002 must be in \[0, lr\]/,
  );
});

Deno.test("clsTokenStd: the class token starts at the given std; default 0.02 as before", () => {
  const clsToken = (options: Record<string, number>) => {
    const model = createModel("vit_micro", {
      numClasses: 10,
      inputShape: [1, 8, 8],
      embedDim: 96,
      depth: 1,
      ...options,
    });
    const b = buildLayer("eval", [1, 1, 8, 8], (ctx, x) => model.build(ctx, x), 10);
    return Array.from(initialState(b.ctx.record, 0)["cls_token"].data);
  };
  const std = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
  const dflt = clsToken({});
  assert.deepEqual(clsToken({ clsTokenStd: 0.02 }), dflt, "the default is today's 0.02");
  assert.ok(Math.abs(std(dflt) - 0.02) < 0.005, `std ${std(dflt)}`);
  const tiny = clsToken({ clsTokenStd: 1e-6 });
  assert.ok(Math.abs(std(tiny) - 1e-6) < 3e-7, `std ${std(tiny)}`);
  assert.throws(() => clsToken({ clsTokenStd: 0 }), /clsTokenStd must be > 0/);
});

Deno.test("compare: a finished cell written before warmupStartLr existed is still done", async () => {
  const dir = await Deno.makeTempDir({ prefix: "actlab_recipes_" });
  try {
    const [cell] = expandGrid({ out: dir, activations: ["relu"], seeds: [0] });
    await Deno.mkdir(cell.config.out, { recursive: true });
    const { warmupStartLr: _, ...older } = cell.config;
    const write = (config: unknown) =>
      Deno.writeTextFile(`${cell.config.out}/config.json`, JSON.stringify(config));
    await write({ ...older, backendResolved: "reference", activationOptionsProvenance: {} });
    await Deno.writeTextFile(`${cell.config.out}/summary.json`, "{}");
    assert.equal(await cellStatus(cell), "done");
    await write({ ...cell.config, warmupStartLr: 1e-6 });
    assert.equal(await cellStatus(cell), "stale");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
