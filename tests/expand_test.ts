/**
 * Composite ops and their expansion (core/expand.ts): a backend without a
 * fused kernel runs the decomposition, which for batch norm's forward is
 * exactly the ops nn/batch_norm.ts built before the composites existed, so
 * forward values on such backends are unchanged bit for bit; names of feeds,
 * states and outputs survive; a backend's `native` predicate keeps a node.
 */
import assert from "node:assert/strict";
import { referenceBackend } from "../backends/reference/mod.ts";
import { ActlabError } from "../core/errors.ts";
import { grad } from "../core/autodiff.ts";
import { expandComposites } from "../core/expand.ts";
import { Graph } from "../core/graph.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import { isComposite } from "../core/op_def.ts";
import * as o from "../core/ops.ts";
import { lcg } from "./gradcheck.ts";

const SHAPE = [6, 4, 3, 5];

function feed(seed: number): HostTensor {
  const rand = lcg(seed);
  return {
    dtype: "f32",
    shape: SHAPE,
    data: Float32Array.from({ length: 360 }, () => rand() * 6 - 2),
  };
}

Deno.test("expandComposites: no composite, the same graph object", () => {
  const g = new Graph();
  g.output("y", o.threshold(g.input("x", [3]), 0));
  assert.equal(expandComposites(g), g);
});

Deno.test("batch norm composites expand to the ops batchNorm built before, bit for bit", async () => {
  const g = new Graph();
  const x = g.input("x", SHAPE);
  const w = g.input("w", [4]);
  const b = g.input("b", [4]);
  const m = o.batchMoments(x);
  g.output("y", o.batchNormalize(x, m, w, b, 1e-5));
  g.output("moments", m);
  const s = g.state("count", [1]);
  g.setStateUpdate("count", o.add(s, 1));

  // The construction nn/batch_norm.ts used before (mean, centred, variance, normalise).
  const h = new Graph();
  const hx = h.input("x", SHAPE);
  const hw = o.reshape(h.input("w", [4]), [1, 4, 1, 1]);
  const hb = o.reshape(h.input("b", [4]), [1, 4, 1, 1]);
  const axes = [0, 2, 3];
  const mu = o.mean(hx, axes, true);
  const centred = o.sub(hx, mu);
  const variance = o.mean(o.square(centred), axes, true);
  h.output("y", o.add(o.mul(o.mul(centred, o.rsqrt(o.add(variance, 1e-5))), hw), hb));
  h.output("moments", o.concat([o.reshape(mu, [1, 4]), o.reshape(variance, [1, 4])], 0));

  const expanded = expandComposites(g);
  assert.ok(expanded.nodes.every((n) => !isComposite(n.op)), "nothing composite left");
  assert.deepEqual([...expanded.inputs.keys()], ["x", "w", "b"]);
  assert.deepEqual([...expanded.outputs.keys()], ["y", "moments"]);
  assert.ok(expanded.states.get("count")?.update !== undefined, "the state update survives");

  const params = (seed: number): HostTensor => {
    const rand = lcg(seed);
    return { dtype: "f32", shape: [4], data: Float32Array.from({ length: 4 }, () => rand() + 0.5) };
  };
  const f = { x: feed(5), w: params(6), b: params(7) };
  const got = await (await referenceBackend.compile(g)).run(f);
  const want = await (await referenceBackend.compile(h)).run(f);
  assert.deepEqual(got.y.data, want.y.data);
  assert.deepEqual(got.moments.data, want.moments.data);
});

Deno.test("expandComposites keeps the nodes `native` claims", () => {
  const g = new Graph();
  const x = g.input("x", SHAPE);
  const [w, b] = [g.input("w", [4]), g.input("b", [4])];
  g.output("y", o.batchNormalize(x, o.batchMoments(x), w, b));
  const kept = expandComposites(g, (n) => n.op === "batch_norm");
  assert.deepEqual(
    kept.nodes.filter((n) => isComposite(n.op)).map((n) => n.op),
    ["batch_norm"],
  );
});

Deno.test("batchNormalize: moments must be batchMoments of the same x", () => {
  const g = new Graph();
  const x = g.input("x", SHAPE);
  const other = g.input("z", SHAPE);
  const [w, b] = [g.input("w", [4]), g.input("b", [4])];
  assert.throws(
    () => o.batchNormalize(x, o.batchMoments(other), w, b),
    (e) => e instanceof ActlabError && /batch_moments\(x\) of the same x/.test(e.message),
  );
  assert.throws(
    () => o.batchNormalize(x, g.input("m", [2, 4]), w, b),
    (e) => e instanceof ActlabError && /"input" node/.test(e.message),
  );
});

Deno.test("layer norm's VJP is one layer_norm_grad node; its expansion is the formula", async () => {
  const g = new Graph();
  const x = g.input("x", [5, 7]);
  const gy = g.input("g", [5, 7]);
  const y = o.layerNorm(x);
  const [dx] = grad(g, o.sum(o.mul(y, gy)), [x]).grads;
  g.output("dx", dx);
  assert.equal(g.nodes.filter((n) => n.op === "layer_norm_grad").length, 1);
  const rand = lcg(9);
  const data = () => Float32Array.from({ length: 35 }, () => rand() * 2 - 1);
  const feeds = {
    x: { dtype: "f32" as const, shape: [5, 7], data: data() },
    g: { dtype: "f32" as const, shape: [5, 7], data: data() },
  };
  const got = (await (await referenceBackend.compile(g)).run(feeds)).dx.data;
  // dx = r · (g − mean(g) − y · mean(g·y)), r = 1/sqrt(var + eps), in float64 from the float32 y.
  const xs = feeds.x.data, gs = feeds.g.data;
  for (let r = 0; r < 5; r++) {
    const row = (a: Float32Array) => [...a.subarray(7 * r, 7 * r + 7)];
    const xr = row(xs), gr = row(gs);
    const mu = xr.reduce((s, v) => s + v, 0) / 7;
    const v = xr.reduce((s, t) => s + (t - mu) ** 2, 0) / 7;
    const inv = 1 / Math.sqrt(v + 1e-5);
    const yr = xr.map((t) => (t - mu) * inv);
    const mg = gr.reduce((s, t) => s + t, 0) / 7;
    const mgy = gr.reduce((s, t, i) => s + t * yr[i], 0) / 7;
    for (let i = 0; i < 7; i++) {
      const want = inv * (gr[i] - mg - yr[i] * mgy);
      assert.ok(Math.abs(got[7 * r + i] - want) < 1e-5, `row ${r} col ${i}`);
    }
  }
});
