/**
 * Shorthand for activations that are a pure elementwise function of their
 * input: no options, parameters or state.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import { noOptions } from "../plugin/options.ts";
import type { ActivationPlugin } from "../plugin/types.ts";
import { checkSiteTensor } from "../plugin/site_tensor.ts";

/** An option-free plugin applying `fn` elementwise at any site. */
export function statelessActivation(
  name: string,
  description: string,
  fn: (x: Tensor) => Tensor,
): ActivationPlugin {
  return {
    name,
    description,
    create(site, options) {
      noOptions(name, options);
      return {
        apply(_ctx, x) {
          checkSiteTensor(name, site, x);
          return fn(x);
        },
      };
    },
  };
}
