/**
 * tfjs-wasm and tfjs-cpu parity with `reference` (forward and every input
 * gradient, 1e-4 relative) over every gradient-check case, plus kernel
 * coverage of the catalogue.
 */
import assert from "node:assert/strict";
import { tfjsCpuBackend, tfjsWasmBackend } from "../backends/tfjs/mod.ts";
import { tfKernelOps } from "../backends/tfjs/runtime.ts";
import { isComposite, listOps } from "../core/op_def.ts";
import { ALL_CASES } from "./cases/mod.ts";
import { parityCheck } from "./parity.ts";

Deno.test("every catalogue op has a tfjs kernel", () => {
  const have = new Set([...tfKernelOps(), "input", "state", "constant"]);
  const missing = listOps().filter((op) => !have.has(op) && !isComposite(op));
  assert.deepEqual(missing, [], `ops without a tfjs kernel: ${missing.join(", ")}`);
});

for (const backend of [tfjsWasmBackend, tfjsCpuBackend]) {
  Deno.test(`${backend.name} is available`, async () => {
    const a = await backend.probe();
    assert.ok(a.available, `${a.reason}\n  fix: ${a.fix}`);
  });
  for (const c of ALL_CASES) {
    Deno.test(`${backend.name} parity ${c.op}: ${c.name}`, () => parityCheck(backend, c));
  }
}
