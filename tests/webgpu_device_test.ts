/**
 * WebGPU backend: provider errors (null adapter, failed device request,
 * device loss), option errors, index diagnostics, kernel coverage of the
 * catalogue, and device-limit handling (2-D dispatch folding).
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { Graph } from "../core/graph.ts";
import { isComposite, listOps } from "../core/op_def.ts";
import * as o from "../core/ops.ts";
import {
  checkProvider,
  createWebGpuBackend,
  gpuKernelOps,
  HOST_OPS,
  openDevice,
  webgpuBackend,
  WebGpuExecutable,
} from "../backends/webgpu/mod.ts";
import { gpuTest } from "./webgpu_support.ts";

/** A fake `GPU` whose adapter is `adapter` (null: no driver). */
function fakeGpu(adapter: GPUAdapter | null): GPU {
  return { requestAdapter: () => Promise.resolve(adapter) } as unknown as GPU;
}

Deno.test("webgpu: a null adapter names the provider, what was tried and the fix", async () => {
  const err = await openDevice("deno", fakeGpu(null)).then(() => null, (e) => e);
  assert.ok(err instanceof ActlabError);
  assert.match(err.message, /provider deno/);
  assert.match(err.message, /requestAdapter\(\) returned no adapter/);
  assert.match(err.hint, /mesa-vulkan-drivers/);
  assert.match(err.hint, /XDG_RUNTIME_DIR/);
  const dawn = await openDevice("dawn", fakeGpu(null)).then(() => null, (e) => e);
  assert.match(dawn.message, /provider dawn/);
  assert.match(dawn.hint, /Mesa >= 25|bookworm-backports/);
});

Deno.test("webgpu: a failed requestDevice is an ActlabError with the adapter's name", async () => {
  const adapter = {
    info: { description: "fake adapter", vendor: "" },
    limits: {},
    requestDevice: () => Promise.reject(new Error("limits not supported")),
  } as unknown as GPUAdapter;
  const err = await openDevice("deno", fakeGpu(adapter)).then(() => null, (e) => e);
  assert.ok(err instanceof ActlabError);
  assert.match(err.message, /requestDevice\(\) on adapter "fake adapter" failed/);
  assert.match(err.hint, /mesa-vulkan-drivers/);
});

Deno.test("webgpu: unknown provider names are rejected", () => {
  assert.throws(() => checkProvider("metal"), /unknown WebGPU provider "metal"/);
});

Deno.test({
  name: "webgpu: the dawn provider probes without falling back (ACTLAB_TEST_DAWN=1)",
  // Opt-in: the first use downloads npm:webgpu (~130 MB of Dawn binaries).
  ignore: Deno.env.get("ACTLAB_TEST_DAWN") !== "1",
  fn: async () => {
    const a = await createWebGpuBackend({ provider: "dawn" }).probe();
    if (a.available) {
      assert.match(a.reason, /provider dawn/);
    } else {
      // Debian 12's Mesa 22: Dawn finds no adapter. The reason must say so, never fall back.
      assert.match(a.reason, /provider dawn/);
      assert.match(a.fix, /bookworm-backports|Mesa/);
    }
  },
});

gpuTest("webgpu: precision f64 is refused with the alternative", async () => {
  const g = new Graph();
  g.output("y", o.exp(g.input("x", [2])));
  await assert.rejects(
    () => webgpuBackend.compile(g, { precision: "f64" }),
    (e: Error) =>
      e instanceof ActlabError && /precision f64/.test(e.message) &&
      /reference/.test(e.message),
  );
});

gpuTest("webgpu: a lost device turns every later call into an ActlabError", async () => {
  const ctx = await openDevice("deno", navigator.gpu);
  const g = new Graph();
  g.output("y", o.exp(g.input("x", [2])));
  const exe = await WebGpuExecutable.create(ctx, g);
  const feeds = { x: { dtype: "f32" as const, shape: [2], data: new Float32Array([0, 1]) } };
  assert.equal((await exe.run(feeds)).y.data[0], 1);
  ctx.device.destroy();
  await ctx.device.lost;
  await assert.rejects(
    () => exe.run(feeds),
    (e: Error) =>
      e instanceof ActlabError && /provider deno/.test(e.message) && /lost/.test(e.message),
  );
  await assert.rejects(() => WebGpuExecutable.create(ctx, g), /lost/);
});

gpuTest("webgpu: out-of-range gather/scatter indices raise the reference's error", async () => {
  const g = new Graph();
  const x = g.input("x", [4, 3]);
  const i = g.input("i", [2, 2], "i32");
  g.output("y", o.gather(x, i, 0));
  const exe = await webgpuBackend.compile(g);
  try {
    const xs = { dtype: "f32" as const, shape: [4, 3], data: new Float32Array(12).fill(1) };
    const ok = await exe.run({
      x: xs,
      i: { dtype: "i32", shape: [2, 2], data: new Int32Array([0, 1, 2, 3]) },
    });
    assert.equal(ok.y.data.length, 12);
    await assert.rejects(
      () =>
        exe.run({ x: xs, i: { dtype: "i32", shape: [2, 2], data: new Int32Array([0, 1, 7, 3]) } }),
      (e: Error) =>
        e instanceof ActlabError && /gather: index 7 at \[1,0\]/.test(e.message) &&
        /size 4/.test(e.message),
    );
    // The flag is cleared: a good run afterwards succeeds.
    await exe.run({
      x: xs,
      i: { dtype: "i32", shape: [2, 2], data: new Int32Array([3, 2, 1, 0]) },
    });
  } finally {
    exe.dispose();
  }
  const g2 = new Graph();
  const u = g2.input("u", [3, 2]);
  const j = g2.input("j", [3], "i32");
  g2.output("y", o.scatterAdd(u, j, 0, 2));
  const exe2 = await webgpuBackend.compile(g2);
  try {
    await assert.rejects(
      () =>
        exe2.run({
          u: { dtype: "f32", shape: [3, 2], data: new Float32Array(6) },
          j: { dtype: "i32", shape: [3], data: new Int32Array([0, -1, 1]) },
        }),
      /scatter_add: index -1 at \[1\]/,
    );
  } finally {
    exe2.dispose();
  }
});

