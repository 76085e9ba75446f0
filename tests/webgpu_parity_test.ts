/**
 * WebGPU backend parity with `reference` (forward and every input gradient,
 * 1e-4 relative) over every gradient-check case, plus executable properties:
 * state persistence, one submission and at most one readback per run.
 *
 * Without a WebGPU adapter the tests are skipped with the reason printed;
 * with CI=true they fail with it instead (CI installs mesa-vulkan-drivers).
 */
import assert from "node:assert/strict";
import { webgpuBackend } from "../backends/webgpu/mod.ts";
import type { WebGpuExecStats } from "../backends/webgpu/executable.ts";
import type { GradCase } from "./gradcheck.ts";
import { parityCheck } from "./parity.ts";
import { gpuAvailability, gpuTest } from "./webgpu_support.ts";
import { ALL_CASES } from "./cases/mod.ts";

const all: readonly GradCase[] = ALL_CASES;

Deno.test("webgpu: a device is available (required when CI=true)", async () => {
  const a = await gpuAvailability();
  if (!a.available && Deno.env.get("CI") !== "true") {
    console.warn(`webgpu unavailable, tests skipped: ${a.reason}\n  fix: ${a.fix}`);
    return;
  }
  assert.ok(a.available, `webgpu unavailable: ${a.reason}\n  fix: ${a.fix}`);
});

for (const c of all) {
  gpuTest(`webgpu parity ${c.op}: ${c.name}`, () => parityCheck(webgpuBackend, c));
}

gpuTest("webgpu: one submission and at most one readback per run", async () => {
  const { Graph } = await import("../core/graph.ts");
  const o = await import("../core/ops.ts");
  const g = new Graph();
  const x = g.input("x", [4, 3]);
  const w = g.input("w", [3]);
  const h = o.tanh(o.mul(x, w));
  g.output("a", o.sum(h, [1]));
  g.output("b", o.gt(h, 0));
  g.output("c", o.cast(o.max(x), "i32"));
  const exe = await webgpuBackend.compile(g);
  try {
    const feeds = {
      x: {
        dtype: "f32" as const,
        shape: [4, 3],
        data: Float32Array.from({ length: 12 }, (_, i) => i - 5),
      },
      w: { dtype: "f32" as const, shape: [3], data: new Float32Array([0.1, -0.2, 0.3]) },
    };
    for (let i = 0; i < 3; i++) await exe.run(feeds);
    const s = exe.stats() as WebGpuExecStats;
    assert.equal(s.runs, 3);
    assert.equal(s.submits, 3);
    assert.equal(s.readbacks, 3);
    const out = await exe.run(feeds);
    assert.ok(out.b.data instanceof Uint8Array);
    assert.deepEqual([...out.c.data], [6]);
  } finally {
    exe.dispose();
  }
});

gpuTest("webgpu: state stays on the GPU across runs and round-trips", async () => {
  const { Graph } = await import("../core/graph.ts");
  const o = await import("../core/ops.ts");
  const g = new Graph();
  const x = g.input("x", [3]);
  const s = g.state("s", [3]);
  const n = g.state("n", [], "i32");
  const a = g.state("a", [2]);
  const b = g.state("b", [2]);
  g.setStateUpdate("s", o.add(s, x));
  g.setStateUpdate("n", o.add(n, 1));
  // Swapped states must read each other's old value.
  g.setStateUpdate("a", b);
  g.setStateUpdate("b", a);
  g.output("old", s);
  const exe = await webgpuBackend.compile(g);
  try {
    await exe.writeState({
      a: { dtype: "f32", shape: [2], data: new Float32Array([1, 2]) },
      b: { dtype: "f32", shape: [2], data: new Float32Array([3, 4]) },
    });
    const x1 = { x: { dtype: "f32" as const, shape: [3], data: new Float32Array([1, 2, 3]) } };
    const r1 = await exe.run(x1);
    assert.deepEqual([...r1.old.data], [0, 0, 0]);
    const r2 = await exe.run(x1);
    assert.deepEqual([...r2.old.data], [1, 2, 3]);
    await exe.run(x1);
    const st = await exe.readState();
    assert.deepEqual([...st.s.data], [3, 6, 9]);
    assert.deepEqual([...st.n.data], [3]);
    assert.deepEqual([...st.a.data], [3, 4]);
    assert.deepEqual([...st.b.data], [1, 2]);
    await exe.writeState({ s: { dtype: "f32", shape: [3], data: new Float32Array([10, 10, 10]) } });
    const r3 = await exe.run(x1);
    assert.deepEqual([...r3.old.data], [10, 10, 10]);
    assert.equal((exe.stats() as WebGpuExecStats).submits, 4);
  } finally {
    exe.dispose();
  }
});
