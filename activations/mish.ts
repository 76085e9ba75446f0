/**
 * Mish (Misra 2019): x·tanh(softplus(x)). This file is the "add your own
 * activation" example: a plugin is a name, a description and `create`, which
 * validates options and returns `apply(ctx, x)` built from catalogue ops
 * (autodiff derives the backward pass). Register it with one line in
 * `activations/mod.ts`: `registerActivation(mishActivation)`.
 * @module
 */
import { mul, softplus, tanh } from "../core/ops.ts";
import { noOptions } from "../plugin/options.ts";
import type { ActivationPlugin } from "../plugin/types.ts";

/** The `mish` plugin. */
export const mishActivation: ActivationPlugin = {
  name: "mish",
  description: "Mish: x·tanh(softplus(x))",
  create(_site, options) {
    noOptions("mish", options);
    return { apply: (_ctx, x) => mul(x, tanh(softplus(x))) };
  },
};
