/**
 * The run core is not tied to images: a toy sequence-classification task
 * (i32 token ids [B, T] + an f32 padding mask, label = the majority token)
 * and a bag-of-embeddings model are registered through the public API alone
 * and trained and evaluated end to end with `train()` and `evaluate()` —
 * DPA included, at a `features` site fed the task's labels.
 * @module
 */
import assert from "node:assert/strict";
import {
  div,
  evaluate,
  gather,
  type Graph,
  type HostTensor,
  maximum,
  mul,
  nn,
  registerModel,
  registerTask,
  reshape,
  Rng,
  sum,
  type Task,
  type TaskBatch,
  train,
} from "../mod.ts";

const T = 7; // tokens per sequence (padded)
const V = 3; // vocabulary = classes
const WIDTH = 16;

interface Sample {
  tokens: Int32Array;
  mask: Float32Array;
  label: number;
}

/** Sequences of 4–7 tokens; each token is a drawn class with probability 0.6; label = majority. */
function makeSamples(n: number, seed: number): Sample[] {
  const rng = Rng.fromSeed(seed);
  const u = rng.uniform(n * (2 + 2 * T));
  let j = 0;
  return Array.from({ length: n }, () => {
    const k = Math.floor(u[j++] * V);
    const len = 4 + Math.floor(u[j++] * (T - 3));
    const tokens = new Int32Array(T), mask = new Float32Array(T), counts = [0, 0, 0];
    for (let t = 0; t < T; t++) {
      const keep = u[j++] < 0.6, other = Math.floor(u[j++] * V);
      if (t >= len) continue; // padding: token 0, mask 0
      tokens[t] = keep ? k : other;
      mask[t] = 1;
      counts[tokens[t]]++;
    }
    return { tokens, mask, label: counts.indexOf(Math.max(...counts)) };
  });
}

function batchOf(samples: Sample[], rows: number[], size: number, index: number): TaskBatch {
  const tokens = new Int32Array(size * T), mask = new Float32Array(size * T);
  const labels = new Int32Array(size);
  rows.forEach((r, i) => {
    tokens.set(samples[r].tokens, i * T);
    mask.set(samples[r].mask, i * T);
    labels[i] = samples[r].label;
  });
  const feeds: Record<string, HostTensor> = {
    tokens: { dtype: "i32", shape: [size, T], data: tokens },
    mask: { dtype: "f32", shape: [size, T], data: mask },
    labels: { dtype: "i32", shape: [size], data: labels },
  };
  return { feeds, labels, valid: rows.length, index };
}

function toyTask(seed: number): Task {
  const trainSet = makeSamples(512, 1000 + seed), evalSet = makeSamples(200, 2000);
  return {
    kind: "toy-seq",
    dataset: "toy-majority",
    numClasses: V,
    classNames: ["a", "b", "c"],
    trainSize: trainSet.length,
    evalSize: evalSet.length,
    describe: () => `toy-majority (${trainSet.length} train / ${evalSet.length} test)`,
    inputs(graph: Graph, b: number) {
      const tokens = graph.input("tokens", [b, T], "i32");
      const mask = graph.input("mask", [b, T], "f32");
      const labels = graph.input("labels", [b], "i32");
      return { x: tokens, feeds: { tokens, mask, labels }, labels };
    },
    trainBatchCount: (size) => Math.floor(trainSet.length / size),
    *trainBatches(o) {
      const order = Rng.fromSeed(o.seed).fold(o.epoch).permutation(trainSet.length);
      for (let b = o.startBatch; b < Math.floor(trainSet.length / o.batchSize); b++) {
        const rows = Array.from(order.subarray(b * o.batchSize, (b + 1) * o.batchSize));
        yield batchOf(trainSet, rows, o.batchSize, b);
      }
    },
    *evalBatches(size) {
      for (let b = 0; b * size < evalSet.length; b++) {
        const rows = [];
        for (let r = b * size; r < Math.min(evalSet.length, (b + 1) * size); r++) rows.push(r);
        yield batchOf(evalSet, rows, size, b);
      }
    },
  };
}

registerTask({
  name: "toy-seq",
  description: "majority token of a padded int sequence",
  create: (config) => Promise.resolve(toyTask(config.seed)),
});

registerModel({
  name: "toy_bag",
  description: "masked mean of token embeddings → linear → activation → linear",
  defaults: {},
  inputRank: 1,
  create(config, sites) {
    return (ctx, tokens, inputs) => {
      const b = ctx.batchSize;
      const embed = ctx.param("embed", [V, WIDTH], (shape, r) => r.normal(shape[0] * shape[1]));
      const e = reshape(gather(embed, reshape(tokens, [b * T]), 0), [b, T, WIDTH]);
      const mask = reshape(inputs!.mask, [b, T, 1]);
      const pooled = div(sum(mul(e, mask), [1]), maximum(sum(mask, [1]), 1));
      let h = nn.linear(ctx.scope("fc"), pooled, WIDTH);
      const site = { channels: WIDTH, layout: "features", pooling: "avg" } as const;
      h = nn.applyActivation(ctx.scope("act"), sites.activation, site, h);
      return nn.linear(ctx.scope("head"), h, config.numClasses);
    };
  },
});

Deno.test("a non-image task trains and evaluates end to end through train() and evaluate()", async () => {
  const out = await Deno.makeTempDir({ prefix: "actlab_toy_task_" });
  try {
    const config = {
      task: "toy-seq",
      model: "toy_bag",
      activation: "dpa",
      dataset: "toy-majority",
      backend: "reference",
      epochs: 6,
      batchSize: 32,
      evalBatchSize: 64,
      lr: 0.02,
      out,
    };
    const summary = await train(config, { progress: false, log: () => {} });
    assert.equal(summary.steps, 6 * 16);
    // Chance is ~1/3; the majority token is learnable from the masked mean of embeddings.
    assert.ok(summary.test_top1! > 0.8, `test top-1 ${summary.test_top1}`);
    const stored = JSON.parse(await Deno.readTextFile(`${out}/config.json`));
    assert.equal(stored.task, "toy-seq");
    const log = (await Deno.readTextFile(`${out}/log.jsonl`)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.ok("masked_fraction" in log[0].train, "DPA's plugin metric is logged by name");

    // The checkpoint alone rebuilds the task and the model: the same figures.
    const again = await evaluate(`${out}/last.ckpt`);
    assert.equal(again.images, 200);
    assert.equal(again.top1, summary.test_top1);
    assert.equal(again.loss, summary.test_loss);

    // Resume continues from the checkpoint and still evaluates on the task.
    const more = await train({ ...config, epochs: 7 }, {
      progress: false,
      log: () => {},
      resume: `${out}/last.ckpt`,
    });
    assert.equal(more.steps, 7 * 16);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a task whose training split is smaller than a batch is a clear error", async () => {
  const out = await Deno.makeTempDir({ prefix: "actlab_toy_task_" });
  try {
    await assert.rejects(
      train({
        task: "toy-seq",
        model: "toy_bag",
        activation: "relu",
        dataset: "toy-majority",
        backend: "reference",
        batchSize: 1024,
        out,
      }, { progress: false, log: () => {} }),
      /fewer than one batch of 1024/,
    );
    await assert.rejects(
      train({ task: "no-such-task", backend: "reference", out }, { progress: false }),
      /unknown task "no-such-task".*image/s,
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
