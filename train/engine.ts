/**
 * The training loop: data → one compiled step per batch → per-epoch
 * evaluation, `log.jsonl` line and checkpoint → `summary.json`.
 * Resuming restores every piece of state (parameters, moments, BatchNorm
 * statistics, plugin memories) and the position in the data order, so the
 * next step is the step the uninterrupted run would have taken.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { type AutoBackendOptions, type BackendChoice, chooseAutoBackend } from "./auto_backend.ts";
import { type Checkpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { resolveConfig, type TrainConfig } from "./config.ts";
import { writeCurves } from "./curves.ts";
import { type EvalResult, evaluate, meanMetric, metricNames } from "./evaluate.ts";
import {
  appendJsonLine,
  probeWritable,
  removeStaleTemps,
  trimLogToStep,
  writeJsonAtomic,
} from "./files.ts";
import { labelledCount, MeanTracker, topKCorrect } from "./metrics.ts";
import { Progress } from "./progress.ts";
import { Run } from "./run.ts";
import { learningRate } from "./schedule.ts";
import type { Task } from "./task.ts";

/** What `summary.json` holds. */
export interface TrainSummary {
  /** Model name. */
  readonly model: string;
  /** Activation name. */
  readonly activation: string;
  /** The backend that ran (`auto` resolved). */
  readonly backend: string;
  /** How the backend was chosen (by name, by rank, measured, cached, kept on resume) and why. */
  readonly backend_choice?: BackendChoice;
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
  /**
   * Every metric the task's accumulator reports after the last epoch beyond
   * top-1/top-5/loss (the node task: `auc`, `val_top1`, `val_auc`).
   */
  readonly test_metrics?: Readonly<Record<string, number>>;
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
  /** The task's facts about its data (`Task.summary`), e.g. `train_class_counts`. */
  readonly data?: Readonly<Record<string, number | string | readonly number[]>>;
}

/** Options of `train` beyond the configuration. */
export interface TrainOptions {
  /** Continue from this checkpoint. */
  readonly resume?: string;
  /**
   * Options of the measured `--backend auto` rule (e.g. its cache folder);
   * the resumed backend and the log are filled in by `train`.
   */
  readonly autoBackend?: Omit<AutoBackendOptions, "pinned" | "log">;
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
  /**
   * Train on this task instead of the one `config.task` names (a task object
   * built in code, e.g. a custom non-image task). Its runs still record
   * `config.task`; evaluate them by passing the same task again.
   */
  readonly task?: Task;
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
  /**
   * Seconds the steady-state steps of this epoch waited for their batch (loading,
   * decoding and augmentation not hidden behind the previous step): ≈ 0 when the data
   * pipeline keeps up.
   */
  readonly data_wait_s: number;
  /** Peak resident memory of the process so far (MiB): flat across epochs when data streams. */
  readonly peak_rss_mib: number;
  /** Wall-clock seconds. */
  readonly wall_s: number;
}

const STATE_FILE = "last.ckpt";

/** The keys `resolvedFields` adds to `config.json` (what `compare` leaves out when matching cells). */
export const RESOLVED_CONFIG_FIELDS = [
  "backendResolved",
  "backendChoice",
  "modelOptionsResolved",
  "activationOptionsResolved",
  "activationOptionsProvenance",
  "regulariserOptionsResolved",
  "regulariserOptionsProvenance",
  "initFromReport",
  "taskFacts",
  "batchSizeResolved",
] as const;

/**
 * What `config.json` adds to the configuration: the backend `auto` chose and
 * every option as the model was built with it, with where each plugin option
 * came from (`given`, `default`, or a task default such as `dataset default:
 * 10 classes (authors' CIFAR-10 setting, configs/dpa.py)`), and the task
 * facts those defaults depend on. `compare` matches a cell with its run
 * directory on the configuration, then on the plugin options re-resolved
 * from `taskFacts` with today's defaults. `initFromReport` says what
 * `--init-from` loaded and which parameters kept their seeded init.
 */
