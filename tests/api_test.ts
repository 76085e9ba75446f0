/**
 * The library as a JSR user imports it: only `mod.ts`. Register an
 * activation, train it with `train()`, evaluate with `evaluate()`, stop a run
 * with an AbortSignal and resume it.
 */
import assert from "node:assert/strict";
import {
  type ActivationPlugin,
  evaluate,
  getBackend,
  loadDataset,
  maximum,
  mul,
  registerActivation,
  resolveConfig,
  Run,
  train,
  TRAIN_DEFAULTS,
  type TrainConfig,
} from "../mod.ts";

// Leaky ReLU with slope 0.1: max(x, 0.1·x).
const leaky: ActivationPlugin = {
  name: "api_test_leaky",
  description: "max(x, 0.1x)",
  create: () => ({ apply: (_ctx, x) => maximum(x, mul(x, 0.1)) }),
};
registerActivation(leaky);

const base = {
  model: "mlp",
  modelOptions: { widths: [16] },
  activation: "api_test_leaky",
  backend: "reference",
  dataset: "synthetic",
  synthetic: { imageSize: 8, numClasses: 3, trainSize: 64, testSize: 24 },
  batchSize: 16,
} satisfies Partial<TrainConfig>;

Deno.test("mod.ts: a custom activation trained with train() and evaluated with evaluate()", async () => {
  const out = await Deno.makeTempDir({ prefix: "actlab_api_" });
  try {
    const epochs: number[] = [];
    const summary = await train({ ...base, epochs: 2, out }, {
      progress: false,
      log: () => {},
      onEpoch: (line) => epochs.push(line.test.top1),
    });
    assert.equal(summary.activation, "api_test_leaky");
    assert.equal(summary.steps, 8);
    assert.equal(epochs.length, 2);
    assert.equal(epochs[1], summary.test_top1);
    // Leaky ReLU has (almost) no exact zeros; ReLU would have many.
    assert.ok(summary.sparsity! < 0.05, `sparsity ${summary.sparsity}`);
    const svg = await Deno.readTextFile(`${out}/curves.svg`);
    assert.ok(svg.includes('data-series="test top-1"'));

    const fromPath = await evaluate(`${out}/last.ckpt`);
    assert.equal(fromPath.images, 24);
    assert.equal(fromPath.top1, summary.test_top1, "the checkpoint reproduces the run's figure");
    assert.equal(fromPath.loss, summary.test_loss);

    const test = await loadDataset("synthetic", { split: "test", synthetic: base.synthetic });
    const subset = await loadDataset("synthetic", {
      split: "test",
      synthetic: base.synthetic,
      subset: { n: 10 },
    });
    assert.equal(test.n, 24);
    assert.equal((await evaluate(`${out}/last.ckpt`, subset)).images, 10);

    // A live run: freshly initialised weights evaluate differently from the trained ones.
    const config = resolveConfig({ ...base, out });
    const run = await Run.open(config, { backend: getBackend("reference") });
    const fresh = await evaluate(run, test);
    const own = await evaluate(run);
    run.dispose();
    assert.equal(own.images, 24, "a run's own evaluation split");
    assert.equal(own.loss, fresh.loss, "the same split and state give the same loss");
    assert.equal(fresh.images, 24);
    assert.notEqual(fresh.loss, fromPath.loss);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("mod.ts: TRAIN_DEFAULTS and resolveConfig", () => {
  assert.equal(TRAIN_DEFAULTS.model, "vit_micro");
  assert.equal(resolveConfig({ out: "x" }).batchSize, TRAIN_DEFAULTS.batchSize);
  assert.throws(
    () => resolveConfig({ out: "x", epochs: 0 }),
    /--epochs must be a positive integer/,
  );
});

Deno.test("mod.ts: an AbortSignal stops at a step boundary with a resumable checkpoint", async () => {
  const out = await Deno.makeTempDir({ prefix: "actlab_api_" });
  try {
    const ac = new AbortController();
    const losses: number[] = [];
    await assert.rejects(
      train({ ...base, epochs: 1, out }, {
        progress: false,
        log: () => {},
        onStep: (step, loss) => {
          losses.push(loss);
          if (step === 1) ac.abort(new Error("stop requested"));
        },
        signal: ac.signal,
      }),
      /stop requested/,
    );
    assert.equal(losses.length, 2, "no step after the abort");
    const log = (await Deno.readTextFile(`${out}/log.jsonl`)).trim().split("\n");
    assert.equal(JSON.parse(log[0]).step, 2);
    // Resume: the remaining 2 steps of the epoch, then the summary.
    const s = await train({ ...base, epochs: 1, out }, {
      progress: false,
      log: () => {},
      resume: `${out}/last.ckpt`,
    });
    assert.equal(s.steps, 4);
    // An already-aborted signal starts nothing.
    await assert.rejects(
      train({ ...base, out: `${out}/never` }, { signal: AbortSignal.abort() }),
      (e: Error) => e.name === "AbortError",
    );
    assert.equal(await Deno.stat(`${out}/never`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