Deno.test("webgpu: every catalogue op has a kernel (or is provided by the host)", () => {
  const have = new Set([...gpuKernelOps(), ...HOST_OPS]);
  const missing = listOps().filter((op) => !have.has(op) && !isComposite(op));
  assert.deepEqual(missing, [], `ops without a webgpu kernel: ${missing.join(", ")}`);
});

gpuTest("webgpu: more than 65535 workgroups are folded into a 2-D dispatch", async () => {
  // 64 threads per workgroup: 2^23 elements need 131072 workgroups.
  const n = 1 << 23;
  const g = new Graph();
  const x = g.input("x", [n]);
  g.output("s", o.sum(o.mul(x, 2), [0]));
  g.output("tail", o.slice(o.add(x, 1), [n - 3], [n]));
  const exe = await webgpuBackend.compile(g);
  try {
    const data = new Float32Array(n).fill(0.5);
    const out = await exe.run({ x: { dtype: "f32", shape: [n], data } });
    assert.deepEqual([...out.tail.data], [1.5, 1.5, 1.5]);
    assert.equal(out.s.data[0], n);
  } finally {
    exe.dispose();
  }
});

gpuTest("webgpu: bool and i32 values round-trip through feeds, state and outputs", async () => {
  const g = new Graph();
  const m = g.input("m", [5], "bool");
  const k = g.input("k", [5], "i32");
  const s = g.state("count", [5], "i32");
  g.setStateUpdate("count", o.add(s, o.cast(m, "i32")));
  g.output("not", o.eq(m, o.full(m, [], 0, "bool")));
  g.output("w", o.where(m, k, o.neg(k)));
  g.output("q", o.div(k, o.full(k, [], 2, "i32")));
  const exe = await webgpuBackend.compile(g);
  try {
    const feeds = {
      m: { dtype: "bool" as const, shape: [5], data: new Uint8Array([1, 0, 1, 1, 0]) },
      k: { dtype: "i32" as const, shape: [5], data: new Int32Array([-5, 3, 7, -1, 0]) },
    };
    await exe.run(feeds);
    const r = await exe.run(feeds);
    assert.deepEqual([...r.not.data], [0, 1, 0, 0, 1]);
    assert.deepEqual([...r.w.data], [-5, -3, 7, -1, 0]);
    assert.deepEqual([...r.q.data], [-2, 1, 3, 0, 0]);
    assert.deepEqual([...(await exe.readState()).count.data], [2, 0, 2, 2, 0]);
  } finally {
    exe.dispose();
  }
});

gpuTest(
  "webgpu: long contractions are split along k (dense matmul and conv filter grad)",
  async () => {
    // 200003 = 4·50000 + 3: two k-chunks, the last one with a ragged tail.
    const K = 200003;
    const rand = (i: number) => ((i * 7919) % 1009) / 1009 - 0.5;
    const a = Float32Array.from({ length: 2 * K }, (_, i) => rand(i));
    const b = Float32Array.from({ length: K * 3 }, (_, i) => rand(i + 17));
    const g = new Graph();
    g.output("c", o.matmul(g.input("a", [2, K]), g.input("b", [K, 3])));
    const hw = 460; // 211600 output pixels: the filter gradient contracts over all of them
    const x = Float32Array.from({ length: hw * hw }, (_, i) => rand(i + 3));
    const dy = Float32Array.from({ length: hw * hw }, (_, i) => rand(i + 5));
    g.output(
      "dw",
      o.conv2dFilterGrad(g.input("x", [1, 1, hw, hw]), g.input("dy", [1, 1, hw, hw]), [1, 1, 1, 1]),
    );
    const exe = await webgpuBackend.compile(g);
    try {
      const out = await exe.run({
        a: { dtype: "f32", shape: [2, K], data: a },
        b: { dtype: "f32", shape: [K, 3], data: b },
        x: { dtype: "f32", shape: [1, 1, hw, hw], data: x },
        dy: { dtype: "f32", shape: [1, 1, hw, hw], data: dy },
      });
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) {
          let want = 0;
          for (let k = 0; k < K; k++) want += a[i * K + k] * b[k * 3 + j];
          const got = out.c.data[i * 3 + j];
          assert.ok(
            Math.abs(got - want) < 1e-3 * (1 + Math.abs(want)),
            `c[${i},${j}] ${got} vs ${want}`,
          );
        }
      }
      let want = 0;
      for (let k = 0; k < hw * hw; k++) want += x[k] * dy[k];
      assert.ok(
        Math.abs(out.dw.data[0] - want) < 1e-3 * (1 + Math.abs(want)),
        `dw ${out.dw.data[0]} vs ${want}`,
      );
    } finally {
      exe.dispose();
    }
  },
);
