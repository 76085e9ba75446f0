/**
 * Full training steps on ort-cpu against reference, every model × {relu,
 * gelu, dpa}: sizes and criteria in tests/model_parity.ts.
 */
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { listModels } from "../models/registry.ts";
import { compareTrainingSteps, PARITY_ACTIVATIONS } from "./model_parity.ts";
import { ortAvailability } from "./ort_support.ts";

const ok = await ortAvailability(ortCpuBackend);

for (const model of listModels()) {
  for (const activation of PARITY_ACTIVATIONS) {
    Deno.test({
      name: `ort-cpu ${model} × ${activation}: training steps match reference`,
      ignore: !ok,
      fn: () => compareTrainingSteps(ortCpuBackend, model, activation),
    });
  }
}
