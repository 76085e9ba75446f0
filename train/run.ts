/**
 * A `Run` is one configuration opened for work: its task (data), its model,
 * the train and eval step graphs compiled on one backend, and what moves
 * between them — feeds per batch, state, checkpoints, evaluation. Training
 * (`engine.ts`), `evaluate()`, `deno task eval|export|analyze`, `compare`
 * and the benches all go through it, so they cannot drift apart.
 *
 *   config ──► task (data, feeds, loss) ──► model ──► step graphs ──► backend
 *                                                            │
 *                    checkpoints ◄── state ◄── executables ◄─┘
 * @module
 */
import type { Backend, Executable } from "../backends/backend.ts";
import { resolveBackend } from "../backends/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { Graph } from "../core/graph.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import { createModel, type Model } from "../models/registry.ts";
import { initialState } from "../nn/init.ts";
import { type BatchInfo, hostFeedValues } from "../plugin/context.ts";
import { type AdamWConfig, adamwFeedValues, appendAdamW, OPT_FEEDS } from "./adamw.ts";
import type { Checkpoint } from "./checkpoint.ts";
import type { TrainConfig } from "./config.ts";
import { exactStateForGraph, stateForGraph } from "./restore.ts";
import { buildStepGraph, type StepGraph } from "./step_graph.ts";
import { getTask, type Task, type TaskBatch } from "./task.ts";
import { applyInitFrom, type InitFromReport, weightImporter } from "./pretrained.ts";
import { getModel, type ModelOptions } from "../models/registry.ts";
import type { BackendChoice } from "./auto_backend.ts";

/** The per-sample shape of a task's primary input (what a model is built for). */
export function taskInputShape(task: Task): number[] {
  return task.inputs(new Graph(), 1).x.shape.slice(1);
}

/**
 * The model a run's config describes, shaped for its task. Training,
 * evaluation, analysis, export and the benches all build it here.
 */
export function modelForRun(
  config: TrainConfig,
  data: {
    readonly inputShape: readonly number[];
    readonly numClasses: number;
    readonly modelHints?: ModelOptions;
  },
): Model {
  return createModel(config.model, {
    ...hintedOptions(config, data.modelHints ?? {}),
    ...config.modelOptions,
    numClasses: data.numClasses,
    inputShape: data.inputShape,
    activation: config.activation,
    activationOptions: config.activationOptions,
    regulariser: config.regulariser,
    regulariserOptions: config.regulariserOptions,
  });
}

/**
 * The task's model hints (e.g. the tokenizer's `vocabSize`) that the model
 * has as options; a configured value that differs is an error.
 */
function hintedOptions(config: TrainConfig, hints: ModelOptions): ModelOptions {
  const defaults = getModel(config.model).defaults;
  const out: Record<string, ModelOptions[string]> = {};
  for (const [key, value] of Object.entries(hints)) {
    if (!(key in defaults)) continue;
    const given = config.modelOptions[key];
    if (given !== undefined && JSON.stringify(given) !== JSON.stringify(value)) {
      throw new ActlabError(
        `model option ${key}=${JSON.stringify(given)} contradicts the task's data, which needs ${
          JSON.stringify(value)
        }`,
        `drop --model-opt ${key} (the task sets it) or make the data match`,
      );
    }
    out[key] = value;
  }
  return out;
}

/** The optimizer a run trains with: PyTorch's AdamW defaults, decay and clipping from the config. */
export function adamwForRun(config: TrainConfig): AdamWConfig {
  return {
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: config.weightDecay,
    clipNorm: config.clipNorm,
  };
}

/** A step graph of a run, built without a backend (export, benches, plan-only figures). */
export function stepGraphForRun(
  config: TrainConfig,
  task: Task,
  phase: "train" | "eval",
  batchSize: number,
): { step: StepGraph; model: Model; adamw: AdamWConfig | null } {
  const model = modelForRun(config, {
    inputShape: taskInputShape(task),
    numClasses: task.numClasses,
    modelHints: task.modelHints,
  });
  const step = buildStepGraph({
    model,
    task,
    phase,
    batchSize,
    labelSmoothing: config.labelSmoothing,
  });
  if (phase === "eval") return { step, model, adamw: null };
  const adamw = adamwForRun(config);
  appendAdamW(step, adamw);
  return { step, model, adamw };
}

/**
 * The feeds of one training step of `step` (built by `stepGraphForRun`): the
 * batch's feeds, every host feed the graph declared, and the optimizer scalars.
 */
export function trainStepFeeds(
  step: StepGraph,
  adamw: AdamWConfig,
  task: Task,
  config: TrainConfig,
  batch: TaskBatch,
  stepIndex: number,
  lr: number,
): Record<string, HostTensor> {
  const feeds = stepFeeds(step, task, config, batch, stepIndex);
  const o = adamwFeedValues(adamw, stepIndex, lr);
  feeds[OPT_FEEDS.lr] = { dtype: "f32", shape: [], data: Float32Array.of(o.lr) };
  feeds[OPT_FEEDS.bc1] = { dtype: "f32", shape: [], data: Float32Array.of(o.bc1) };
  feeds[OPT_FEEDS.bc2] = { dtype: "f32", shape: [], data: Float32Array.of(o.bc2) };
  return feeds;
}

