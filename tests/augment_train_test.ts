/**
 * `--augment paper` through the engine (reference backend, synthetic RGB
 * data): recorded in config.json, and a run stopped mid-epoch resumes to the
 * same losses as the uninterrupted run (augmentation keyed by (seed, epoch,
 * sample index), evaluation through the paper's resize + centre crop).
 */
import assert from "node:assert/strict";
import "../mod.ts";
import type { TrainConfig } from "../train/config.ts";
import { train } from "../train/engine.ts";

function base(out: string): Partial<TrainConfig> & { out: string } {
  return {
    out,
    model: "mlp",
    modelOptions: { widths: [32] },
    activation: "relu",
    backend: "reference",
    dataset: "synthetic",
    synthetic: { imageSize: 16, channels: 3, numClasses: 4, trainSize: 48, testSize: 16, seed: 3 },
    epochs: 2,
    steps: 5,
    batchSize: 16,
    evalBatchSize: 16,
    augment: "paper",
    seed: 7,
  };
}

const quiet = { progress: false, log: () => {} };

Deno.test("augment paper: recorded in config.json, resume mid-epoch gives the same losses", async () => {
  const dir = await Deno.makeTempDir();
  const full: number[] = [];
  await train(base(`${dir}/full`), { ...quiet, onStep: (_s, l) => full.push(l) });
  const config = JSON.parse(await Deno.readTextFile(`${dir}/full/config.json`));
  assert.equal(config.augment, "paper");
  const part: number[] = [];
  await train(base(`${dir}/part`), {
    ...quiet,
    stopAfterSteps: 2,
    onStep: (_s, l) => part.push(l),
  });
  await train(base(`${dir}/part`), {
    ...quiet,
    resume: `${dir}/part/last.ckpt`,
    onStep: (_s, l) => part.push(l),
  });
  assert.equal(full.length, 5);
  assert.deepEqual(part, full);
  const a = JSON.parse(await Deno.readTextFile(`${dir}/full/summary.json`));
  const b = JSON.parse(await Deno.readTextFile(`${dir}/part/summary.json`));
  assert.equal(b.test_top1, a.test_top1);
  assert.equal(b.test_loss, a.test_loss);
  await Deno.remove(dir, { recursive: true });
});
