/**
 * The model registry. A model definition turns a configuration (classes,
 * input shape, activation and regulariser names with their options, model
 * options) into a builder that traces `x [B, ...inputShape] → logits
 * [B, numClasses]` into a `BuildContext`. Models declare activation sites and
 * response sites; which plugin fills them is decided here, by name.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { type DType, type HostTensor, type Shape, sizeOf } from "../core/host_tensor.ts";
import { Registry } from "../core/registry.ts";
import { fmtShape } from "../core/shape.ts";
import { getActivation } from "../activations/registry.ts";
import { getRegulariser } from "../regularisers/registry.ts";
import { resolveOptionsForTask } from "../plugin/options.ts";
import type { ActivationInstance, PluginOptions, Site } from "../plugin/types.ts";
import { cast, eq, mean } from "../core/ops.ts";
import { BuildContext } from "../plugin/context.ts";
import type { ActivationFactory, RegulariserFactory } from "../nn/sites.ts";

/** A model option value (widths are number lists). */
export type ModelOptionValue = number | string | boolean | readonly number[];

/** Model-specific options by name. */
export type ModelOptions = Readonly<Record<string, ModelOptionValue>>;

/** A resolved model configuration. */
export interface ModelConfig {
  /** Number of classes (logit width). */
  readonly numClasses: number;
  /** Per-sample input shape (batch axis separate): `[C, H, W]` for image models. */
  readonly inputShape: readonly number[];
  /** Activation plugin name. */
  readonly activation: string;
  /**
   * Options passed to the activation plugin at every site, resolved for
   * this model's class count: given values, then the plugin's task-dependent
   * defaults (e.g. DPA's λ by dataset), then its static defaults.
   */
  readonly activationOptions: PluginOptions;
  /** Where each of `activationOptions` came from: `given`, `default` or a task default's source. */
  readonly activationOptionSources: Readonly<Record<string, string>>;
  /** Regulariser plugin name, or null for none. */
  readonly regulariser: string | null;
  /** Options passed to the regulariser plugin at every response site, resolved likewise. */
  readonly regulariserOptions: PluginOptions;
  /** Where each of `regulariserOptions` came from. */
  readonly regulariserOptionSources: Readonly<Record<string, string>>;
  /** Model options, defaults filled in. */
  readonly options: ModelOptions;
}

/** What a definition's builder gets besides the config: the plugins for its sites. */
export interface ModelSites {
  /** Configures the activation for an activation site. */
  readonly activation: ActivationFactory;
  /** Configures the regulariser for a response site (null: no regulariser). */
  readonly regulariser: RegulariserFactory | null;
}

/**
 * Traces the model: `x [B, ...inputShape] → logits [B, numClasses]`; `inputs`
 * holds every feed of the task by name (e.g. a padding mask) for models that need more.
 */
export type ModelBuilder = (
  ctx: BuildContext,
  x: Tensor,
  inputs?: Readonly<Record<string, Tensor>>,
) => Tensor;

/** Pretrained tensors mapped onto a model's parameters (see `ModelDefinition.importWeights`). */
export interface WeightImport {
  /** Values of the model's parameters by actlab name, in the model's layout. */
  readonly values: Readonly<Record<string, HostTensor>>;
  /** Parameters the file does not hold (e.g. a new classifier head): left at their seeded init. */
  readonly fresh: readonly string[];
  /** Tensors of the file that were recognised and deliberately not used (e.g. pretraining heads). */
  readonly ignored: readonly string[];
}

/**
 * Maps a checkpoint's tensors (by their names in the file) onto a model's
 * parameters (`params`: actlab name → shape). Missing, unexpected and
 * shape-mismatched tensors are one `ActlabError` listing them; `source`
 * names the file in messages.
 */
export type WeightImporter = (
  tensors: ReadonlyMap<string, HostTensor>,
  params: ReadonlyMap<string, Shape>,
  source: string,
) => WeightImport;