/** The batch's task feeds plus every host feed the step graph declared. */
function stepFeeds(
  step: StepGraph,
  task: Task,
  config: TrainConfig,
  batch: TaskBatch,
  stepIndex: number,
): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = { ...batch.feeds };
  const info: BatchInfo = {
    labels: batch.labels,
    step: stepIndex,
    numClasses: task.numClasses,
    seed: config.seed,
  };
  Object.assign(feeds, hostFeedValues(step.record, info));
  return feeds;
}

/**
 * Picks the backend once the task is built (`auto` for a training run: see
 * `auto_backend.ts`); `config` is the run's, with a full-batch task's batch sizes.
 */
export type BackendChooser = (
  config: TrainConfig,
  task: Task,
) => Promise<{ backend: Backend; choice: BackendChoice }>;

/** Options of `Run.open`. */
export interface RunOpenOptions {
  /** The backend (default: `config.backend` resolved; `auto` picks the fastest available by rank). */
  readonly backend?: Backend;
  /**
   * Choose the backend after the task is built (ignored when `backend` is
   * given or the run does not train): the training engine's measured `auto`.
   */
  readonly chooseBackend?: BackendChooser;
  /** The task (default: `config.task` from the task registry, with its data loaded). */
  readonly task?: Task;
  /** Build and compile the train graph too (default true); false for evaluation-only runs. */
  readonly train?: boolean;
  /** Called on the eval step graph before it is compiled: add outputs (e.g. `analyze`'s pooled sites). */
  readonly extendEval?: (step: StepGraph) => void;
  /** A checkpoint will be restored next: skip `config.initFrom` (its state would be overwritten). */
  readonly restoring?: boolean;
}

/** Graph outputs by name. */
export type Outputs = Record<string, HostTensor>;

/** A run configuration opened on a backend: task, model, compiled step graphs, state. */
export class Run {
  private constructor(
    /** The run's configuration. */
    readonly config: TrainConfig,
    /** The task: data, feeds, loss and metrics. */
    readonly task: Task,
    /** The backend the graphs are compiled on. */
    readonly backend: Backend,
    /** The configured model. */
    readonly model: Model,
    /** Eval-phase step graph. */
    readonly evalStep: StepGraph,
    /** Eval executable. */
    readonly evalExe: Executable,
    private readonly trainPart: {
      step: StepGraph;
      exe: Executable;
      adamw: AdamWConfig;
    } | null,
    /** Whether the run opened its task (and so releases it). */
    private readonly ownsTask: boolean,
    /** The configuration as given (`config` differs only where a full-batch task fixed the batch sizes). */
    readonly requestedConfig: TrainConfig = config,
  ) {}

  /**
   * Open `config`: build the task (loading its data) unless given, the model
   * and both step graphs; compile them; initialise the state from `config.seed`.
   * An evaluation-only run (`train: false`) starts without state: `restore` a
   * checkpoint (or write the state) before evaluating.
   */
  static async open(config: TrainConfig, options: RunOpenOptions = {}): Promise<Run> {
    const requested = config;
    const withTrain = options.train ?? true;
    // Before any data is loaded or graph compiled: a model without an importer cannot --init-from.
    if (config.initFrom && withTrain && !options.restoring) {
      weightImporter(config.model, config.initFrom);
    }
    const chooser = options.backend || !withTrain ? undefined : options.chooseBackend;
    let backend = options.backend;
    let choice: BackendChoice = options.backend
      ? { backend: options.backend.name, rule: "given", reason: "given to Run.open" }
      : { backend: "", rule: config.backend === "auto" ? "rank" : "named", reason: "" };
    if (!backend && !chooser) {
      backend = await resolveBackend(config.backend);
      choice = {
        backend: backend.name,
        rule: choice.rule,
        reason: choice.rule === "rank" ? "the first available by speed rank" : "asked for by name",
      };
    }
    const ownsTask = !options.task;
    const task = options.task ??
      await getTask(config.task).create(config, { train: withTrain });
    // A full-batch task fixes the static batch: the configured sizes give way to it.
    const fixed = task.fullBatch === undefined
      ? config
      : { ...config, batchSize: task.fullBatch, evalBatchSize: task.fullBatch };
    try {
      if (chooser) ({ backend, choice } = await chooser(fixed, task));
      const run = await Run.build(fixed, requested, task, backend!, withTrain, options, ownsTask);
      run.backendChoice = choice;
      return run;
    } catch (e) {
      if (ownsTask) task.dispose?.();
      throw e;
    }
  }

