/**
 * Times a run's compiled training step on one backend: the step graph the run
 * itself builds (`stepGraphForRun`), its seeded state, and the first training
 * batch of the run's task (real shapes and valid values: token ids, labels), fed
 * exactly as `Run.trainOn` feeds it. What `--backend auto` measures to choose
 * between the CPU backends (`auto_backend.ts`).
 *
 * The executable is disposed before this returns: ONNX Runtime's idle intra-op
 * threads keep spinning after a run while their session lives, and slow whatever
 * runs next in the process (bench/step_child.ts), so each candidate is timed with
 * no other candidate's session alive.
 * @module
 */
import type { Backend } from "../backends/backend.ts";
import { ActlabError } from "../core/errors.ts";
import { initialState } from "../nn/init.ts";
import type { TrainConfig } from "./config.ts";
import { stepGraphForRun, trainStepFeeds } from "./run.ts";
import type { Task, TaskBatch } from "./task.ts";

/** How many steps to time (defaults: 2 warm-up; ≥ 3 timed and ≥ 300 ms, at most 40). */
export interface StepTimingOptions {
  /** Untimed steps first (first-run allocation, kernel selection, caches). */
  readonly warmup?: number;
  /** Timed steps at least. */
  readonly minSteps?: number;
  /** Keep timing until this many milliseconds have passed (a fast step is noisy)… */
  readonly minMs?: number;
  /** …but no more than this many timed steps. */
  readonly maxSteps?: number;
  /**
   * Give up as soon as a step is slower than this (the first warm-up step:
   * 3× this) and return that step's time: the candidate has already lost to
   * one that ran at this speed, and a pathologically slow one (oneDNN's
   * fork-join on a busy machine ran `vit_micro` at 27 s per step) need not be
   * timed to the end.
   */
  readonly stopAboveMs?: number;
}

/** The run's first training batch (epoch 0, batch 0). */
export async function firstTrainBatch(task: Task, config: TrainConfig): Promise<TaskBatch> {
  const batches = task.trainBatches({
    batchSize: config.batchSize,
    seed: config.seed,
    epoch: 0,
    startBatch: 0,
  });
  // Leaving the loop closes the iterator (a streaming task stops its decoders).
  for await (const batch of batches) return batch;
  throw new ActlabError(
    `the training split has ${task.trainSize} samples, fewer than one batch of ${config.batchSize}`,
    "lower --batch-size or use more training data",
  );
}

/** Median milliseconds per training step of `config` on `backend`. */
export async function timeTrainStep(
  backend: Backend,
  config: TrainConfig,
  task: Task,
  options: StepTimingOptions = {},
): Promise<number> {
  const warmup = options.warmup ?? 2;
  const minSteps = options.minSteps ?? 3;
  const minMs = options.minMs ?? 300;
  const maxSteps = Math.max(minSteps, options.maxSteps ?? 40);
  const batch = await firstTrainBatch(task, config);
  const { step, adamw } = stepGraphForRun(config, task, "train", config.batchSize);
  const exe = await backend.compile(step.graph);
  try {
    await exe.writeState(initialState(step.record, config.seed));
    const stop = options.stopAboveMs ?? Infinity;
    let i = 0;
    const one = async () => {
      const t0 = performance.now();
      await exe.run(trainStepFeeds(step, adamw!, task, config, batch, i, config.lr));
      const ms = performance.now() - t0;
      return { ms, over: ms > (i++ === 0 ? 3 * stop : stop) };
    };
    for (let w = 0; w < warmup; w++) {
      const r = await one();
      if (r.over) return r.ms;
    }
    const times: number[] = [];
    let total = 0;
    while (times.length < minSteps || (total < minMs && times.length < maxSteps)) {
      const r = await one();
      if (r.over) return r.ms;
      times.push(r.ms);
      total += r.ms;
    }
    times.sort((a, b) => a - b);
    const mid = times.length >> 1;
    return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  } finally {
    exe.dispose();
  }
}
