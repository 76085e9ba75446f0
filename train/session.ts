/**
 * A training session: the model, its train and eval step graphs compiled on
 * one backend, and the plumbing to feed them (host feeds, optimizer feeds)
 * and move state between them. `engine.ts` drives the loop.
 * @module
 */
import type { Backend, Executable } from "../backends/backend.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import type { BatchInfo } from "../plugin/context.ts";
import { initialState } from "../nn/init.ts";
import { createModel, type Model } from "../models/registry.ts";
import { type AdamWConfig, adamwFeedValues, appendAdamW, OPT_FEEDS } from "./adamw.ts";
import type { TrainConfig } from "./config.ts";
import { buildStepGraph, type StepGraph } from "./step_graph.ts";

/** Data facts the session needs (from the dataset). */
export interface DataShape {
  /** Per-sample input shape [C, H, W]. */
  readonly inputShape: readonly [number, number, number];
  /** Number of classes. */
  readonly numClasses: number;
  /** Per-channel normalisation mean (0–1 scale). */
  readonly mean: readonly number[];
  /** Per-channel normalisation standard deviation (0–1 scale). */
  readonly std: readonly number[];
}

/**
 * The model a run's config describes, shaped for its dataset. Training,
 * evaluation, analysis, export and the benches all build it here, so they
 * cannot drift apart.
 */
export function modelForRun(
  config: TrainConfig,
  data: Pick<DataShape, "inputShape" | "numClasses">,
): Model {
  return createModel(config.model, {
    ...config.modelOptions,
    numClasses: data.numClasses,
    inputShape: data.inputShape,
    activation: config.activation,
    activationOptions: config.activationOptions,
    regulariser: config.regulariser,
    regulariserOptions: config.regulariserOptions,
  });
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

/** Compiled train/eval graphs plus their feeding logic. */
export class Session {
  /** The configured model. */
  readonly model: Model;
  /** Train-phase step graph (with AdamW). */
  readonly trainStep: StepGraph;
  /** Eval-phase step graph. */
  readonly evalStep: StepGraph;
  /** The optimizer settings. */
  readonly adamw: AdamWConfig;

  private constructor(
    readonly config: TrainConfig,
    readonly data: DataShape,
    readonly backend: Backend,
    model: Model,
    trainStep: StepGraph,
    evalStep: StepGraph,
    adamw: AdamWConfig,
    /** Train executable. */
    readonly trainExe: Executable,
    /** Eval executable. */
    readonly evalExe: Executable,
  ) {
    this.model = model;
    this.trainStep = trainStep;
    this.evalStep = evalStep;
    this.adamw = adamw;
  }

  /** Build and compile both graphs; parameters are initialised from `config.seed`. */
  static async create(config: TrainConfig, data: DataShape, backend: Backend): Promise<Session> {
    const model = modelForRun(config, data);
    const common = {
      model,
      inputShape: data.inputShape,
      numClasses: data.numClasses,
      normalize: { mean: data.mean, std: data.std },
      labelSmoothing: config.labelSmoothing,
    };
    const trainStep = buildStepGraph({ ...common, phase: "train", batchSize: config.batchSize });
    const adamw = adamwForRun(config);
    appendAdamW(trainStep, adamw);
    const evalStep = buildStepGraph({ ...common, phase: "eval", batchSize: config.evalBatchSize });
    const train = await backend.compile(trainStep.graph);
    const evalExecutable = await backend.compile(evalStep.graph);
    const session = new Session(
      config,
      data,
      backend,
      model,
      trainStep,
      evalStep,
      adamw,
      train,
      evalExecutable,
    );
    await train.writeState(initialState(trainStep.record, config.seed));
    return session;
  }

  /** Number of trainable parameters. */
  get paramCount(): number {
    return this.trainStep.record.params.reduce(
      (n, p) => n + p.tensor.shape.reduce((a, d) => a * d, 1),
      0,
    );
  }

  /** Feeds of one training step. */
  trainFeeds(
    x: Float32Array,
    labels: Int32Array,
    step: number,
    lr: number,
  ): Record<string, HostTensor> {
    const feeds = this.commonFeeds(this.trainStep, x, labels, step);
    const o = adamwFeedValues(this.adamw, step, lr);
    feeds[OPT_FEEDS.lr] = { dtype: "f32", shape: [], data: Float32Array.of(o.lr) };
    feeds[OPT_FEEDS.bc1] = { dtype: "f32", shape: [], data: Float32Array.of(o.bc1) };
    feeds[OPT_FEEDS.bc2] = { dtype: "f32", shape: [], data: Float32Array.of(o.bc2) };
    return feeds;
  }

  /** Feeds of one evaluation batch. */
  evalFeeds(x: Float32Array, labels: Int32Array, step: number): Record<string, HostTensor> {
    return this.commonFeeds(this.evalStep, x, labels, step);
  }

  /** Copy parameters and buffers from the train executable into the eval executable. */
  async syncEvalState(): Promise<void> {
    const names = [...this.evalStep.graph.states.keys()];
    await this.evalExe.writeState(await this.trainExe.readState(names));
  }

  /** Release both executables. */
  dispose(): void {
    this.trainExe.dispose();
    this.evalExe.dispose();
  }

  /** Input, label and host feeds shared by both phases. */
  private commonFeeds(
    step: StepGraph,
    x: Float32Array,
    labels: Int32Array,
    stepIndex: number,
  ): Record<string, HostTensor> {
    const b = labels.length;
    const feeds: Record<string, HostTensor> = {
      x: { dtype: "f32", shape: [b, ...this.data.inputShape], data: x },
      labels: { dtype: "i32", shape: [b], data: labels },
    };
    const info: BatchInfo = {
      labels,
      step: stepIndex,
      numClasses: this.data.numClasses,
      seed: this.config.seed,
    };
    for (const spec of step.record.hostFeeds.values()) feeds[spec.key] = spec.compute(info);
    return feeds;
  }
}
