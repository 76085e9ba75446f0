/**
 * Every model's training step (forward, losses, backward, AdamW) and
 * inference step (eval forward) with every activation on every available
 * backend: batch 16 of 3×32×32 (100 classes) on fast backends, 2 on slow ones
 * (`bench/grid.ts`; `ACTLAB_BENCH_PAPER=1` for the paper's 224×224, batch
 * 1024). On slow backends only `mlp` and `convnet` run every activation, the
 * other models relu and dpa (`ACTLAB_BENCH_SLOW_FULL=1` for all). ReLU is each group's baseline.
 * `deno task bench:table` turns the `--json` output into `bench/RESULTS.md`.
 * @module
 */
import "../activations/mod.ts";
import "../models/mod.ts";
import { listActivations } from "../activations/registry.ts";
import { listModels } from "../models/registry.ts";
import { gridBackendsAvailable, registerCases } from "./bench_register.ts";
import {
  type BenchCase,
  gridActivations,
  gridModels,
  gridOptions,
  modelActivations,
  modelBatch,
  modelInput,
} from "./grid.ts";

const o = gridOptions();
const { image, classes } = modelInput(o);
for (const { name, availability, slow } of await gridBackendsAvailable(o)) {
  const batch = modelBatch(slow, o);
  const cases: BenchCase[] = [];
  for (const model of gridModels(listModels(), o)) {
    for (const phase of ["train", "eval"] as const) {
      const activations = gridActivations(listActivations(), o);
      for (const activation of modelActivations(activations, model, slow, o)) {
        cases.push({
          kind: "model",
          backend: name,
          model,
          activation,
          phase,
          batch,
          image,
          classes,
        });
      }
    }
  }
  registerCases(cases, slow, availability.reason);
}
