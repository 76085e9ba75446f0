/**
 * tfjs executable properties: no tensor leaks over 1,000 runs, state that
 * persists and round-trips, the catalogue's max-pool tie rule (first maximum
 * of each window, all-negative windows included) where TF.js's own
 * MaxPoolGrad differs, host-checked indices, and the native backends'
 * probe saying why they are unavailable and how to install them.
 */
import assert from "node:assert/strict";
import {
  tfjsCpuBackend,
  tfjsGpuBackend,
  tfjsNodeBackend,
  tfjsWasmBackend,
} from "../backends/tfjs/mod.ts";
import { loadTfjs } from "../backends/tfjs/runtime.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { Graph } from "../core/graph.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import * as o from "../core/ops.ts";

const f32 = (shape: number[], data: number[]): HostTensor => ({
  dtype: "f32",
  shape,
  data: Float32Array.from(data),
});

Deno.test("tfjs-wasm: 1,000 training-like steps leave tf.memory().numTensors unchanged", async () => {
  const g = new Graph();
  const x = g.input("x", [4, 3]);
  const w = g.state("w", [3, 2]);
  const y = o.matmul(x, w);
  const loss = o.mean(o.square(o.tanh(y)));
  // A hand-written gradient step: exercises temporaries, reuse and a state update.
  const gy = o.mul(o.mul(y, 2 / 8), o.sub(1, o.square(o.tanh(y))));
  g.setStateUpdate("w", o.sub(w, o.mul(o.matmul(x, gy, true, false), 0.1)));
  g.output("loss", loss);
  g.output("mask", o.gt(y, 0));
  const exe = await tfjsWasmBackend.compile(g);
  const l = await loadTfjs("wasm");
  assert.ok(l.ok);
  try {
    await exe.writeState({ w: f32([3, 2], [0.1, -0.2, 0.3, 0.4, -0.5, 0.6]) });
    const feeds = { x: f32([4, 3], [1, 2, 3, 4, 5, 6, -1, -2, -3, 0.5, 0, 1]) };
    await exe.run(feeds);
    const before = l.tf.memory().numTensors;
    let last = Infinity;
    for (let i = 0; i < 1000; i++) last = (await exe.run(feeds)).loss.data[0];
    assert.equal(l.tf.memory().numTensors, before);
    assert.ok(last < 0.5, `loss should fall, got ${last}`);
  } finally {
    exe.dispose();
  }
});

Deno.test("tfjs: dispose releases state, constants and kept tensors", async () => {
  const l = await loadTfjs("cpu");
  assert.ok(l.ok);
  const g = new Graph();
  const x = g.input("x", [2, 2]);
  const s = g.state("s", [2, 2]);
  // avg_pool2d keeps a divisor tensor, `+ 1` a full, the constant its value.
  const pooled = o.avgPool2d(o.reshape(x, [1, 1, 2, 2]), { kernel: 1 });
  g.setStateUpdate("s", o.add(s, o.add(o.reshape(pooled, [2, 2]), 1)));
  g.output("y", o.mul(x, o.constant(x, f32([2, 2], [1, 2, 3, 4]))));
  await tfjsCpuBackend.compile(new Graph()).then((e) => e.dispose());
  const before = l.tf.memory().numTensors;
  const exe = await tfjsCpuBackend.compile(g);
  await exe.run({ x: f32([2, 2], [1, 1, 1, 1]) });
  exe.dispose();
  assert.equal(l.tf.memory().numTensors, before);
});

