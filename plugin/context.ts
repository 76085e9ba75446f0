/**
 * The build context every layer, activation and regulariser writes into
 * while a model is traced into a step graph. It collects what the training
 * engine needs to assemble and run the step: parameters (with initialisers
 * and weight-decay flags), non-trainable state (BatchNorm statistics, class
 * memories) with their update ops, extra loss terms, host-computed feeds
 * shared across layers (DPA's EMA weights), gradient taps and metrics.
 * Parameters and buffers are graph state, named by their scope path.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Site } from "./types.ts";
import type { Graph, Tensor } from "../core/graph.ts";
import type { DType, HostTensor, Shape } from "../core/host_tensor.ts";
import { fmtShape } from "../core/shape.ts";

/** Training or evaluation graph. */
export type Phase = "train" | "eval";

/** The random draws initialisers need (implemented by `core/rng`'s generator). */
export interface RandomSource {
  /** n draws from U[lo, hi). */
  uniform(n: number, lo?: number, hi?: number): Float32Array;
  /** n draws from N(mean, std²). */
  normal(n: number, mean?: number, std?: number): Float32Array;
  /** n draws from N(0, std²) resampled until inside the absolute bounds [a, b]. */
  truncatedNormal(n: number, std: number, a?: number, b?: number): Float32Array;
}

/** Produces a parameter's initial values (row-major, length = size of shape). */
export type Initializer = (shape: Shape, random: RandomSource) => Float32Array;

/** A trainable parameter. */
export interface ParamSpec {
  /** Full dotted name, e.g. `blocks.3.mlp.fc1.weight` (also its graph state name). */
  readonly name: string;
  /** The state tensor holding the current value. */
  readonly tensor: Tensor;
  /** How to initialise it. */
  readonly init: Initializer;
  /** Whether AdamW's decoupled weight decay applies (false for norms, biases, embeddings). */
  readonly decay: boolean;
}

/** Non-trainable state (running statistics, class memories, counters). */
export interface BufferSpec {
  /** Full dotted name (also its graph state name). */
  readonly name: string;
  /** The state tensor holding the current value. */
  readonly tensor: Tensor;
  /** Initial fill value. */
  readonly initValue: number;
  /** New value after a training step (absent: constant). */
  update?: Tensor;
}

/** Per-step facts the host knows before running a step. */
export interface BatchInfo {
  /** Labels of the batch, in batch order. */
  readonly labels: Int32Array;
  /** 0-based training-step counter (the one DPA's update interval uses). */
  readonly step: number;
  /** Number of classes. */
  readonly numClasses: number;
  /** The run's seed: per-step randomness (dropout masks) derives from (seed, step, feed key). */
  readonly seed: number;
}

/** A feed computed on the host once per step and shared by every layer that asks for its key. */
export interface HostFeedSpec {
  /** Shared key, also the feed name. */
  readonly key: string;
  /** The feed tensor. */
  readonly tensor: Tensor;
  /** Computes the value for one step. */
  readonly compute: (batch: BatchInfo) => HostTensor;
}

/** The value of every host feed of a build for one step, by feed name. */
export function hostFeedValues(record: BuildRecord, batch: BatchInfo): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const spec of record.hostFeeds.values()) out[spec.key] = spec.compute(batch);
  return out;
}

/** An extra loss term: `coefficient · value` is added to the total loss. */
export interface LossTerm {
  /** Name used in logs (e.g. `dpa_channel`). */
  readonly name: string;
  /** Scalar f32 value. */
  readonly value: Tensor;
  /** Multiplier applied by the engine. */
  readonly coefficient: number;
}

/** A loss formed as Σ numerators / max(Σ denominators, 1) across every contributing site. */
export interface PooledLoss {
  /** Name used in logs. */
  readonly name: string;
  /** Multiplier applied by the engine. */
  readonly coefficient: number;
  /** Scalar numerators, one per contributing site. */
  readonly numerators: Tensor[];
  /** Scalar denominators (counts), one per contributing site. */
  readonly denominators: Tensor[];
}

