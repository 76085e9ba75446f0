/**
 * Full training steps on webgpu against reference, every model × {relu,
 * gelu, dpa}, and DPA's other mask criteria on one model: sizes and criteria
 * in tests/model_parity.ts (which explains them: norm-wise 1e-4; resnet18
 * 1e-3, one step, parameters skipped).
 */
import { webgpuBackend } from "../backends/webgpu/mod.ts";
import { listModels } from "../models/registry.ts";
import { compareTrainingSteps, DPA_CRITERIA_PARITY, PARITY_ACTIVATIONS } from "./model_parity.ts";
import { gpuTest } from "./webgpu_support.ts";

for (const model of listModels()) {
  for (const activation of PARITY_ACTIVATIONS) {
    gpuTest(
      `webgpu ${model} × ${activation}: training steps match reference`,
      () => compareTrainingSteps(webgpuBackend, model, activation),
    );
  }
}

{
  const { model, arms, options } = DPA_CRITERIA_PARITY;
  for (const arm of arms) {
    gpuTest(
      `webgpu ${model} × ${arm}: training steps match reference`,
      () => compareTrainingSteps(webgpuBackend, model, arm, options),
    );
  }
}
