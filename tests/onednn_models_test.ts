/**
 * Full training steps on onednn-cpu against reference, every model × {relu,
 * gelu, dpa}, and DPA's other mask criteria on one model: sizes and criteria
 * in tests/model_parity.ts. Without libdnnl the tests are skipped with the
 * reason, or fail under CI=true (.ci/run installs libdnnl2).
 */
import { onednnCpuBackend } from "../backends/onednn/mod.ts";
import { listModels } from "../models/registry.ts";
import { compareTrainingSteps, DPA_CRITERIA_PARITY, PARITY_ACTIVATIONS } from "./model_parity.ts";
import { ortAvailability } from "./ort_support.ts";

const ok = await ortAvailability(onednnCpuBackend);

for (const model of listModels()) {
  for (const activation of PARITY_ACTIVATIONS) {
    Deno.test({
      name: `onednn-cpu ${model} × ${activation}: training steps match reference`,
      ignore: !ok,
      fn: () => compareTrainingSteps(onednnCpuBackend, model, activation),
    });
  }
}

{
  const { model, arms, options } = DPA_CRITERIA_PARITY;
  for (const arm of arms) {
    Deno.test({
      name: `onednn-cpu ${model} × ${arm}: training steps match reference`,
      ignore: !ok,
      fn: () => compareTrainingSteps(onednnCpuBackend, model, arm, options),
    });
  }
}
