/**
 * Every registered activation alone, forward (`fwd`) and forward+backward
 * (`fwdbwd`), at the ViT-Tiny MLP shape [64, 65, 768] (`tokens`) and a
 * ResNet-18 stage shape [64, 128, 16, 16] (`nchw`) on every available backend
 * (batch 4 on slow ones: `bench/grid.ts`). ReLU is each group's baseline.
 * `deno task bench:table` turns the `--json` output into `bench/RESULTS.md`.
 * @module
 */
import "../activations/mod.ts";
import { listActivations } from "../activations/registry.ts";
import { gridBackendsAvailable, registerCases } from "./bench_register.ts";
import {
  activationShapes,
  type BenchCase,
  gridActivations,
  gridOptions,
  type Layout,
} from "./grid.ts";

const o = gridOptions();
for (const { name, availability, slow } of await gridBackendsAvailable(o)) {
  const shapes = activationShapes(slow, o);
  const cases: BenchCase[] = [];
  for (const layout of ["tokens", "nchw"] as Layout[]) {
    for (const mode of ["fwd", "fwdbwd"] as const) {
      for (const activation of gridActivations(listActivations(), o)) {
        cases.push({ kind: "act", backend: name, activation, layout, shape: shapes[layout], mode });
      }
    }
  }
  registerCases(cases, slow, availability.reason);
}