/** A registered model family. */
export interface ModelDefinition {
  /** Registry name, e.g. `resnet18`. */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /** Every accepted model option with its default. */
  readonly defaults: ModelOptions;
  /**
   * Rank of the per-sample input the model takes (default 3: `[C, H, W]`
   * images); a model for another task (token ids `[T]`, node features `[F]`)
   * states its own.
   */
  readonly inputRank?: number;
  /**
   * A per-sample input shape that listings count parameters at, for a model
   * that does not take `[C, H, W]` images (e.g. `[128]` tokens for `bert`).
   */
  readonly exampleInputShape?: readonly number[];
  /** Dtype of the per-sample input (default `f32`; token ids are `i32`). */
  readonly inputDtype?: DType;
  /**
   * Maps a pretrained checkpoint in a foreign layout onto the model's
   * parameters (`--init-from`); absent: the model takes no pretrained weights.
   */
  readonly importWeights?: WeightImporter;
  /** Validate the config (clear errors on bad options or input shapes) and return the builder. */
  create(config: ModelConfig, sites: ModelSites): ModelBuilder;
}

/** A configured model. */
export interface Model {
  /** Registry name. */
  readonly name: string;
  /** The resolved configuration. */
  readonly config: ModelConfig;
  /**
   * Trace the model into `ctx` (parameters, state, losses, taps) and return the
   * logits `[B, numClasses]`; `x` must be `[B, ...inputShape]`; `inputs`
   * are the task's feeds by name.
   */
  build(ctx: BuildContext, x: Tensor, inputs?: Readonly<Record<string, Tensor>>): Tensor;
}

/** Arguments of `createModel`: the fixed keys plus the model's own options. */
export interface CreateModelOptions {
  /** Number of classes. */
  readonly numClasses: number;
  /** Per-sample input shape `[C, H, W]`. */
  readonly inputShape: readonly number[];
  /** Activation plugin name (default `relu`). */
  readonly activation?: string;
  /** Activation plugin options. */
  readonly activationOptions?: PluginOptions;
  /** Regulariser plugin name (default none). */
  readonly regulariser?: string | null;
  /** Regulariser plugin options. */
  readonly regulariserOptions?: PluginOptions;
  /** Model options (see the model's `defaults`). */
  readonly [option: string]: ModelOptionValue | PluginOptions | null | undefined;
}

const FIXED_KEYS = new Set([
  "numClasses",
  "inputShape",
  "activation",
  "activationOptions",
  "regulariser",
  "regulariserOptions",
]);

const models = new Registry<ModelDefinition>("model");

/** Register a model definition (names are unique). */
export function registerModel(definition: ModelDefinition): void {
  models.register(definition);
}

/** The model definition called `name`; unknown names list the valid ones. */
export function getModel(name: string): ModelDefinition {
  return models.get(name);
}

/** Registered model names, sorted. */
export function listModels(): string[] {
  return models.names();
}

function kindOf(v: unknown): string {
  return Array.isArray(v) ? "list" : typeof v;
}

function resolveOptions(def: ModelDefinition, opts: CreateModelOptions): ModelOptions {
  const out: Record<string, ModelOptionValue> = { ...def.defaults };
  for (const [key, value] of Object.entries(opts)) {
    if (FIXED_KEYS.has(key) || value === undefined) continue;
    if (!(key in def.defaults)) {
      const known = Object.keys(def.defaults);
      throw new ActlabError(
        `model "${def.name}" has no option "${key}"`,
        known.length ? `use one of: ${known.join(", ")}` : "this model takes no options",
      );
    }
    const want = kindOf(def.defaults[key]);
    if (
      kindOf(value) !== want || (want === "list" && !(value as unknown[]).every(Number.isFinite))
    ) {
      throw new ActlabError(
        `model "${def.name}" option "${key}" must be a ${
          want === "list" ? "list of numbers" : want
        }, got ${JSON.stringify(value)}`,
        `e.g. ${key}: ${JSON.stringify(def.defaults[key])}`,
      );
    }
    out[key] = value as ModelOptionValue;
  }
  return out;
}

