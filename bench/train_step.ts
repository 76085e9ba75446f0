/**
 * A model's compiled training step on one backend, fed a fixed synthetic
 * batch: what the step benchmarks and the ORT profiler time. Each call of
 * `step` is one full step (forward, losses, backward, AdamW) with the step
 * counter advancing, so DPA's update interval behaves as in training.
 * @module
 */
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import "../models/mod.ts";
import type { Backend } from "../backends/backend.ts";
import { sizeOf } from "../core/host_tensor.ts";
import { resolveConfig } from "../train/config.ts";
import { imageBatch, imageTaskForShape } from "../tasks/image.ts";
import { Run } from "../train/run.ts";

/** What to build. */
export interface TrainStepSpec {
  readonly model: string;
  readonly activation: string;
  readonly batch: number;
  readonly image: readonly [number, number, number];
  readonly classes: number;
}

/** The opened run and a function running its next training step. */
export interface TrainStepRunner {
  readonly run: Run;
  readonly step: () => Promise<unknown>;
}

/** Build and compile `spec` on `backend`; the batch is deterministic pseudo-random pixels. */
export async function trainStepRunner(
  backend: Backend,
  spec: TrainStepSpec,
): Promise<TrainStepRunner> {
  const config = resolveConfig({
    out: "/tmp/unused",
    model: spec.model,
    activation: spec.activation,
    batchSize: spec.batch,
    evalBatchSize: spec.batch,
    seed: 1,
  });
  const channels = spec.image[0];
  const task = imageTaskForShape({
    inputShape: spec.image,
    numClasses: spec.classes,
    mean: new Array(channels).fill(0.5),
    std: new Array(channels).fill(0.25),
  });
  const run = await Run.open(config, { backend, task });
  const x = new Float32Array(spec.batch * sizeOf(spec.image)).map((_, i) => (i * 0.618) % 1);
  const labels = Int32Array.from({ length: spec.batch }, (_, i) => i % spec.classes);
  let n = 0;
  const batch = imageBatch(x, labels, spec.image);
  const step = () => run.trainOn(batch, n++, 1e-3);
  return { run, step };
}