  /** The model, step graphs and executables of `open`, for a task already built. */
  private static async build(
    config: TrainConfig,
    requested: TrainConfig,
    task: Task,
    backend: Backend,
    withTrain: boolean,
    options: RunOpenOptions,
    ownsTask: boolean,
  ): Promise<Run> {
    const evalBuilt = stepGraphForRun(config, task, "eval", config.evalBatchSize);
    options.extendEval?.(evalBuilt.step);
    let trainPart: { step: StepGraph; exe: Executable; adamw: AdamWConfig } | null = null;
    if (withTrain) {
      const t = stepGraphForRun(config, task, "train", config.batchSize);
      trainPart = { step: t.step, adamw: t.adamw!, exe: await backend.compile(t.step.graph) };
    }
    let evalExe: Executable;
    try {
      evalExe = await backend.compile(evalBuilt.step.graph);
    } catch (e) {
      trainPart?.exe.dispose();
      throw e;
    }
    const run = new Run(
      config,
      task,
      backend,
      evalBuilt.model,
      evalBuilt.step,
      evalExe,
      trainPart,
      ownsTask,
      requested,
    );
    // An evaluation-only run is always restored or written next: initialising it would be wasted.
    if (trainPart) {
      const state = initialState(trainPart.step.record, config.seed);
      if (config.initFrom && !options.restoring) {
        try {
          run.initFrom = await applyInitFrom(
            config.initFrom,
            config.model,
            trainPart.step.record,
            state,
          );
        } catch (e) {
          // The executables only: `open` releases the task.
          trainPart.exe.dispose();
          evalExe.dispose();
          throw e;
        }
      }
      await trainPart.exe.writeState(state);
    }
    return run;
  }

  /** What `config.initFrom` loaded (null: seeded init, or restored from a checkpoint). */
  initFrom: InitFromReport | null = null;

  /** How the backend was chosen (by name, by rank, measured, cached, kept on resume). */
  backendChoice: BackendChoice | null = null;

  /** Train-phase step graph (with AdamW); an error for an evaluation-only run. */
  get trainStep(): StepGraph {
    return this.needTrain().step;
  }

  /** Train executable; an error for an evaluation-only run. */
  get trainExe(): Executable {
    return this.needTrain().exe;
  }

  /** The optimizer settings. */
  get adamw(): AdamWConfig {
    return this.needTrain().adamw;
  }

  /** Whether the train graph was built. */
  get canTrain(): boolean {
    return this.trainPart !== null;
  }

  /** Number of trainable parameters. */
  get paramCount(): number {
    const record = (this.trainPart?.step ?? this.evalStep).record;
    return record.params.reduce((n, p) => n + p.tensor.shape.reduce((a, d) => a * d, 1), 0);
  }

  /** The train part, or a clear error for an evaluation-only run. */
  private needTrain(): { step: StepGraph; exe: Executable; adamw: AdamWConfig } {
    if (!this.trainPart) {
      throw new ActlabError(
        "this run was opened for evaluation only",
        "open it with Run.open(config, { train: true }) to train",
      );
    }
    return this.trainPart;
  }

  /** Feeds of one training step: the batch's feeds, host feeds and the optimizer scalars. */
  trainFeeds(batch: TaskBatch, step: number, lr: number): Record<string, HostTensor> {
    return trainStepFeeds(this.trainStep, this.adamw, this.task, this.config, batch, step, lr);
  }

  /** Feeds of one evaluation batch. */
  evalFeeds(batch: TaskBatch, step: number): Record<string, HostTensor> {
    return stepFeeds(this.evalStep, this.task, this.config, batch, step);
  }

  /** Run one training step (0-based `step`, learning rate `lr`). */
  trainOn(batch: TaskBatch, step: number, lr: number): Promise<Outputs> {
    return this.trainExe.run(this.trainFeeds(batch, step, lr));
  }

  /** Run the eval graph on one batch (state must be synced first: `syncEvalState`). */
  evalOn(batch: TaskBatch, step: number): Promise<Outputs> {
    return this.evalExe.run(this.evalFeeds(batch, step));
  }

  /** Copy parameters and buffers from the train executable into the eval executable. */
  async syncEvalState(): Promise<void> {
    if (!this.trainPart) return;
    const names = [...this.evalStep.graph.states.keys()];
    await this.evalExe.writeState(await this.trainPart.exe.readState(names));
  }

  /** The state (train graph's if built, else eval graph's) by name: all, or the `names` given. */
  readState(names?: readonly string[]): Promise<Record<string, HostTensor>> {
    return (this.trainPart?.exe ?? this.evalExe).readState(names);
  }

  /**
   * Load a checkpoint's state. A run that trains needs exactly the train
   * graph's state (another model or activation is refused, naming both runs);
   * an evaluation-only run reads the subset its eval graph has.
   */
  async restore(ckpt: Checkpoint, path: string): Promise<void> {
    if (this.trainPart) {
      await this.trainPart.exe.writeState(
        exactStateForGraph(ckpt, this.trainPart.step.graph, path, this.config),
      );
      await this.syncEvalState();
    } else {
      await this.evalExe.writeState(
        stateForGraph(ckpt, this.evalStep.graph, path, this.config.model),
      );
    }
  }

  /** Release the executables, and the task when the run opened it. */
  dispose(): void {
    this.trainPart?.exe.dispose();
    this.evalExe.dispose();
    if (this.ownsTask) this.task.dispose?.();
  }
}