export function resolvedFields(
  run: Run,
): Record<(typeof RESOLVED_CONFIG_FIELDS)[number], unknown> {
  const m = run.model.config;
  const reg = m.regulariser !== null;
  return {
    backendResolved: run.backend.name,
    backendChoice: run.backendChoice,
    modelOptionsResolved: m.options,
    activationOptionsResolved: m.activationOptions,
    activationOptionsProvenance: m.activationOptionSources,
    regulariserOptionsResolved: reg ? m.regulariserOptions : null,
    regulariserOptionsProvenance: reg ? m.regulariserOptionSources : null,
    initFromReport: run.initFrom,
    // What task-dependent plugin defaults were resolved from: `compare` re-resolves them
    // with today's defaults to tell whether a finished cell still is the run it asks for.
    taskFacts: { numClasses: m.numClasses },
    // A full-batch task (nodes) trains at its own static batch, whatever was asked for.
    batchSizeResolved: run.config.batchSize,
  };
}

/** The task's metrics beyond top-1/top-5/loss, as `test_metrics` (absent when there are none). */
function taskExtras(e: EvalResult): { test_metrics?: Record<string, number> } {
  const extra: Record<string, number> = {};
  for (const [name, value] of Object.entries(e.taskMetrics ?? {})) {
    if (!["top1", "top5", "loss"].includes(name)) extra[name] = value;
  }
  return Object.keys(extra).length ? { test_metrics: extra } : {};
}

/** Run training as configured; returns (and writes) the summary. */
export async function train(
  partial: Partial<TrainConfig> & { out: string },
  options: TrainOptions = {},
): Promise<TrainSummary> {
  options.signal?.throwIfAborted();
  const t0 = performance.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const config = resolveConfig(partial);
  // Read before anything is built: a resumed `auto` run keeps the backend it trained on.
  const ckpt = options.resume ? await loadCheckpoint(options.resume) : undefined;
  const pinned = typeof ckpt?.meta.backend === "string" ? ckpt.meta.backend : undefined;
  const run = await Run.open(config, {
    task: options.task,
    restoring: !!options.resume,
    chooseBackend: config.backend === "auto"
      ? (c, task) => chooseAutoBackend(c, task, { ...options.autoBackend, pinned, log })
      : undefined,
  });
  try {
    return await trainRun(run, options, log, t0, ckpt);
  } finally {
    run.dispose();
  }
}