/** A request for the gradient of the total loss with respect to a forward tensor. */
export interface TapRequest {
  /** The forward tensor. */
  readonly tensor: Tensor;
  /** Called after autodiff with the gradient tensor (build state updates from it). */
  readonly onGrad: (grad: Tensor) => void;
}

/** The output of one activation site, recorded for analysis (`deno task analyze`). */
export interface ActivationOutput {
  /** The site's scope name, e.g. `blocks.0.mlp.act`. */
  readonly name: string;
  /** The site's layout and pooling. */
  readonly site: Site;
  /** The post-activation tensor. */
  readonly output: Tensor;
}

/** Everything collected while tracing, shared by all scopes of one build. */
export interface BuildRecord {
  /** Trainable parameters, in declaration order. */
  readonly params: ParamSpec[];
  /** Non-trainable state. */
  readonly buffers: BufferSpec[];
  /** Host-computed feeds by key. */
  readonly hostFeeds: Map<string, HostFeedSpec>;
  /** Extra loss terms. */
  readonly losses: LossTerm[];
  /** Pooled losses by name. */
  readonly pooledLosses: Map<string, PooledLoss>;
  /** Gradient taps. */
  readonly taps: TapRequest[];
  /** Scalar (or small) tensors reported per step, by name. */
  readonly metrics: Map<string, Tensor>;
  /** Every activation site's output, in trace order (nothing is computed unless a graph output reads it). */
  readonly activationOutputs: ActivationOutput[];
}

/** Options for `BuildContext` construction. */
export interface BuildContextOptions {
  /** The graph to trace into. */
  readonly graph: Graph;
  /** Train or eval. */
  readonly phase: Phase;
  /** Static batch size. */
  readonly batchSize: number;
  /** Number of classes. */
  readonly numClasses: number;
  /** i32 [B] labels feed; required in the train phase. */
  readonly labels?: Tensor;
  /**
   * Whether labels may be −1 (a sample without a label, e.g. an unlabelled
   * node): class-memory plugins then use their masked, linear-cost form.
   */
  readonly partialLabels?: boolean;
}

/** A scoped view of one model build. Create the root with `new BuildContext(opts)`. */
export class BuildContext {
  /** The graph being traced. */
  readonly graph: Graph;
  /** Train or eval. */
  readonly phase: Phase;
  /** Static batch size. */
  readonly batchSize: number;
  /** Number of classes. */
  readonly numClasses: number;
  /** i32 [B] labels (train phase; also eval when metrics need them). */
  readonly labels: Tensor | null;
  /** Whether labels may be −1 (no label): memories skip those samples. */
  readonly partialLabels: boolean;
  /** Collected specs (shared with every scope). */
  readonly record: BuildRecord;
  /** Dotted prefix of this scope ("" at the root). */
  readonly prefix: string;

  /** Root context. */
  constructor(opts: BuildContextOptions, record?: BuildRecord, prefix = "") {
    this.graph = opts.graph;
    this.phase = opts.phase;
    this.batchSize = opts.batchSize;
    this.numClasses = opts.numClasses;
    this.labels = opts.labels ?? null;
    this.partialLabels = opts.partialLabels ?? false;
    this.prefix = prefix;
    this.record = record ?? {
      params: [],
      buffers: [],
      hostFeeds: new Map(),
      losses: [],
      pooledLosses: new Map(),
      taps: [],
      metrics: new Map(),
      activationOutputs: [],
    };
    if (this.phase === "train" && !this.labels) {
      throw new ActlabError(
        "a train-phase build needs a labels feed",
        "pass labels: graph.input('labels', [B], 'i32')",
      );
    }
  }

  /** True in the train phase. */
  get training(): boolean {
    return this.phase === "train";
  }

  /** A child scope whose names are prefixed with `name.`. */
  scope(name: string | number): BuildContext {
    const opts: BuildContextOptions = {
      graph: this.graph,
      phase: this.phase,
      batchSize: this.batchSize,
      numClasses: this.numClasses,
      labels: this.labels ?? undefined,
      partialLabels: this.partialLabels,
    };
    return new BuildContext(opts, this.record, this.qualify(String(name)));
  }

