/**
 * Tests of the reference executable (feeds, outputs, state semantics,
 * precision) and of the backend registry (lookup errors, `auto`, unavailable
 * backends). The registry here holds only what this file registers, so the
 * result of `auto` does not depend on which backends a machine has.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { hostTensor } from "../core/host_tensor.ts";
import { add, Graph, identity, mul, reshape, sum } from "../core/ops.ts";
import { plan } from "../core/plan.ts";
import type { Availability, Backend, Executable } from "../backends/backend.ts";
import {
  getBackend,
  listBackends,
  probeAll,
  registerBackend,
  resolveBackend,
} from "../backends/registry.ts";
import { referenceBackend } from "../backends/reference/mod.ts";

const f32 = (shape: number[], v: number[]) => hostTensor("f32", shape, Float32Array.from(v));

/** Assert that `fn` throws or rejects with an ActlabError whose message matches every pattern. */
async function rejectsWith(fn: () => unknown, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(async () => await fn(), (e: unknown) => {
    assert.ok(e instanceof ActlabError, `expected ActlabError, got ${e}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

/** acc += x each run; `old` is the value before the run. */
function accumulator(): Graph {
  const g = new Graph();
  const x = g.input("x", [2]);
  const acc = g.state("acc", [2]);
  const fixed = g.state("fixed", [2]); // no update: keeps what was written
  g.output("old", identity(acc));
  g.output("oldDirect", acc); // the state node itself as an output
  const next = add(acc, x);
  g.output("new", next);
  g.output("fixedPlusX", add(fixed, x));
  g.setStateUpdate("acc", next);
  return g;
}

// ---- reference executable ----------------------------------------------------------------

Deno.test("executable: state starts at zero, is read before and updated after each run", async () => {
  const exe = await referenceBackend.compile(accumulator());
  let r = await exe.run({ x: f32([2], [1, 2]) });
  assert.deepEqual(r.old.data, Float32Array.from([0, 0]));
  assert.deepEqual(r.oldDirect.data, Float32Array.from([0, 0]));
  assert.deepEqual(r.new.data, Float32Array.from([1, 2]));
  r = await exe.run({ x: f32([2], [10, 20]) });
  assert.deepEqual(r.old.data, Float32Array.from([1, 2]));
  assert.deepEqual(r.oldDirect.data, Float32Array.from([1, 2]), "outputs are copies, not views");
  assert.deepEqual(r.new.data, Float32Array.from([11, 22]));
  const s = await exe.readState();
  assert.deepEqual(Object.keys(s).sort(), ["acc", "fixed"]);
  assert.deepEqual(s.acc.data, Float32Array.from([11, 22]));
  assert.deepEqual(s.acc.shape, [2]);
  assert.deepEqual(s.fixed.data, Float32Array.from([0, 0]));
  // readState returns copies: mutating them does not touch the executable.
  s.acc.data[0] = 999;
  assert.deepEqual((await exe.readState(["acc"])).acc.data, Float32Array.from([11, 22]));

  await exe.writeState({ acc: f32([2], [5, 5]), fixed: f32([2], [100, 200]) });
  r = await exe.run({ x: f32([2], [1, 1]) });
  assert.deepEqual(r.old.data, Float32Array.from([5, 5]));
  assert.deepEqual(r.fixedPlusX.data, Float32Array.from([101, 201]));
  r = await exe.run({ x: f32([2], [1, 1]) });
  assert.deepEqual(r.fixedPlusX.data, Float32Array.from([101, 201]), "state without update");
  assert.deepEqual((await exe.readState(["acc"])).acc.data, Float32Array.from([7, 7]));
  assert.equal(exe.stats().runs, 4);
});

Deno.test("executable: state updates are applied together (a swap sees only old values)", async () => {
  const g = new Graph();
  const a = g.state("a", [2]);
  const b = g.state("b", [2]);
  g.setStateUpdate("a", b);
  g.setStateUpdate("b", a);
  g.output("sum", add(a, mul(b, 10)));
  const exe = await referenceBackend.compile(g);
  await exe.writeState({ a: f32([2], [1, 2]), b: f32([2], [3, 4]) });
  const r = await exe.run({});
  assert.deepEqual(r.sum.data, Float32Array.from([31, 42]));
  const s = await exe.readState();
  assert.deepEqual(s.a.data, Float32Array.from([3, 4]));
  assert.deepEqual(s.b.data, Float32Array.from([1, 2]));
});

Deno.test("executable: a swap through reshapes (aliases of the other state) sees only old values", async () => {
  const g = new Graph();
  const a = g.state("a", [2]);
  const b = g.state("b", [2]);
  g.setStateUpdate("a", reshape(reshape(b, [1, 2]), [2]));
  g.setStateUpdate("b", reshape(reshape(a, [2, 1]), [2]));
  g.output("sum", add(a, mul(b, 10)));
  const exe = await referenceBackend.compile(g);
  await exe.writeState({ a: f32([2], [1, 2]), b: f32([2], [3, 4]) });
  await exe.run({});
  const s = await exe.readState();
  assert.deepEqual(s.a.data, Float32Array.from([3, 4]));
  assert.deepEqual(s.b.data, Float32Array.from([1, 2]));
});

Deno.test("executable: readState/writeState reject unknown names and mismatched values", async () => {
  const exe = await referenceBackend.compile(accumulator());
  await rejectsWith(() => exe.readState(["nope"]), /unknown state "nope"/, /acc, fixed/);
  await rejectsWith(() => exe.writeState({ nope: f32([2], [1, 2]) }), /unknown state "nope"/);
  await rejectsWith(
    () => exe.writeState({ acc: f32([3], [1, 2, 3]) }),
    /state "acc" is f32\[3\] but the graph declares f32\[2\]/,
  );
  await rejectsWith(
    () => exe.writeState({ acc: hostTensor("i32", [2], [1, 2]) }),
    /state "acc" is i32\[2\]/,
  );
  // A rejected write leaves the state untouched.
  assert.deepEqual((await exe.readState(["acc"])).acc.data, Float32Array.from([0, 0]));
});

Deno.test("executable: feed errors name the feed and what was expected", async () => {
  const g = new Graph();
  const x = g.input("pixels", [2, 3]);
  const y = g.input("labels", [2], "i32");
  g.output("out", add(sum(x, [1]), 1));
  g.output("labels", y);
  const exe = await referenceBackend.compile(g);
  const pixels = f32([2, 3], [1, 2, 3, 4, 5, 6]);
  const labels = hostTensor("i32", [2], [0, 1]);
  await rejectsWith(
    () => exe.run({ pixels }),
    /missing feed "labels" \(i32\[2\]\)/,
    /supply "labels"/,
  );
  await rejectsWith(
    () => exe.run({ pixels, labels: f32([2], [0, 1]) }),
    /feed "labels" is f32\[2\] but the graph declares i32\[2\]/,
  );
  await rejectsWith(
    () => exe.run({ pixels: f32([3, 2], [1, 2, 3, 4, 5, 6]), labels }),
    /feed "pixels" is f32\[3,2\] but the graph declares f32\[2,3\]/,
  );
  const r = await exe.run({ pixels, labels });
  assert.deepEqual(r.out.data, Float32Array.from([7, 16]));
  assert.deepEqual(r.labels.data, Int32Array.from([0, 1]));
  assert.equal(r.labels.dtype, "i32");
});

Deno.test("executable: unknown output names are rejected at compile time", async () => {
  const g = accumulator();
  await rejectsWith(
    () => referenceBackend.compile(g, { outputs: ["old", "nope"] }),
    /unknown output "nope"/,
    /old, oldDirect, new, fixedPlusX/,
  );
  // A subset compiles and returns only what was asked for (the state update still runs).
  const exe = await referenceBackend.compile(g, { outputs: ["old"] });
  const r = await exe.run({ x: f32([2], [1, 1]) });
  assert.deepEqual(Object.keys(r), ["old"]);
  assert.deepEqual((await exe.readState(["acc"])).acc.data, Float32Array.from([1, 1]));
});

Deno.test("executable: f64 precision returns Float64Array; f32 rounds", async () => {
  const g = new Graph();
  const x = g.input("x", [2]);
  const s = g.state("s", [2]);
  g.output("y", add(mul(x, 1 / 3), 0.1));
  g.setStateUpdate("s", add(s, x));
  const feeds = { x: f32([2], [1, 2]) }; // float32 feeds are widened in f64 mode
  const r64 = await (await referenceBackend.compile(g, { precision: "f64" })).run(feeds);
  assert.ok(r64.y.data instanceof Float64Array);
  assert.deepEqual([...r64.y.data], [1 / 3 + 0.1, 2 / 3 + 0.1]);
  const r32 = await (await referenceBackend.compile(g)).run(feeds);
  assert.ok(r32.y.data instanceof Float32Array);
  assert.notEqual(r32.y.data[0], r64.y.data[0]);
  const e64 = await referenceBackend.compile(g, { precision: "f64" });
  await e64.writeState({ s: hostTensor("f32", [2], Float64Array.from([0.1, 0.2])) });
  await e64.run({ x: hostTensor("f32", [2], Float64Array.from([0.2, 0.1])) });
  const st = await e64.readState();
  assert.ok(st.s.data instanceof Float64Array);
  assert.deepEqual([...st.s.data], [0.1 + 0.2, 0.2 + 0.1]);
});

Deno.test("executable: stats and dispose", async () => {
  const g = accumulator();
  const exe = await referenceBackend.compile(g);
  assert.equal(exe.stats().runs, 0);
  assert.equal(exe.stats().peakBytes, plan(g).peakBytes);
  await exe.run({ x: f32([2], [1, 1]) });
  const st = exe.stats();
  assert.equal(st.runs, 1);
  assert.ok(st.lastRunMs >= 0 && st.totalRunMs >= st.lastRunMs && st.compileMs >= 0);
  exe.dispose();
  await rejectsWith(() => exe.run({ x: f32([2], [1, 1]) }), /disposed/);
  await rejectsWith(() => exe.readState(), /readState\(\) on a disposed executable/);
});

Deno.test("executable: a run started while another is in flight is rejected", async () => {
  const exe = await referenceBackend.compile(accumulator());
  const first = exe.run({ x: f32([2], [1, 2]) });
  const second = exe.run({ x: f32([2], [1, 2]) });
  await rejectsWith(() => second, /still in flight/);
  await first;
  const r = await exe.run({ x: f32([2], [10, 20]) });
  assert.deepEqual(r.new.data, Float32Array.from([11, 22]), "only the first run updated the state");
});

Deno.test("executable: writeState checks every value before writing any", async () => {
  const exe = await referenceBackend.compile(accumulator());
  await rejectsWith(
    () => exe.writeState({ acc: f32([2], [7, 7]), fixed: f32([3], [1, 2, 3]) }),
    /state "fixed" is f32\[3\]/,
  );
  assert.deepEqual((await exe.readState(["acc"])).acc.data, Float32Array.from([0, 0]));
});

// ---- backend registry ---------------------------------------------------------------------

const unavailable: Backend = {
  name: "fake-gpu",
  description: "a backend that is never available (test double)",
  speedRank: 1,
  probe(): Promise<Availability> {
    return Promise.resolve({
      available: false,
      reason: "no fake device found in this test",
      fix: "install the fake driver (apt-get install fake-gpu)",
    });
  },
  compile(): Promise<Executable> {
    return Promise.reject(new Error("compile must not be reached"));
  },
};

Deno.test("registry: lookup, auto, and unavailable backends", async (t) => {
  registerBackend(referenceBackend);

  await t.step("unknown names list the valid ones", async () => {
    for (const attempt of [() => getBackend("cuda"), () => resolveBackend("cuda")]) {
      await rejectsWith(attempt, /unknown backend "cuda"/, /auto, reference/);
    }
  });

  await t.step("auto resolves to the reference backend", async () => {
    assert.equal(await resolveBackend("auto"), referenceBackend);
    assert.equal(await resolveBackend("reference"), referenceBackend);
  });

  await t.step("a named unavailable backend is an error with its reason and fix", async () => {
    registerBackend(unavailable);
    assert.deepEqual(listBackends(), ["fake-gpu", "reference"]); // fastest first
    await rejectsWith(
      () => resolveBackend("fake-gpu"),
      /backend "fake-gpu" is unavailable: no fake device found in this test/,
      /fix: install the fake driver \(apt-get install fake-gpu\)/,
    );
    // auto skips it (faster but unavailable) instead of failing.
    assert.equal(await resolveBackend("auto"), referenceBackend);
    const probes = await probeAll();
    assert.deepEqual(probes.map((p) => [p.name, p.availability.available]), [
      ["fake-gpu", false],
      ["reference", true],
    ]);
  });

  await t.step("registering a name twice is an error", () => {
    assert.throws(() => registerBackend(unavailable), /registered twice/);
  });
});

Deno.test("executable: dispose frees the pooled buffers and state at once, not at the next GC", async () => {
  const n = 8 * 2 ** 20; // 32 MiB per f32 buffer
  const g = new Graph();
  const s = g.state("s", [n]);
  const y = mul(add(s, 1), 2);
  g.setStateUpdate("s", y);
  g.output("total", sum(y, [0]));
  const exe = await referenceBackend.compile(g);
  await exe.run({});
  const before = Deno.memoryUsage().external;
  exe.dispose();
  const freed = before - Deno.memoryUsage().external;
  // The state (32 MiB) and at least one pooled buffer of 32 MiB are detached right away.
  assert.ok(freed >= 60 * 2 ** 20, `only ${(freed / 2 ** 20).toFixed(1)} MiB freed on dispose`);
});