for (const backend of [tfjsWasmBackend, tfjsCpuBackend]) {
  Deno.test(`${backend.name}: state persists, swaps read old values, round-trips`, async () => {
    const g = new Graph();
    const x = g.input("x", [3]);
    const s = g.state("s", [3]);
    const n = g.state("n", [], "i32");
    const a = g.state("a", [2]);
    const b = g.state("b", [2]);
    g.setStateUpdate("s", o.add(s, x));
    g.setStateUpdate("n", o.add(n, 1));
    g.setStateUpdate("a", b);
    g.setStateUpdate("b", a);
    g.output("old", s);
    const exe = await backend.compile(g);
    try {
      await exe.writeState({ a: f32([2], [1, 2]), b: f32([2], [3, 4]) });
      const x1 = { x: f32([3], [1, 2, 3]) };
      assert.deepEqual([...(await exe.run(x1)).old.data], [0, 0, 0]);
      assert.deepEqual([...(await exe.run(x1)).old.data], [1, 2, 3]);
      await exe.run(x1);
      const st = await exe.readState();
      assert.deepEqual([...st.s.data], [3, 6, 9]);
      assert.deepEqual([...st.n.data], [3]);
      assert.ok(st.n.data instanceof Int32Array);
      assert.deepEqual([...st.a.data], [3, 4]);
      assert.deepEqual([...st.b.data], [1, 2]);
    } finally {
      exe.dispose();
    }
  });

  Deno.test(`${backend.name}: max-pool gradient goes to each window's first maximum`, async () => {
    // Window 1: all negative, max -1 at its 2nd element; window 2: a tie of 5s;
    // window 3: all equal zeros; window 4: max in the last position.
    const xs = [
      -3,
      -1,
      5,
      2,
      -1,
      -2,
      5,
      5,
      0,
      0,
      1,
      2,
      0,
      0,
      3,
      4,
    ];
    const g = new Graph();
    const x = g.input("x", [1, 1, 4, 4]);
    const dy = g.input("dy", [1, 1, 2, 2]);
    const v = g.input("v", [1, 1, 4, 4]);
    g.output("dx", o.maxPool2dGrad(x, dy, { kernel: 2 }));
    g.output("gathered", o.maxPool2dGather(x, v, { kernel: 2 }));
    // Overlapping, padded windows take the general (patch) path: same rule.
    const dy3 = g.input("dy3", [1, 1, 4, 4]);
    g.output("dx3", o.maxPool2dGrad(x, dy3, { kernel: 3, stride: 1, padding: 1 }));
    g.output("gathered3", o.maxPool2dGather(x, v, { kernel: 3, stride: 1, padding: 1 }));
    const feeds = {
      x: f32([1, 1, 4, 4], xs),
      dy: f32([1, 1, 2, 2], [10, 20, 30, 40]),
      dy3: f32([1, 1, 4, 4], xs.map((_, i) => 100 + i)),
      v: f32([1, 1, 4, 4], xs.map((_, i) => i)),
    };
    const want = await (await referenceBackend.compile(g)).run(feeds);
    const exe = await backend.compile(g);
    try {
      const got = await exe.run(feeds);
      assert.deepEqual([...got.dx.data], [...want.dx.data]);
      assert.deepEqual([...got.gathered.data], [...want.gathered.data]);
      assert.deepEqual([...got.dx3.data], [...want.dx3.data]);
      assert.deepEqual([...got.gathered3.data], [...want.gathered3.data]);
      // The rule itself, spelled out: first max of each window, row-major.
      assert.deepEqual([...got.gathered.data], [1, 2, 8, 15]);
    } finally {
      exe.dispose();
    }
  });

  Deno.test(`${backend.name}: an out-of-range gather index fed from the host is an error`, async () => {
    const g = new Graph();
    const t = g.input("t", [3, 2]);
    const i = g.input("i", [2], "i32");
    g.output("y", o.gather(t, i, 0));
    const exe = await backend.compile(g);
    try {
      await assert.rejects(
        exe.run({
          t: f32([3, 2], [1, 2, 3, 4, 5, 6]),
          i: { dtype: "i32", shape: [2], data: Int32Array.from([0, 3]) },
        }),
        /index 3 .* out of range/,
      );
    } finally {
      exe.dispose();
    }
  });
}

