/**
 * Full training steps on ort-cpu against reference, every model × {relu,
 * gelu, dpa}, and DPA's other mask criteria on one model: sizes and criteria
 * in tests/model_parity.ts.
 */
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { listModels } from "../models/registry.ts";
import { compareTrainingSteps, DPA_CRITERIA_PARITY, PARITY_ACTIVATIONS } from "./model_parity.ts";
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

{
  const { model, arms, options } = DPA_CRITERIA_PARITY;
  for (const arm of arms) {
    Deno.test({
      name: `ort-cpu ${model} × ${arm}: training steps match reference`,
      ignore: !ok,
      fn: () => compareTrainingSteps(ortCpuBackend, model, arm, options),
    });
  }
}
