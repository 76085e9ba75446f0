/**
 * Task-dependent option defaults: DPA's channel-loss λ and ARR's λ follow
 * the authors' configs per dataset (1 / 5 and 10 / 20 for 10 / 100
 * classes), resolved once where the class count is known, handed to the
 * model, and written to `config.json` with where each value came from; an
 * explicit option always wins.
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import { getActivation } from "../activations/registry.ts";
import { getRegulariser } from "../regularisers/registry.ts";
import { flagsToConfig } from "../cli/common.ts";
import { pluginOptionsHelp } from "../cli/plugin_help.ts";
import { createModel } from "../models/registry.ts";
import "../models/mod.ts";
import { checkDeclaration, resolveOptionsForTask } from "../plugin/options.ts";
import { byClassCount } from "../plugin/task_default.ts";
import type { TrainConfig } from "../train/config.ts";
import { trainSplitGetter } from "../train/task.ts";
import { ActlabError } from "../core/errors.ts";
import { train } from "../mod.ts";
import { buildLayer } from "./build_harness.ts";

const CIFAR10 = "dataset default: 10 classes (authors' CIFAR-10 setting, configs/dpa.py)";
const CIFAR100 = "dataset default: 100 classes (authors' CIFAR-100 setting, configs/dpa.py)";

Deno.test("byClassCount: the authors' value at their class counts, the nearest by ratio elsewhere", () => {
  const lambda = byClassCount([
    { numClasses: 10, value: 1, dataset: "CIFAR-10" },
    { numClasses: 100, value: 5, dataset: "CIFAR-100" },
  ], "configs/dpa.py");
  assert.deepEqual(lambda.resolve({ numClasses: 10 }), { value: 1, from: CIFAR10 });
  assert.deepEqual(lambda.resolve({ numClasses: 100 }), { value: 5, from: CIFAR100 });
  // √(10·100) ≈ 31.6 is the boundary; ImageNet-1K takes the 100-class value.
  const at = (k: number) => lambda.resolve({ numClasses: k }).value;
  assert.deepEqual([2, 3, 31, 32, 47, 200, 1000].map(at), [1, 1, 1, 5, 5, 5, 5]);
  const other = lambda.resolve({ numClasses: 47 }).from;
  assert.match(other, /^dataset default: 47 classes → the authors' 100-class CIFAR-100 setting/);
  assert.match(other, /assumption; configs\/dpa\.py/);
  assert.match(lambda.help, /^1 for 10 classes, 5 for 100 classes per configs\/dpa\.py, else/);
});

Deno.test("DPA's and ARR's coefficients resolve by class count; given values win", () => {
  const dpa = getActivation("dpa");
  const ten = resolveOptionsForTask(dpa, {}, { numClasses: 10 });
  assert.equal(ten.values.channelLoss, 1);
  assert.equal(ten.sources.channelLoss, CIFAR10);
  assert.equal(ten.sources.tau, "default");
  assert.equal(ten.values.momentum, 0.9);
  assert.equal(resolveOptionsForTask(dpa, {}, { numClasses: 100 }).values.channelLoss, 5);
  const given = resolveOptionsForTask(dpa, { channelLoss: "5" }, { numClasses: 10 });
  assert.equal(given.values.channelLoss, 5);
  assert.equal(given.sources.channelLoss, "given");
  // Without a task (a plugin created directly) the static default stands.
  const none = resolveOptionsForTask(dpa, {});
  assert.deepEqual([none.values.channelLoss, none.sources.channelLoss], [5, "default"]);
  assert.throws(
    () => resolveOptionsForTask(dpa, { channelLoss: -1 }, { numClasses: 10 }),
    /dpa: option channelLoss = -1 is invalid/,
  );
  const arr = getRegulariser("arr");
  const arrAt = (k: number) => resolveOptionsForTask(arr, {}, { numClasses: k });
  assert.equal(arrAt(10).values.lambda, 10);
  assert.equal(arrAt(100).values.lambda, 20);
  assert.equal(
    arrAt(100).sources.lambda,
    "dataset default: 100 classes (authors' CIFAR-100 setting, configs/dnrt.py)",
  );
  assert.match(
    pluginOptionsHelp(),
    /channel-loss=N +channel-loss coefficient λ \(>= 0, default 1 for 10/,
  );
});

Deno.test("a declared task default outside its own range is refused at registration", () => {
  assert.throws(
    () =>
      checkDeclaration("activation", {
        name: "bad_task_default",
        options: {
          k: {
            type: "integer",
            default: 1,
            min: 1,
            help: "",
            taskDefault: { help: "0", resolve: () => ({ value: 0, from: "nowhere" }) },
          },
        },
      }),
    /the task default of k for 1 classes is 0, not an integer, >= 1/,
  );
});

Deno.test("the model is built with the resolved values", () => {
  for (const [k, lambda, arrLambda] of [[10, 1, 10], [100, 5, 20]]) {
    const model = createModel("mlp", {
      numClasses: k,
      inputShape: [1, 4, 4],
      widths: [8],
      activation: "dpa",
      regulariser: "arr",
    });
    assert.equal(model.config.activationOptions.channelLoss, lambda);
    assert.equal(model.config.regulariserOptions.lambda, arrLambda);
    const b = buildLayer("train", [4, 1, 4, 4], (ctx, x) => model.build(ctx, x), k);
    assert.equal(b.ctx.record.pooledLosses.get("dpa_channel")?.coefficient, lambda);
    assert.equal(b.ctx.record.pooledLosses.get("arr")?.coefficient, arrLambda);
  }
});

/** Train one step of mlp + dpa + arr on synthetic data; returns config.json. */
async function configJson(
  numClasses: number,
  extra: Partial<TrainConfig> = {},
): Promise<Record<string, unknown>> {
  const out = await Deno.makeTempDir({ prefix: "actlab_task_defaults_" });
  try {
    await train({
      out,
      model: "mlp",
      modelOptions: { widths: [8] },
      activation: "dpa",
      regulariser: "arr",
      backend: "reference",
      dataset: "synthetic",
      synthetic: { imageSize: 4, channels: 1, numClasses, trainSize: 8, testSize: 4 },
      batchSize: 4,
      evalBatchSize: 4,
      steps: 1,
      ...extra,
    }, { progress: false, log: () => {} });
    return JSON.parse(await Deno.readTextFile(`${out}/config.json`));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

Deno.test("config.json: 10 classes → λ 1 from the CIFAR-10 setting; --channel-loss 5 → 5 given", async () => {
  const c = await configJson(10);
  const resolved = c.activationOptionsResolved as Record<string, unknown>;
  const from = c.activationOptionsProvenance as Record<string, string>;
  assert.equal(resolved.channelLoss, 1);
  assert.equal(from.channelLoss, CIFAR10);
  assert.equal(from.updateInterval, "default");
  assert.deepEqual(c.activationOptions, {}, "the configuration itself keeps what was given");
  assert.equal((c.regulariserOptionsResolved as Record<string, number>).lambda, 10);
  assert.deepEqual((c.modelOptionsResolved as Record<string, unknown>).widths, [8]);

  const flags = flagsToConfig({ "channel-loss": "5" });
  const given = await configJson(10, { activationOptions: flags.activationOptions });
  assert.equal((given.activationOptionsResolved as Record<string, number>).channelLoss, 5);
  assert.equal((given.activationOptionsProvenance as Record<string, string>).channelLoss, "given");
});

Deno.test("config.json: 100 classes → DPA λ 5 and ARR λ 20 from the CIFAR-100 settings", async () => {
  const c = await configJson(100, { batchSize: 8, evalBatchSize: 4 });
  assert.equal((c.activationOptionsResolved as Record<string, number>).channelLoss, 5);
  assert.equal((c.activationOptionsProvenance as Record<string, string>).channelLoss, CIFAR100);
  assert.equal((c.regulariserOptionsResolved as Record<string, number>).lambda, 20);
  assert.match(
    (c.regulariserOptionsProvenance as Record<string, string>).lambda,
    /CIFAR-100 setting, configs\/dnrt\.py/,
  );
});

Deno.test("a task opened without its training split says so when asked to train", () => {
  const split = { n: 3 };
  assert.equal(trainSplitGetter(split, "the image task for x")(), split);
  assert.throws(
    () => trainSplitGetter(null, "the text task for sst2")(),
    (e: Error) =>
      e instanceof ActlabError &&
      /the text task for sst2 was opened without its training split/.test(e.message) &&
      /\{ train: true \}/.test(e.message),
  );
});
