/** Registration and availability reporting of the ORT backends. */
import assert from "node:assert/strict";
import "../backends/mod.ts";
import { getBackend } from "../backends/registry.ts";
import { ortCpuBackend, ortCudaBackend } from "../backends/ort/mod.ts";
import * as o from "../core/ops.ts";
import { ortAvailability } from "./ort_support.ts";

const ok = await ortAvailability(ortCpuBackend);

Deno.test("ort backends are registered with their speed ranks", () => {
  assert.equal(getBackend("ort-cpu"), ortCpuBackend);
  assert.equal(getBackend("ort-cuda"), ortCudaBackend);
  assert.equal(ortCudaBackend.speedRank, 0);
  assert.equal(ortCpuBackend.speedRank, 10);
});

Deno.test({
  name: "ort-cuda: available, or unavailable with the install-script and CUDA 12 fix",
  ignore: !ok,
  fn: async () => {
    const a = await ortCudaBackend.probe();
    if (a.available) return;
    assert.match(a.reason, /CUDA/);
    assert.match(a.fix, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
    assert.match(a.fix, /CUDA 12/);
    assert.match(a.fix, /internet/);
    const g = new o.Graph();
    g.output("y", o.exp(g.input("x", [2])));
    await assert.rejects(() => ortCudaBackend.compile(g), /backend "ort-cuda" is unavailable/);
  },
});

Deno.test({
  name: "ort-cpu compile reports its stats",
  ignore: !ok,
  fn: async () => {
    const g = new o.Graph();
    g.output("y", o.exp(g.input("x", [2])));
    const exe = await ortCpuBackend.compile(g);
    await exe.run({ x: { dtype: "f32", shape: [2], data: new Float32Array([0, 1]) } });
    const s = exe.stats();
    assert.equal(s.runs, 1);
    assert.ok(s.compileMs > 0 && s.peakBytes > 0);
    exe.dispose();
    await assert.rejects(
      () => exe.run({ x: { dtype: "f32", shape: [2], data: new Float32Array(2) } }),
      /disposed/,
    );
  },
});