/**
 * Report each activation site's sparsity (fraction of exact zeros in its
 * output) as the metric `<site>.sparsity`, whatever the plugin is, and record
 * the output for analysis.
 */
function withSparsity(inner: ActivationInstance, site: Site): ActivationInstance {
  return {
    apply(ctx: BuildContext, x: Tensor): Tensor {
      const y = inner.apply(ctx, x);
      ctx.record.activationOutputs.push({ name: ctx.prefix, site, output: y });
      ctx.metric("sparsity", mean(cast(eq(y, 0), "f32")));
      return y;
    },
  };
}

/**
 * Configure model `name`. Unknown model, activation or regulariser names and
 * unknown or mistyped options are errors here; option values the model
 * cannot build with (e.g. a patch size that does not divide the image) are
 * errors from the model's `create`.
 */
export function createModel(name: string, opts: CreateModelOptions): Model {
  const def = getModel(name);
  const shape = opts.inputShape;
  const rank = def.inputRank ?? 3;
  if (shape.length !== rank || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ActlabError(
      `model "${name}": inputShape must be ${
        rank === 3 ? "[C, H, W]" : `${rank} dimension(s)`
      } of positive integers, got ${JSON.stringify(shape)}`,
      rank === 3
        ? "pass the per-sample shape without the batch axis, e.g. [1, 28, 28] or [3, 32, 32]"
        : "pass the per-sample shape without the batch axis",
    );
  }
  if (!Number.isInteger(opts.numClasses) || opts.numClasses < 1) {
    throw new ActlabError(
      `model "${name}": numClasses must be a positive integer, got ${opts.numClasses}`,
      "pass the number of classes, e.g. 10",
    );
  }
  const activation = getActivation(opts.activation ?? "relu");
  const regulariser = opts.regulariser ? getRegulariser(opts.regulariser) : null;
  // The class count is known here: task-dependent plugin defaults resolve once, for every site.
  const task = { numClasses: opts.numClasses };
  const act = resolveOptionsForTask(activation, opts.activationOptions ?? {}, task);
  const reg = regulariser
    ? resolveOptionsForTask(regulariser, opts.regulariserOptions ?? {}, task)
    : { values: {}, sources: {} };
  const config: ModelConfig = {
    numClasses: opts.numClasses,
    inputShape: [...shape],
    activation: activation.name,
    activationOptions: act.values,
    activationOptionSources: act.sources,
    regulariser: regulariser?.name ?? null,
    regulariserOptions: reg.values,
    regulariserOptionSources: reg.sources,
    options: resolveOptions(def, opts),
  };
  const sites: ModelSites = {
    activation: (site) => withSparsity(activation.create(site, config.activationOptions), site),
    regulariser: regulariser ? (site) => regulariser.create(site, config.regulariserOptions) : null,
  };
  const builder = def.create(config, sites);
  return {
    name,
    config,
    build(ctx: BuildContext, x: Tensor, inputs?: Readonly<Record<string, Tensor>>): Tensor {
      const want = [ctx.batchSize, ...config.inputShape];
      if (fmtShape(x.shape) !== fmtShape(want)) {
        throw new ActlabError(
          `model "${name}" expects input ${fmtShape(want)}, got ${fmtShape(x.shape)}`,
          "feed [batch, ...inputShape] with the batch size of the build context",
        );
      }
      const logits = builder(ctx, x, inputs);
      const out = [ctx.batchSize, config.numClasses];
      if (fmtShape(logits.shape) !== fmtShape(out)) {
        throw new ActlabError(
          `model "${name}" produced logits ${fmtShape(logits.shape)}, expected ${fmtShape(out)}`,
          "a model builder must return [B, numClasses]",
        );
      }
      return logits;
    },
  };
}

/** Number of trainable parameters of `model`, counted by tracing it into a throwaway eval graph. */
export function countParams(model: Model): number {
  const ctx = traceOne(model);
  return ctx.record.params.reduce((n, p) => n + sizeOf(p.tensor.shape), 0);
}

