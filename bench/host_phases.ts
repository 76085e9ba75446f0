/**
 * Where a training step's wall time goes on the host side, phase by phase, as
 * the engine runs it: taking the next batch from the loader (shuffle,
 * augmentation, normalisation copy), building the feeds (DPA/ARR's class-EMA
 * weight matrix, optimizer scalars), the compiled step itself (ONNX Runtime
 * for ort-cpu; outputs read back), and the per-step bookkeeping (top-1 from
 * the logits, metrics). Complements `ort_profile.ts`, which splits the step
 * phase by ONNX op.
 * Run: `deno run -A bench/host_phases.ts [model] [activation] [batch] [backend] [dataset]`
 * (defaults: vit_micro dpa 128 ort-cpu fashion-mnist; `synthetic` needs no files).
 */
import "../backends/mod.ts";
import "../tasks/mod.ts";
import { resolveBackend } from "../backends/registry.ts";
import { loadDataset } from "../data/dataset.ts";
import { imageTask } from "../tasks/image.ts";
import { resolveConfig } from "../train/config.ts";
import { meanMetric, metricNames } from "../train/evaluate.ts";
import { topKCorrect } from "../train/metrics.ts";
import { Run } from "../train/run.ts";
import { machine } from "./peer_bench.ts";

const [
  model = "vit_micro",
  activation = "dpa",
  batchArg = "128",
  backendName = "ort-cpu",
  dataset = "fashion-mnist",
] = Deno.args;
const batch = Number(batchArg);
const STEPS = 30;
const WARMUP = 3;

const backend = await resolveBackend(backendName);
const train = await loadDataset(dataset, "train", {
  synthetic: { imageSize: 28, channels: 1, numClasses: 10, trainSize: batch * 64 },
});
const config = resolveConfig({
  out: "/tmp/unused",
  model,
  activation,
  dataset,
  batchSize: batch,
  evalBatchSize: batch,
});
const task = imageTask({ train, eval: train });
const run = await Run.open(config, { backend, task });

const phases = { batch: 0, feeds: 0, step: 0, bookkeeping: 0 };
const loader = task.trainBatches({ batchSize: batch, seed: 0, epoch: 0, startBatch: 0 })[
  Symbol.iterator
]();
for (let s = 0; s < WARMUP + STEPS; s++) {
  const t0 = performance.now();
  const next = loader.next();
  if (next.done) throw new Error(`the ${dataset} train split has fewer than ${STEPS} batches`);
  const b = next.value;
  const t1 = performance.now();
  const feeds = run.trainFeeds(b, s, 1e-3);
  const t2 = performance.now();
  const out = await run.trainExe.run(feeds);
  const t3 = performance.now();
  topKCorrect(out.logits.data, b.labels, train.numClasses, 1, b.valid);
  for (const name of metricNames(out)) meanMetric(out, name);
  const t4 = performance.now();
  if (s < WARMUP) continue;
  phases.batch += t1 - t0;
  phases.feeds += t2 - t1;
  phases.step += t3 - t2;
  phases.bookkeeping += t4 - t3;
}
const total = Object.values(phases).reduce((a, b) => a + b, 0);
console.log(
  `${model} × ${activation}, batch ${batch} of ${dataset}, ${backend.name} — ${machine()}: ` +
    `${(total / STEPS).toFixed(1)} ms per step (${
      (batch * STEPS / total * 1000).toFixed(0)
    } img/s)`,
);
console.log("| phase | ms / step | share |\n| --- | --- | --- |");
for (const [name, ms] of Object.entries(phases)) {
  console.log(`| ${name} | ${(ms / STEPS).toFixed(3)} | ${(100 * ms / total).toFixed(2)} % |`);
}
run.dispose();
