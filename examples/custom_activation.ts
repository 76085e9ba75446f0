/**
 * Register a new activation and compare it with ReLU: vit_micro on
 * Fashion-MNIST for one epoch each, same seed, data order and initial weights.
 *
 *   deno run -A examples/custom_activation.ts            # ~2 × 2 min on a 2-core CPU
 *   deno run -A examples/custom_activation.ts --tiny     # seconds: synthetic 8×8 data, 2 steps
 *
 * `--tiny` (or ACTLAB_EXAMPLE_TINY=1) shrinks the run; `--backend NAME` picks a backend.
 * @module
 */
import { parseArgs } from "node:util";
import {
  type ActivationPlugin,
  ActlabError,
  mul,
  registerActivation,
  sigmoid,
  train,
} from "../mod.ts";

// The activation: x·σ(1.702·x), a sigmoid approximation of GELU. Autodiff
// derives its gradient; every backend runs it. Options are rejected (it has none).
const geluSigmoid: ActivationPlugin = {
  name: "gelu_sigmoid",
  description: "x·σ(1.702x), the sigmoid approximation of GELU",
  create(_site, options) {
    if (Object.keys(options).length) {
      throw new ActlabError("gelu_sigmoid takes no options", "remove the activation options");
    }
    return { apply: (_ctx, x) => mul(x, sigmoid(mul(x, 1.702))) };
  },
};
registerActivation(geluSigmoid);

const { values } = parseArgs({
  args: Deno.args,
  options: { tiny: { type: "boolean" }, backend: { type: "string", default: "auto" } },
});
const tiny = values.tiny || Deno.env.get("ACTLAB_EXAMPLE_TINY") === "1";
const data = tiny
  ? {
    dataset: "synthetic",
    synthetic: { imageSize: 8, numClasses: 3, trainSize: 64, testSize: 32 },
    batchSize: 16,
    steps: 2,
  }
  : { dataset: "fashion-mnist" };
const out = await Deno.makeTempDir({ prefix: "actlab_example_" });
for (const activation of ["relu", "gelu_sigmoid"]) {
  const s = await train(
    {
      model: "vit_micro",
      activation,
      backend: values.backend,
      epochs: 1,
      ...data,
      out: `${out}/${activation}`,
    },
    { log: () => {} },
  );
  console.log(`${activation}: test top-1 ${(100 * s.test_top1!).toFixed(2)}% (${s.steps} steps)`);
}
await Deno.remove(out, { recursive: true });
