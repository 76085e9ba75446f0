/**
 * `defineActivation` / `defineRegulariser`: a plugin declared with its option
 * schema gets its options validated against it (unknown keys, types, ranges,
 * defaults) before its own `create` sees them, typed. The declaration is what
 * `train --help`, `compare --set`, `deno task list` and `config.json` read,
 * so a plugin with options is still one file plus one registry line.
 * @module
 */
import { readOptions } from "./options.ts";
import type {
  ActivationInstance,
  ActivationPlugin,
  ControlArm,
  OptionSchema,
  RegulariserInstance,
  RegulariserPlugin,
  ResolvedOptions,
  Site,
} from "./types.ts";

/** What `defineActivation` takes: an activation plugin whose `create` gets validated options. */
export interface ActivationDefinition<S extends OptionSchema> {
  /** Registry name (lower case). */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /** Declared options (omit for none). */
  readonly options?: S;
  /** Named controls for `compare`. */
  readonly controls?: readonly ControlArm[];
  /** Configure the activation for `site` with validated options (defaults filled in). */
  create(site: Site, options: ResolvedOptions<S>): ActivationInstance;
}

/**
 * An activation plugin from a definition: `create` validates the raw options
 * against `options` (clear errors naming the plugin and option) and passes
 * them, typed, to the definition's `create`.
 *
 * @example An activation with two options
 * ```ts
 * import { defineActivation, mul, sigmoid } from "jsr:@actlab/actlab";
 *
 * export const swishActivation = defineActivation({
 *   name: "swish_beta",
 *   description: "x·σ(βx)",
 *   options: {
 *     beta: { type: "number", default: 1, min: 0, help: "slope β of the gate" },
 *     scale: { type: "number", default: 1, min: 0, minExclusive: true, help: "output scale" },
 *   },
 *   create: (_site, o) => ({ apply: (_ctx, x) => mul(mul(x, sigmoid(mul(x, o.beta))), o.scale) }),
 * });
 * ```
 */
export function defineActivation<const S extends OptionSchema = Record<never, never>>(
  def: ActivationDefinition<S>,
): ActivationPlugin {
  const schema = (def.options ?? {}) as S;
  return {
    name: def.name,
    description: def.description,
    options: schema,
    ...(def.controls ? { controls: def.controls } : {}),
    create: (site, options) => def.create(site, readOptions(def.name, options, schema)),
  };
}

/** What `defineRegulariser` takes. */
export interface RegulariserDefinition<S extends OptionSchema> {
  /** Registry name. */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /** Declared options (omit for none). */
  readonly options?: S;
  /** The option whose value 0 turns the regulariser off in a compare sweep. */
  readonly coefficient?: keyof S & string;
  /** Configure the regulariser for `site` with validated options. */
  create(site: Site, options: ResolvedOptions<S>): RegulariserInstance;
}

/** A regulariser plugin from a definition (options validated as in `defineActivation`). */
export function defineRegulariser<const S extends OptionSchema = Record<never, never>>(
  def: RegulariserDefinition<S>,
): RegulariserPlugin {
  const schema = (def.options ?? {}) as S;
  return {
    name: def.name,
    description: def.description,
    options: schema,
    ...(def.coefficient ? { coefficient: def.coefficient } : {}),
    create: (site, options) => def.create(site, readOptions(def.name, options, schema)),
  };
}
