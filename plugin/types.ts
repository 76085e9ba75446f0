/**
 * The plugin API: what an activation or regulariser plugin is, where it sits
 * in a model (`Site`) and the options it takes. It sits below the registries,
 * `nn/` and every plugin, so each of them imports from here and none of them
 * from each other.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import type { BuildContext } from "./context.ts";

/** Where an activation (or a regulariser) sits in a model. */
export interface Site {
  /** Channel count C. */
  readonly channels: number;
  /** `tokens`: x is [B, N, C]; `nchw`: x is [B, C, H, W]; `features`: x is [B, C]. */
  readonly layout: "tokens" | "nchw" | "features";
  /** How per-sample vectors are pooled: the class token (`token`) or the mean over positions (`avg`). */
  readonly pooling: "token" | "avg";
}

/** One option value as given on the command line or in a config. */
export type OptionValue = number | string | boolean;

/** Plugin options as given on the command line or in a config (validated by the plugin). */
export type PluginOptions = Readonly<Record<string, OptionValue>>;

/**
 * What a task-dependent default may read: facts a run knows once its task
 * is built (models are created with them, so this is also what
 * `createModel` knows).
 */
export interface TaskFacts {
  /** Number of classes: the logit width and the rows of class memories. */
  readonly numClasses: number;
}

/** A task-dependent default's value and where it came from (written to `config.json`). */
export interface TaskDefaultValue<V extends OptionValue> {
  /** The value. */
  readonly value: V;
  /** Its source, e.g. `dataset default: 10 classes (authors' CIFAR-10 setting, configs/dpa.py)`. */
  readonly from: string;
}

/**
 * A default that depends on the task (e.g. the authors' coefficient per
 * dataset). Where the task is known (`createModel`, hence `Run.open`) it
 * replaces the option's static `default`; an explicit value always wins.
 */
export interface TaskDefault<V extends OptionValue> {
  /** The rule in a few words for help texts, e.g. `1 for 10 classes, 5 for 100`. */
  readonly help: string;
  /** The default for `task`, with its provenance. */
  resolve(task: TaskFacts): TaskDefaultValue<V>;
}

/** What every declared option says about itself (the fields all option kinds share). */
export interface OptionSpecBase {
  /** One line for `train --help`, `compare --help` and `deno task list`. */
  readonly help: string;
  /** Short name in compare arm labels, e.g. `U` for `updateInterval` (default: the key). */
  readonly symbol?: string;
}

/** A numeric option; `integer` ones must be whole numbers. */
export interface NumberOptionSpec extends OptionSpecBase {
  /** `number` (any finite value) or `integer`. */
  readonly type: "number" | "integer";
  /** Value used when absent (none: the option stays unset and the plugin picks). */
  readonly default?: number;
  /** A default that depends on the task; `default` then applies only where no task is known. */
  readonly taskDefault?: TaskDefault<number>;
  /** Smallest allowed value. */
  readonly min?: number;
  /** Whether `min` itself is excluded. */
  readonly minExclusive?: boolean;
  /** Largest allowed value (inclusive). */
  readonly max?: number;
}

/** A string option taking one of a fixed set of values. */
export interface EnumOptionSpec<C extends string = string> extends OptionSpecBase {
  /** Always `enum`. */
  readonly type: "enum";
  /** The allowed values. */
  readonly choices: readonly C[];
  /** Value used when absent. */
  readonly default?: C;
  /** A default that depends on the task; `default` then applies only where no task is known. */
  readonly taskDefault?: TaskDefault<C>;
}

/** A true/false option. */
export interface BooleanOptionSpec extends OptionSpecBase {
  /** Always `boolean`. */
  readonly type: "boolean";
  /** Value used when absent. */
  readonly default?: boolean;
  /** A default that depends on the task; `default` then applies only where no task is known. */
  readonly taskDefault?: TaskDefault<boolean>;
}

/** One declared option of a plugin. */
export type OptionSpec = NumberOptionSpec | EnumOptionSpec | BooleanOptionSpec;

/**
 * A plugin's options by key (camelCase; the CLI and `compare --set` spell
 * them in kebab-case: `updateInterval` ↔ `update-interval`). Declaration
 * order is the order of help listings and of compare arm labels.
 */
export type OptionSchema = Readonly<Record<string, OptionSpec>>;

/** The value type an option spec yields. */
export type OptionValueOf<S extends OptionSpec> = S extends EnumOptionSpec<infer C> ? C
  : S extends BooleanOptionSpec ? boolean
  : number;

/** Validated options of a schema (options without a default may be `undefined`). */
export type ResolvedOptions<S extends OptionSchema> = {
  -readonly [K in keyof S]: OptionValueOf<S[K]>;
};

/** A condition a control arm's options must meet (checked with defaults filled in). */
export interface ArmPrecondition {
  /** What must hold, e.g. `tau > 0`. */
  readonly text: string;
  /** Why, e.g. `at tau = 0 TAU alone is ReLU`. */
  readonly why: string;
  /** What to do when nothing in the grid meets it. */
  readonly fix: string;
  /** Whether `options` (every option, defaults filled in) meets it. */
  holds(options: Readonly<Record<string, OptionValue | undefined>>): boolean;
}

/**
 * A named control a plugin offers to `compare`: the arm `<plugin>:<name>` is
 * the plugin with `options` fixed (sweeps do not override them).
 */
export interface ControlArm {
  /** Name after the colon, e.g. `random-mask` for `dpa:random-mask`. */
  readonly name: string;
  /** Options fixed for this arm. */
  readonly options: PluginOptions;
  /** One line for `compare --help` and `deno task list`. */
  readonly help: string;
  /** Option values the arm needs; swept combinations that fail it are dropped. */
  readonly requires?: ArmPrecondition;
}

/** A configured activation for one site. */
export interface ActivationInstance {
  /**
   * Contribute the activation to the step graph: returns y = act(x) and may
   * declare parameters, state, losses, taps and metrics through `ctx`
   * (already scoped to this site).
   */
  apply(ctx: BuildContext, x: Tensor): Tensor;
}

/** An activation plugin. */
export interface ActivationPlugin {
  /** Registry name (lower case), e.g. `dpa`. */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /** Declared options (absent: none); the CLI, `compare` and `deno task list` read them. */
  readonly options?: OptionSchema;
  /** Named controls for `compare` (e.g. DPA's `random-mask`). */
  readonly controls?: readonly ControlArm[];
  /** Validate `options` (clear error on bad values) and configure the activation for `site`. */
  create(site: Site, options: PluginOptions): ActivationInstance;
}

/** A configured regulariser for one response site. */
export interface RegulariserInstance {
  /** Observe the response `x` at this site (adds loss terms/state through `ctx`). */
  observe(ctx: BuildContext, x: Tensor): void;
}

/** A regulariser plugin (e.g. ARR): attaches to response sites, adds loss terms. */
export interface RegulariserPlugin {
  /** Registry name. */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /** Declared options (absent: none). */
  readonly options?: OptionSchema;
  /** The option whose value 0 turns the regulariser off in a compare sweep (e.g. ARR's `lambda`). */
  readonly coefficient?: string;
  /** Validate options and configure the regulariser for `site`. */
  create(site: Site, options: PluginOptions): RegulariserInstance;
}
