/**
 * End-to-end engine behaviour on small synthetic data (reference backend):
 * resume exactness, divergence handling, run-directory contents, bad names.
 */
import assert from "node:assert/strict";
import "../mod.ts";
import { ActlabError } from "../core/errors.ts";
import { loadCheckpoint } from "../train/checkpoint.ts";
import type { TrainConfig } from "../train/config.ts";
import { train } from "../train/engine.ts";

function base(
  out: string,
  extra: Partial<TrainConfig> = {},
): Partial<TrainConfig> & { out: string } {
  return {
    out,
    model: "mlp",
    modelOptions: { widths: [32] },
    activation: "dpa",
    activationOptions: { updateInterval: 2 },
    backend: "reference",
    dataset: "synthetic",
    synthetic: { imageSize: 8, channels: 1, numClasses: 4, trainSize: 64, testSize: 32, seed: 3 },
    epochs: 2,
    batchSize: 16,
    evalBatchSize: 16,
    seed: 5,
    ...extra,
  };
}

const quiet = { progress: false, log: () => {} };

Deno.test("resume continues exactly: same losses and bit-identical state", async () => {
  const dir = await Deno.makeTempDir();
  const full: number[] = [];
  await train(base(`${dir}/full`, { steps: 6 }), { ...quiet, onStep: (_s, l) => full.push(l) });
  const first: number[] = [];
  // Interrupted after 3 steps (mid-epoch), then resumed.
  await train(base(`${dir}/part`, { steps: 6 }), {
    ...quiet,
    stopAfterSteps: 3,
    onStep: (_s, l) => first.push(l),
  });
  const second: number[] = [];
  await train(base(`${dir}/part`, { steps: 6 }), {
    ...quiet,
    resume: `${dir}/part/last.ckpt`,
    onStep: (_s, l) => second.push(l),
  });
  assert.deepEqual([...first, ...second], full);
  const a = await loadCheckpoint(`${dir}/full/last.ckpt`);
  const b = await loadCheckpoint(`${dir}/part/last.ckpt`);
  assert.deepEqual(Object.keys(b.tensors).sort(), Object.keys(a.tensors).sort());
  for (const name of Object.keys(a.tensors)) {
    assert.deepEqual(
      b.tensors[name].data,
      a.tensors[name].data,
      `state ${name} differs after resume`,
    );
  }
  // DPA memories are part of the checkpoint.
  assert.ok(Object.keys(a.tensors).some((n) => n.endsWith("value_memory") || n.includes("memory")));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("run directory: config, one log line per epoch, summary contract", async () => {
  const dir = await Deno.makeTempDir();
  const summary = await train(base(dir), quiet);
  const lines = (await Deno.readTextFile(`${dir}/log.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.equal(lines.length, 2);
  assert.deepEqual(lines.map((l) => l.epoch), [1, 2]);
  assert.ok(lines.every((l) => l.data_wait_s >= 0), "each epoch logs its data wait");
  const disk = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
  assert.deepEqual(disk, JSON.parse(JSON.stringify(summary)));
  for (
    const key of [
      "model",
      "activation",
      "backend",
      "dataset",
      "epochs",
      "steps",
      "test_top1",
      "train_img_per_s",
      "wall_s",
      "peak_rss_mib",
    ]
  ) {
    assert.ok(key in disk, `summary lacks ${key}`);
  }
  assert.equal(disk.steps, 8); // 64 images / 16 per batch × 2 epochs
  assert.ok(disk.test_top1 >= 0 && disk.test_top1 <= 1);
  const config = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
  assert.equal(config.model, "mlp");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a diverging run stops naming the step and keeps the last good checkpoint", async () => {
  const dir = await Deno.makeTempDir();
  await train(base(dir, { epochs: 1, activation: "relu", activationOptions: {} }), quiet);
  const before = await Deno.readFile(`${dir}/last.ckpt`);
  await assert.rejects(
    () =>
      train(
        base(dir, {
          epochs: 2,
          activation: "relu",
          activationOptions: {},
          lr: 1e30,
          minLr: 0,
          clipNorm: 0,
        }),
        {
          ...quiet,
          resume: `${dir}/last.ckpt`,
        },
      ),
    (e: unknown) =>
      e instanceof ActlabError && /loss is (NaN|-?Infinity) at step \d+/.test(e.message),
  );
  assert.deepEqual(await Deno.readFile(`${dir}/last.ckpt`), before);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("unknown names list the valid ones", async () => {
  for (
    const [field, pattern] of [
      ["model", /unknown model "nope".*mlp/s],
      ["activation", /unknown activation "nope".*dpa/s],
      ["backend", /unknown backend "nope".*reference/s],
      ["dataset", /unknown dataset "nope".*fashion-mnist/s],
    ] as const
  ) {
    await assert.rejects(
      () => train(base("/tmp/actlab-never-written", { [field]: "nope" }), quiet),
      (e: unknown) => e instanceof ActlabError && pattern.test(e.message),
    );
  }
  await assert.rejects(Deno.stat("/tmp/actlab-never-written"));
});
