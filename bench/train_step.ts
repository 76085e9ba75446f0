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
import { Session } from "../train/session.ts";

/** What to build. */
export interface TrainStepSpec {
  readonly model: string;
  readonly activation: string;
  readonly batch: number;
  readonly image: readonly [number, number, number];
  readonly classes: number;
}

/** The session and a function running its next training step. */
export interface TrainStepRunner {
  readonly session: Session;
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
  const session = await Session.create(
    config,
    {
      inputShape: spec.image,
      numClasses: spec.classes,
      mean: new Array(channels).fill(0.5),
      std: new Array(channels).fill(0.25),
    },
    backend,
  );
  const x = new Float32Array(spec.batch * sizeOf(spec.image)).map((_, i) => (i * 0.618) % 1);
  const labels = Int32Array.from({ length: spec.batch }, (_, i) => i % spec.classes);
  let n = 0;
  const step = () => session.trainExe.run(session.trainFeeds(x, labels, n++, 1e-3));
  return { session, step };
}