  /** Full dotted name of `name` in this scope. */
  qualify(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }

  /** Declare a trainable parameter (graph state) and return its tensor. */
  param(name: string, shape: Shape, init: Initializer, opts: { decay?: boolean } = {}): Tensor {
    const full = this.qualify(name);
    const tensor = this.graph.state(full, shape, "f32");
    this.record.params.push({ name: full, tensor, init, decay: opts.decay ?? shape.length > 1 });
    return tensor;
  }

  /** Declare non-trainable state initialised to `initValue`. */
  buffer(name: string, shape: Shape, initValue = 0, dtype: DType = "f32"): Tensor {
    const full = this.qualify(name);
    const tensor = this.graph.state(full, shape, dtype);
    this.record.buffers.push({ name: full, tensor, initValue });
    return tensor;
  }

  /** Set a buffer's value after a training step. Ignored in the eval phase (state is frozen there). */
  updateBuffer(buffer: Tensor, value: Tensor): void {
    if (!this.training) return;
    const spec = this.record.buffers.find((b) => b.tensor.id === buffer.id);
    if (!spec) {
      throw new ActlabError(
        "updateBuffer: not a buffer of this build",
        "create it with ctx.buffer()",
      );
    }
    if (spec.update) {
      throw new ActlabError(
        `buffer "${spec.name}" is updated twice`,
        "combine the updates into one value",
      );
    }
    spec.update = value;
  }

  /**
   * A host-computed feed shared by key: the first caller defines it, later
   * callers with the same key get the same tensor (shape and dtype must agree).
   */
  hostFeed(
    key: string,
    shape: Shape,
    dtype: DType,
    compute: (batch: BatchInfo) => HostTensor,
  ): Tensor {
    const existing = this.record.hostFeeds.get(key);
    if (existing) {
      if (existing.tensor.dtype !== dtype || fmtShape(existing.tensor.shape) !== fmtShape(shape)) {
        throw new ActlabError(
          `host feed "${key}" requested as ${dtype}${
            fmtShape(shape)
          } but exists as ${existing.tensor.dtype}${fmtShape(existing.tensor.shape)}`,
          "use a different key for a different feed",
        );
      }
      return existing.tensor;
    }
    const tensor = this.graph.input(key, shape, dtype);
    this.record.hostFeeds.set(key, { key, tensor, compute });
    return tensor;
  }

  /** Add `coefficient · value` (a scalar) to the total training loss. */
  addLoss(name: string, value: Tensor, coefficient: number): void {
    if (value.rank !== 0) {
      throw new ActlabError(`loss "${name}" must be a scalar`, "reduce it first");
    }
    this.record.losses.push({ name, value, coefficient });
  }

  /**
   * Contribute to a pooled loss `Σ numerators / max(Σ denominators, 1)` shared
   * by every site using the same `name` (e.g. DPA's channel loss: one mean
   * over the masked entries of all layers together).
   */
  addPooledLoss(name: string, numerator: Tensor, denominator: Tensor, coefficient: number): void {
    let p = this.record.pooledLosses.get(name);
    if (!p) {
      p = { name, coefficient, numerators: [], denominators: [] };
      this.record.pooledLosses.set(name, p);
    } else if (p.coefficient !== coefficient) {
      throw new ActlabError(
        `pooled loss "${name}" has coefficients ${p.coefficient} and ${coefficient}`,
        "use one coefficient for every site of a pooled loss",
      );
    }
    p.numerators.push(numerator);
    p.denominators.push(denominator);
  }

  /** Ask for d(total loss)/d`tensor`; `onGrad` receives it after autodiff (train phase only). */
  tap(tensor: Tensor, onGrad: (grad: Tensor) => void): void {
    if (this.training) this.record.taps.push({ tensor, onGrad });
  }

  /** Report a tensor as a per-step metric under this scope's name. */
  metric(name: string, value: Tensor): void {
    this.record.metrics.set(this.qualify(name), value);
  }
}