/** The training loop over an opened run; `train` disposes the run. */
async function trainRun(
  run: Run,
  options: TrainOptions,
  log: (line: string) => void,
  t0: number,
  ckpt: Checkpoint | undefined,
): Promise<TrainSummary> {
  const config = run.config;
  if (run.task.trainBatchCount(config.batchSize) === 0) {
    throw new ActlabError(
      `the training split has ${run.task.trainSize} images, fewer than one batch of ${config.batchSize}`,
      "lower --batch-size or use more training data",
    );
  }
  const task = run.task;
  const perEpoch = task.trainBatchCount(config.batchSize);
  const totalSteps = config.steps > 0
    ? Math.min(config.steps, config.epochs * perEpoch)
    : config.epochs * perEpoch;
  const schedule = {
    baseLr: config.lr,
    minLr: config.minLr,
    warmupSteps: Math.round(config.warmupFraction * totalSteps),
    totalSteps,
    warmupStartLr: config.warmupStartLr,
  };

  let step = 0, epoch = 0, batchInEpoch = 0;
  let resumedMeans: unknown;
  // The last finished epoch's mean training loss: a run resumed from its final checkpoint
  // (killed before summary.json) trains no step but must report the same summary.
  let lastTrainLoss = NaN;
  if (options.resume && ckpt) {
    await run.restore(ckpt, options.resume);
    step = Number(ckpt.meta.step);
    epoch = Number(ckpt.meta.epoch);
    batchInEpoch = Number(ckpt.meta.batchInEpoch);
    resumedMeans = ckpt.meta.epochMeans;
    if (typeof ckpt.meta.trainLoss === "number") lastTrainLoss = ckpt.meta.trainLoss;
    log(
      `resumed from ${options.resume} at step ${step} (epoch ${epoch + 1}, batch ${batchInEpoch})`,
    );
  }
  // Before any file is touched: the run directory must take a new checkpoint beside the old one.
  const ckptBytes = encodeCheckpoint({ meta: {}, tensors: await run.readState() })
    .length;
  await probeWritable(config.out, 2 * ckptBytes + 65536);
  await removeStaleTemps(config.out);
  // A fresh run in an existing directory starts a fresh log; a resumed run continues it.
  if (!options.resume) await Deno.remove(`${config.out}/log.jsonl`).catch(() => {});
  else await trimLogToStep(`${config.out}/log.jsonl`, step);
  await writeJsonAtomic(`${config.out}/config.json`, {
    ...run.requestedConfig,
    ...resolvedFields(run),
  });
  const choice = run.backendChoice;
  if (choice && config.backend === "auto") {
    log(`backend auto → ${choice.backend} (${choice.reason})`);
  }
  if (run.initFrom) {
    const r = run.initFrom;
    log(
      `init-from ${r.file}: ${r.loaded} parameters loaded; seeded init: ${
        r.fresh.join(", ") || "none"
      }; ignored: ${r.ignored.length ? r.ignored.join(", ") : "none"}`,
    );
  }
  log(
    `actlab: ${config.model} + ${config.activation} on ${task.describe()}, ` +
      `backend ${run.backend.name}, ${
        run.paramCount.toLocaleString("en-US")
      } params, ${totalSteps} steps`,
  );

  let peakRss = Deno.memoryUsage().rss;
  let timedImages = 0, timedMs = 0, stepsThisRun = 0;
  let lastEval: EvalResult | undefined;
  const every = options.checkpointEvery ?? 0;
  let tracker = MeanTracker.from(resumedMeans);
  const saveState = async () => {
    const state = await run.readState();
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
        config: run.requestedConfig,
        backend: run.backend.name,
        epochMeans: batchInEpoch > 0 ? tracker.toJSON() : undefined,
        trainLoss: Number.isFinite(lastTrainLoss) ? lastTrainLoss : undefined,
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
    // Timed from the request for a batch to the end of its bookkeeping: img/s is end to
    // end (data loading and augmentation, feeds, the step, metrics), not the step alone.
    let ts = performance.now();
    let dataWaitMs = 0;
    for await (
      const batch of task.trainBatches({
        batchSize: config.batchSize,
        seed: config.seed,
        epoch,
        startBatch: batchInEpoch,
      })
    ) {
      if (stepsThisRun >= 2) dataWaitMs += performance.now() - ts;
      const lr = learningRate(schedule, step);
      const out = await run.trainOn(batch, step, lr);
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
        topKCorrect(out.logits.data, batch.labels, task.numClasses, 1, batch.valid) /
          labelledCount(batch.labels, batch.valid),
      );
      // Every per-site metric a plugin reports, averaged over its sites (e.g. sparsity,
      // DPA's masked fraction), without the engine knowing any plugin's names.
      for (const name of metricNames(out)) {
        const value = meanMetric(out, name);
        if (!Number.isNaN(value)) tracker.add(name, value);
      }
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
    await run.syncEvalState();
    lastEval = await evaluate(run, step);
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
      data_wait_s: dataWaitMs / 1000,
      peak_rss_mib: peakRss / 2 ** 20,
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
    throw options.signal!.reason;
  }
  // Resumed from a checkpoint taken after the last step: nothing ran, but the summary needs the test figures.
  if (!lastEval && step > 0) {
    await run.syncEvalState();
    lastEval = await evaluate(run, step);
  }
  const summary: TrainSummary = {
    model: config.model,
    activation: config.activation,
    backend: run.backend.name,
    ...(run.backendChoice ? { backend_choice: run.backendChoice } : {}),
    dataset: config.dataset,
    epochs: config.epochs,
    steps: step,
    params: run.paramCount,
    ...(lastEval
      ? {
        test_top1: lastEval.top1,
        test_top5: lastEval.top5,
        test_loss: lastEval.loss,
        sparsity: lastEval.sparsity,
        ...taskExtras(lastEval),
      }
      : {}),
    train_loss: lastTrainLoss,
    train_img_per_s: timedMs > 0 ? (timedImages * 1000) / timedMs : NaN,
    wall_s: (performance.now() - t0) / 1000,
    peak_rss_mib: peakRss / 2 ** 20,
    seed: config.seed,
    ...(run.task.summary ? { data: run.task.summary } : {}),
  };
  await writeJsonAtomic(`${config.out}/summary.json`, summary);
  return summary;
}
