/**
 * The training loop: data → one compiled step per batch → per-epoch
 * evaluation, `log.jsonl` line and checkpoint → `summary.json`.
 * Resuming restores every piece of state (parameters, moments, BatchNorm
 * statistics, plugin memories) and the position in the data order, so the
 * next step is the step the uninterrupted run would have taken.
 * @module
 */
import { resolveBackend } from "../backends/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { type Dataset, loadDataset } from "../data/dataset.ts";
import { trainBatchCount, trainBatches } from "../data/loader.ts";
import {
  checkCheckpointState,
  describeRun,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type StateSpec,
} from "./checkpoint.ts";
import { resolveConfig, type TrainConfig } from "./config.ts";
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
import { learningRate } from "./schedule.ts";
import { Session } from "./session.ts";

/** What `summary.json` holds. */
export interface TrainSummary {
  readonly model: string;
  readonly activation: string;
  readonly backend: string;
  readonly dataset: string;
  readonly epochs: number;
  readonly steps: number;
  readonly params: number;
  readonly test_top1?: number;
  readonly test_top5?: number;
  readonly test_loss?: number;
  readonly sparsity?: number;
  readonly train_loss: number;
  readonly train_img_per_s: number;
  readonly wall_s: number;
  readonly peak_rss_mib: number;
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
    const graph = session.trainStep.graph;
    const specs: Record<string, StateSpec> = {};
    for (const [name, slot] of graph.states) specs[name] = graph.nodes[slot.id];
    checkCheckpointState(ckpt, specs, options.resume, describeRun(config));
    await session.trainExe.writeState(ckpt.tensors);
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
  await writeJsonAtomic(`${config.out}/config.json`, { ...config, backendResolved: backend.name });
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
  while (step < totalSteps && epoch < config.epochs && stepsThisRun !== options.stopAfterSteps) {
    const epochStart = performance.now();
    const remaining = Math.min(perEpoch - batchInEpoch, totalSteps - step);
    const progress = options.progress === false
      ? null
      : new Progress(`epoch ${epoch + 1}/${config.epochs}`, remaining);
    let done = 0;
    const augment = config.augment === "default" ? undefined : config.augment === "on";
    for (
      const batch of trainBatches(trainSet, {
        batchSize: config.batchSize,
        seed: config.seed,
        epoch,
        augment,
        startBatch: batchInEpoch,
      })
    ) {
      const ts = performance.now();
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
      done++;
      stepsThisRun++;
      // Steady state: the first two steps of a process include lazy initialisation.
      if (stepsThisRun > 2) {
        timedMs += performance.now() - ts;
        timedImages += batch.valid;
      }
      peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
      progress?.update(
        done,
        `loss ${tracker.mean("loss").toFixed(4)} acc ${(100 * tracker.mean("top1")).toFixed(1)}%`,
      );
      if (step >= totalSteps || stepsThisRun === options.stopAfterSteps) break;
      if (every > 0 && step % every === 0 && batchInEpoch < perEpoch) await saveState();
    }
    progress?.done();
    const finishedEpoch = batchInEpoch >= perEpoch;
    await session.syncEvalState();
    lastEval = await evaluate(session, testSet, step);
    lastTrainLoss = tracker.mean("loss");
    const imgPerS = timedMs > 0 ? (timedImages * 1000) / timedMs : NaN;
    const line = {
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
