/**
 * End to end on real data: train an MLP on a Fashion-MNIST subset with the
 * ONNX Runtime backend and require a stated accuracy. Needs the Debian
 * package `dataset-fashion-mnist` (CI installs it); absent outside CI the
 * test is skipped with a message, absent under CI=true it fails.
 */
import assert from "node:assert/strict";
import "../mod.ts";
import { train } from "../train/engine.ts";

const DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
const present = await Deno.stat(DEBIAN_DIR).then(() => true, () => false);
const inCi = Deno.env.get("CI") === "true";
if (!present && !inCi) {
  console.warn(
    `skipping the Fashion-MNIST end-to-end test: ${DEBIAN_DIR} is missing (apt-get install dataset-fashion-mnist)`,
  );
}

Deno.test({
  name:
    "e2e: mlp + relu on 12k Fashion-MNIST images reaches >= 80% test top-1 in 2 epochs (ort-cpu)",
  ignore: !present && !inCi,
  async fn() {
    const dir = await Deno.makeTempDir();
    const summary = await train({
      out: dir,
      model: "mlp",
      activation: "relu",
      backend: "ort-cpu",
      dataset: "fashion-mnist",
      dataDir: DEBIAN_DIR,
      trainSubset: 12000,
      testSubset: 2000,
      epochs: 2,
      batchSize: 64,
      lr: 1e-3,
      seed: 0,
    }, { progress: false, log: () => {} });
    // Measured here: 0.8625 (seed 0) and 0.856 (seed 1). The bar leaves room for seed/backend noise while a broken
    // optimizer, loss or data pipeline (chance is 0.10) fails it.
    assert.ok(summary.test_top1! >= 0.8, `test top-1 ${summary.test_top1}`);
    assert.equal(summary.steps, 2 * Math.floor(12000 / 64));
    await Deno.remove(dir, { recursive: true });
  },
});