Deno.test("tfjs-node / tfjs-gpu: unavailable here with the reason and the install command", async () => {
  for (
    const [b, pkg] of [[tfjsNodeBackend, "tfjs-node"], [tfjsGpuBackend, "tfjs-node-gpu"]] as const
  ) {
    const a = await b.probe();
    if (a.available) continue; // installed on this machine: the parity tests would cover it
    assert.match(a.reason, new RegExp(`@tensorflow/${pkg}`));
    assert.match(a.reason, /libtensorflow/);
    assert.match(a.fix, new RegExp(`deno install --allow-scripts=npm:@tensorflow/${pkg}`));
    await assert.rejects(b.compile(new Graph()), /unavailable/);
  }
});

Deno.test("tfjs: rank-5/6 transposes (run as 4-D steps) match the reference", async () => {
  for (
    const [shape, perm] of [
      [[2, 3, 4, 5, 6], [2, 0, 3, 1, 4]],
      [[2, 3, 4, 5, 6], [4, 3, 2, 1, 0]],
      [[2, 1, 3, 2, 2, 3], [5, 1, 3, 0, 4, 2]],
    ] as const
  ) {
    const g = new Graph();
    const x = g.input("x", shape);
    g.output("y", o.transpose(x, perm));
    const n = shape.reduce((a: number, b: number) => a * b, 1);
    const feeds = { x: f32([...shape], Array.from({ length: n }, (_, i) => i)) };
    const want = await (await referenceBackend.compile(g)).run(feeds);
    for (const backend of [tfjsWasmBackend, tfjsCpuBackend]) {
      const exe = await backend.compile(g);
      try {
        assert.deepEqual([...(await exe.run(feeds)).y.data], [...want.y.data], `${perm}`);
      } finally {
        exe.dispose();
      }
    }
  }
});

Deno.test("tfjs: integer semantics match the reference (one_hot, i32 division, casts)", async () => {
  const g = new Graph();
  const i = g.input("i", [5], "i32");
  const j = g.input("j", [5], "i32");
  const x = g.input("x", [5]);
  g.output("onehot", o.oneHot(i, 4)); // -1 and 4 are out of range: zero rows
  g.output("div", o.div(i, j)); // truncates toward zero; x/0 = 0
  g.output("toI32", o.cast(x, "i32")); // truncates toward zero
  g.output("toBool", o.cast(x, "bool"));
  g.output("where", o.where(o.gt(x, 0), x, 0)); // broadcast scalar operand
  g.output("i32ops", o.add(o.mul(o.sub(i, j), o.abs(j)), o.maximum(o.neg(i), o.square(j))));
  g.output("i32sign", o.sign(i));
  g.output("i32cmp", o.concat([o.lt(i, j), o.eq(i, 0), o.ge(x, 0)], 0));
  g.output("i32sum", o.sum(i));
  g.output("i32max", o.max(j));
  g.output("boolPad", o.pad(o.gt(x, 0), [[1, 2]], 1));
  g.output("boolCast", o.cast(o.le(x, 0), "f32"));
  const feeds = {
    i: { dtype: "i32" as const, shape: [5], data: Int32Array.from([-1, 0, 3, 4, -7]) },
    j: { dtype: "i32" as const, shape: [5], data: Int32Array.from([2, 5, 0, -3, 2]) },
    x: f32([5], [-1.7, 0, 2.9, -0.2, 5]),
  };
  const want = await (await referenceBackend.compile(g)).run(feeds);
  for (const backend of [tfjsWasmBackend, tfjsCpuBackend]) {
    const exe = await backend.compile(g);
    try {
      const got = await exe.run(feeds);
      for (const k of Object.keys(want)) {
        assert.equal(got[k].data.constructor, want[k].data.constructor, `${backend.name} ${k}`);
        assert.deepEqual([...got[k].data], [...want[k].data], `${backend.name} ${k}`);
      }
    } finally {
      exe.dispose();
    }
  }
});
