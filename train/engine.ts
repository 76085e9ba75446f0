/**
 * The training loop: data → one compiled step per batch → per-epoch
 * evaluation, `log.jsonl` line and checkpoint → `summary.json`.
 * Resuming restores every piece of state (parameters, moments, BatchNorm
 * statistics, plugin memories) and the position in the data order, so the
 * next step is the step the uninterrupted run would have taken.
 * @module
 */
import { resolveBackend } from "../backends/registry.ts";
import { resolveActivationOptions } from "../activations/registry.ts";
import { resolveRegulariserOptions } from "../regularisers/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { type Dataset, loadDataset } from "../data/dataset.ts";
import { trainBatchCount, trainBatches } from "../data/loader.ts";
import { encodeCheckpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { resolveConfig, type TrainConfig } from "./config.ts";
import { writeCurves } from "./curves.ts";
import { type EvalResult, evaluate, meanMetric } from "./evaluate.ts";
import {
  appendJsonLine,
  probeWritable,
  removeStaleTemps,
  trimLogToStep,
  writeJsonAtomic,
} from "./files.ts";
import { MeanTracker, topKCorrect } from "./metrics.ts";
import { Progress } from "./progress.ts";
import { exactStateForGraph } from "./restore.ts";
import { learningRate } from "./schedule.ts";
import { Session } from "./session.ts";

/** What `summary.json` holds. */
export interface TrainSummary {
  /** Model name. */
  readonly model: string;
  /** Activation name. */
  readonly activation: string;
  /** The backend that ran (`auto` resolved). */
  readonly backend: string;
  /** Dataset name. */
  readonly dataset: string;
  /** Configured epochs. */
  readonly epochs: number;
  /** Training steps taken in total (all invocations). */
  readonly steps: number;
  /** Trainable parameters. */
  readonly params: number;
  /** Test top-1 accuracy after the last epoch (0–1). */
  readonly test_top1?: number;
  /** Test top-5 accuracy after the last epoch (0–1). */
  readonly test_top5?: number;
  /** Mean test cross-entropy after the last epoch. */
  readonly test_loss?: number;
  /** Mean fraction of exact zeros at the activation sites on the test split. */
  readonly sparsity?: number;
  /** Mean total training loss of the last epoch. */
  readonly train_loss: number;
  /**
   * Steady-state training throughput (images per second), end to end: batch loading and
   * augmentation, feeds, the step and its bookkeeping; evaluation and checkpoints excluded.
   */
  readonly train_img_per_s: number;
  /** Wall-clock seconds. */
  readonly wall_s: number;
  /** Peak resident memory of the process (MiB). */
  readonly peak_rss_mib: number;
  /** The run's seed. */
  readonly seed: number;
}

/** Options of `train` beyond the configuration. */
export interface TrainOptions {
  /** Continue from this checkpoint. */
  readonly resume?: string;
  /** Show a progress bar / progress lines on stderr (default true). */
  readonly progress?: boolean;
  /** Receives one-line messages (default console.log). */
  readonly log?: (line: string) => void;
  /**
   * Stop (evaluate, checkpoint) after this many steps of this invocation, as
   * if the job were pre-empted; the schedule still spans the configured run,
   * so resuming continues it exactly.
   */
  readonly stopAfterSteps?: number;
  /** Called after every training step with its 0-based index and total loss. */
  readonly onStep?: (step: number, loss: number) => void;
  /**
   * Also write `last.ckpt` every this many steps inside an epoch (default 0:
   * only at the end of each epoch), so a killed run loses at most that many steps.
   */
  readonly checkpointEvery?: number;
  /** Called after every epoch's evaluation with the line just appended to `log.jsonl`. */
  readonly onEpoch?: (line: EpochLog) => void;
  /**
   * Stop at the next step boundary: the partial epoch is evaluated, logged and
   * checkpointed (so `resume` continues it exactly), then `train` rejects with
   * `signal.reason`.
   */
  readonly signal?: AbortSignal;
}

/** One line of `log.jsonl`: an epoch's (or a stopped partial epoch's) results. */
export interface EpochLog {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Training steps taken so far. */
  readonly step: number;
  /** Learning rate of the last step. */
  readonly lr: number;
  /** Means over the epoch's steps: `loss`, `top1`, each loss term, activation metrics. */
  readonly train: Readonly<Record<string, number>>;
  /** Test-split results after this epoch. */
  readonly test: {
    readonly top1: number;
    readonly top5: number;
    readonly loss: number;
    readonly sparsity: number;
  };
  /** Steady-state training throughput so far (images per second). */
  readonly img_per_s: number;
  /** Seconds this epoch took (training and evaluation). */
  readonly epoch_s: number;
  /** Wall-clock seconds. */
  readonly wall_s: number;
}

/** Load the train/test splits a config asks for. */
export async function loadData(config: TrainConfig): Promise<{ train: Dataset; test: Dataset }> {
  const base = { dataDir: config.dataDir, synthetic: config.synthetic };
  const train = await loadDataset(config.dataset, "train", {
    ...base,
    subset: config.trainSubset ? { n: config.trainSubset } : undefined,
  });
  const test = await loadDataset(config.dataset, "test", {
    ...base,
    subset: config.testSubset ? { n: config.testSubset } : undefined,
  });
  return { train, test };
}

const STATE_FILE = "last.ckpt";

/** Run training as configured; returns (and writes) the summary. */
export async function train(
  partial: Partial<TrainConfig> & { out: string },
  options: TrainOptions = {},
): Promise<TrainSummary> {
  options.signal?.throwIfAborted();
  const t0 = performance.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const config = resolveConfig(partial);
  const backend = await resolveBackend(config.backend);
  const { train: trainSet, test: testSet } = await loadData(config);
  if (trainSet.n < config.batchSize) {
    throw new ActlabError(
      `the training split has ${trainSet.n} images, fewer than one batch of ${config.batchSize}`,
      "lower --batch-size or use more training data",
    );
  }
  const session = await Session.create(config, {
    inputShape: trainSet.shape,
    numClasses: trainSet.numClasses,
    mean: trainSet.mean,
    std: trainSet.std,
  }, backend);
  const perEpoch = trainBatchCount(trainSet.n, config.batchSize);
  const totalSteps = config.steps > 0
    ? Math.min(config.steps, config.epochs * perEpoch)
    : config.epochs * perEpoch;
  const schedule = {
    baseLr: config.lr,
    minLr: config.minLr,
    warmupSteps: Math.round(config.warmupFraction * totalSteps),
    totalSteps,
  };

  let step = 0, epoch = 0, batchInEpoch = 0;
  let resumedMeans: unknown;
  if (options.resume) {
    const ckpt = await loadCheckpoint(options.resume);
    await session.trainExe.writeState(
      exactStateForGraph(ckpt, session.trainStep.graph, options.resume, config),
    );
    step = Number(ckpt.meta.step);
    epoch = Number(ckpt.meta.epoch);
    batchInEpoch = Number(ckpt.meta.batchInEpoch);
    resumedMeans = ckpt.meta.epochMeans;
    log(
      `resumed from ${options.resume} at step ${step} (epoch ${epoch + 1}, batch ${batchInEpoch})`,
    );
  }
  // Before any file is touched: the run directory must take a new checkpoint beside the old one.
  const ckptBytes = encodeCheckpoint({ meta: {}, tensors: await session.trainExe.readState() })
    .length;
  await probeWritable(config.out, 2 * ckptBytes + 65536);
  await removeStaleTemps(config.out);
  // A fresh run in an existing directory starts a fresh log; a resumed run continues it.
  if (!options.resume) await Deno.remove(`${config.out}/log.jsonl`).catch(() => {});
  else await trimLogToStep(`${config.out}/log.jsonl`, step);
  await writeJsonAtomic(`${config.out}/config.json`, {
    ...config,
    backendResolved: backend.name,
    activationOptionsResolved: resolveActivationOptions(
      config.activation,
      config.activationOptions,
    ),
    regulariserOptionsResolved: resolveRegulariserOptions(
      config.regulariser,
      config.regulariserOptions,
    ),
  });
  log(
    `actlab: ${config.model} + ${config.activation} on ${trainSet.name} (${trainSet.n} train / ${testSet.n} test), ` +
      `backend ${backend.name}, ${
        session.paramCount.toLocaleString("en-US")
      } params, ${totalSteps} steps`,
  );

  let peakRss = Deno.memoryUsage().rss;
  let timedImages = 0, timedMs = 0, stepsThisRun = 0;
  let lastEval: EvalResult | undefined;
  let lastTrainLoss = NaN;
  const every = options.checkpointEvery ?? 0;
  let tracker = MeanTracker.from(resumedMeans);
  const saveState = async () => {
    const state = await session.trainExe.readState();
    for (const [name, t] of Object.entries(state)) {
      if (t.dtype === "f32" && !t.data.every(Number.isFinite)) {
        throw new ActlabError(
          `training diverged: state "${name}" is not finite after step ${step}`,
          `lower --lr (now ${config.lr}) or enable clipping; the last good checkpoint (${config.out}/${STATE_FILE}) is kept`,
        );
      }
    }
    await saveCheckpoint(`${config.out}/${STATE_FILE}`, {
      meta: {
        format: "actlab-train-state",
        step,
        epoch,
        batchInEpoch,
        config,
        epochMeans: batchInEpoch > 0 ? tracker.toJSON() : undefined,
      },
      tensors: state,
    });
  };
  // One bar for the whole run: its ETA covers every remaining epoch and evaluation.
  const progress = options.progress === false ? null : new Progress("", totalSteps - step);
  const aborted = () => options.signal?.aborted === true;
  while (
    step < totalSteps && epoch < config.epochs && stepsThisRun !== options.stopAfterSteps &&
    !aborted()
  ) {
    const epochStart = performance.now();
    progress?.setLabel(`epoch ${epoch + 1}/${config.epochs}`);
    const augment = config.augment === "default" ? undefined : config.augment === "on";
    // Timed from the request for a batch to the end of its bookkeeping: img/s is end to
    // end (data loading and augmentation, feeds, the step, metrics), not the step alone.
    let ts = performance.now();
    for (
      const batch of trainBatches(trainSet, {
        batchSize: config.batchSize,
        seed: config.seed,
        epoch,
        augment,
        startBatch: batchInEpoch,
      })
    ) {
      const lr = learningRate(schedule, step);
      const out = await session.trainExe.run(session.trainFeeds(batch.x, batch.labels, step, lr));
      const loss = out.loss.data[0];
      if (!Number.isFinite(loss)) {
        throw new ActlabError(
          `training diverged: the loss is ${loss} at step ${step} (epoch ${
            epoch + 1
          }, batch ${batch.index})`,
          `lower --lr (now ${config.lr}) or enable clipping; the last good checkpoint (${config.out}/${STATE_FILE}) is kept`,
        );
      }
      options.onStep?.(step, loss);
      for (const [name, t] of Object.entries(out)) {
        if (name.startsWith("loss.")) tracker.add(name.slice(5), t.data[0]);
      }
      tracker.add("loss", loss);
      tracker.add(
        "top1",
        topKCorrect(out.logits.data, batch.labels, trainSet.numClasses, 1, batch.valid) /
          batch.valid,
      );
      const sparsity = meanMetric(out, "sparsity");
      if (!Number.isNaN(sparsity)) tracker.add("sparsity", sparsity);
      const masked = meanMetric(out, "masked_fraction");
      if (!Number.isNaN(masked)) tracker.add("masked_fraction", masked);
      step++;
      batchInEpoch++;
      stepsThisRun++;
      peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
      progress?.update(
        stepsThisRun,
        `loss ${tracker.mean("loss").toFixed(4)} acc ${(100 * tracker.mean("top1")).toFixed(1)}%`,
      );
      // Steady state: the first two steps of a process include lazy initialisation.
      if (stepsThisRun > 2) {
        timedMs += performance.now() - ts;
        timedImages += batch.valid;
      }
      if (step >= totalSteps || stepsThisRun === options.stopAfterSteps || aborted()) break;
      // Outside the timed span: img/s excludes checkpoints, as it excludes evaluation.
      if (every > 0 && step % every === 0 && batchInEpoch < perEpoch) await saveState();
      ts = performance.now();
    }
    progress?.clear();
    const finishedEpoch = batchInEpoch >= perEpoch;
    await session.syncEvalState();
    lastEval = await evaluate(session, testSet, step);
    lastTrainLoss = tracker.mean("loss");
    const imgPerS = timedMs > 0 ? (timedImages * 1000) / timedMs : NaN;
    const line: EpochLog = {
      epoch: epoch + 1,
      step,
      lr: learningRate(schedule, Math.max(0, step - 1)),
      train: tracker.means(),
      test: {
        top1: lastEval.top1,
        top5: lastEval.top5,
        loss: lastEval.loss,
        sparsity: lastEval.sparsity,
      },
      img_per_s: imgPerS,
      epoch_s: (performance.now() - epochStart) / 1000,
      wall_s: (performance.now() - t0) / 1000,
    };
    await appendJsonLine(`${config.out}/log.jsonl`, line);
    await writeCurves(config.out);
    options.onEpoch?.(line);
    log(
      `epoch ${epoch + 1}: train loss ${lastTrainLoss.toFixed(4)} acc ${
        (100 * tracker.mean("top1")).toFixed(2)
      }% | ` +
        `test top-1 ${(100 * lastEval.top1).toFixed(2)}% top-5 ${
          (100 * lastEval.top5).toFixed(2)
        }% | ` +
        `${imgPerS.toFixed(1)} img/s`,
    );
    if (finishedEpoch) {
      epoch++;
      batchInEpoch = 0;
    }
    await saveState();
    tracker = new MeanTracker();
  }
  progress?.done();
  if (aborted()) {
    session.dispose();
    throw options.signal!.reason;
  }
  // Resumed from a checkpoint taken after the last step: nothing ran, but the summary needs the test figures.
  if (!lastEval && step > 0) {
    await session.syncEvalState();
    lastEval = await evaluate(session, testSet, step);
  }
  const summary: TrainSummary = {
    model: config.model,
    activation: config.activation,
    backend: backend.name,
    dataset: config.dataset,
    epochs: config.epochs,
    steps: step,
    params: session.paramCount,
    ...(lastEval
      ? {
        test_top1: lastEval.top1,
        test_top5: lastEval.top5,
        test_loss: lastEval.loss,
        sparsity: lastEval.sparsity,
      }
      : {}),
    train_loss: lastTrainLoss,
    train_img_per_s: timedMs > 0 ? (timedImages * 1000) / timedMs : NaN,
    wall_s: (performance.now() - t0) / 1000,
    peak_rss_mib: peakRss / 2 ** 20,
    seed: config.seed,
  };
  await writeJsonAtomic(`${config.out}/summary.json`, summary);
  session.dispose();
  return summary;
}