/** Trace `model`'s eval graph for one sample of its input dtype (counts and site listings). */
function traceOne(model: Model): BuildContext {
  const graph = new Graph();
  const ctx = new BuildContext({
    graph,
    phase: "eval",
    batchSize: 1,
    numClasses: model.config.numClasses,
  });
  const dtype = getModel(model.name).inputDtype ?? "f32";
  model.build(ctx, graph.input("x", [1, ...model.config.inputShape], dtype));
  return ctx;
}

/** A run of consecutive activation sites with the same layout, pooling and width. */
export interface SiteGroup {
  /** How many consecutive sites. */
  readonly count: number;
  /** Their layout (`tokens`, `nchw`, `features`). */
  readonly layout: Site["layout"];
  /** What a pooling plugin (DPA) takes per sample: the class token or the mean over positions. */
  readonly pooling: Site["pooling"];
  /** Channels at each site. */
  readonly channels: number;
}

/**
 * The activation sites of `model` in the order its trace meets them, equal
 * consecutive ones grouped (traced into a throwaway eval graph, as `countParams`).
 */
export function activationSites(model: Model): SiteGroup[] {
  const ctx = traceOne(model);
  const groups: SiteGroup[] = [];
  for (const { site } of ctx.record.activationOutputs) {
    const last = groups[groups.length - 1];
    const same = last && last.layout === site.layout && last.pooling === site.pooling &&
      last.channels === site.channels;
    const { layout, pooling, channels } = site;
    if (same) groups[groups.length - 1] = { ...last, count: last.count + 1 };
    else groups.push({ count: 1, layout, pooling, channels });
  }
  return groups;
}

/** Constraints for `numberOption`. */
export interface NumberConstraint {
  /** Require an integer. */
  readonly integer?: boolean;
  /** Smallest allowed value (inclusive). */
  readonly min?: number;
  /** Largest allowed value (exclusive when `maxExclusive`). */
  readonly max?: number;
  /** Treat `max` as exclusive. */
  readonly maxExclusive?: boolean;
}

function checkNumber(model: string, key: string, v: number, c: NumberConstraint): number {
  const bad = !Number.isFinite(v) || (c.integer && !Number.isInteger(v)) ||
    (c.min !== undefined && v < c.min) ||
    (c.max !== undefined && (c.maxExclusive ? v >= c.max : v > c.max));
  if (bad) {
    const range = `${c.integer ? "an integer" : "a number"}${
      c.min !== undefined ? ` >= ${c.min}` : ""
    }${c.max !== undefined ? ` and ${c.maxExclusive ? "<" : "<="} ${c.max}` : ""}`;
    throw new ActlabError(
      `model "${model}" option "${key}" = ${v} is out of range`,
      `pass ${range}`,
    );
  }
  return v;
}

/** A numeric model option, range-checked with a clear error. */
export function numberOption(
  config: ModelConfig,
  model: string,
  key: string,
  c: NumberConstraint = {},
): number {
  return checkNumber(model, key, config.options[key] as number, c);
}

/** A list-of-numbers model option, each entry range-checked; `minLength` entries at least. */
export function listOption(
  config: ModelConfig,
  model: string,
  key: string,
  c: NumberConstraint & { readonly minLength?: number; readonly maxLength?: number } = {},
): number[] {
  const v = [...(config.options[key] as readonly number[])];
  if (v.length < (c.minLength ?? 0) || v.length > (c.maxLength ?? Infinity)) {
    throw new ActlabError(
      `model "${model}" option "${key}" has ${v.length} entries`,
      `pass between ${c.minLength ?? 0} and ${c.maxLength ?? "any number of"} entries`,
    );
  }
  return v.map((x) => checkNumber(model, key, x, c));
}

/** Parameters of model `name` for `inputShape` and `numClasses` (ReLU unless `options` say otherwise). */
export function paramCount(
  name: string,
  inputShape: readonly number[],
  numClasses: number,
  options: Partial<CreateModelOptions> = {},
): number {
  return countParams(createModel(name, { ...options, inputShape, numClasses }));
}
