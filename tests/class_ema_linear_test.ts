/**
 * The linear-cost class EMA (plugin/class_ema_linear.ts) equals the dense
 * closed form of `classEmaWeights` on fully labelled batches and the
 * reference's per-sample loop on batches with unlabelled samples (−1), to
 * float32 rounding, on update and non-update steps.
 */
import assert from "node:assert/strict";
import { referenceBackend } from "../backends/reference/mod.ts";
import { Graph } from "../core/graph.ts";
import { classEmaWeights } from "../plugin/class_ema.ts";
import {
  linearEmaLevels,
  linearEmaUpdate,
  linearEmaView,
  linearEmaWeights,
} from "../plugin/class_ema_linear.ts";
import { lcg } from "./gradcheck.ts";

/** Graph outputs (view, new memory) of the linear form for one step. */
async function linear(
  v: Float32Array,
  mem: Float32Array,
  labels: Int32Array,
  k: number,
  c: number,
  m: number,
  update: boolean,
): Promise<{ view: Float32Array; next: Float32Array }> {
  const b = labels.length;
  const levels = linearEmaLevels(b, m);
  const w = linearEmaWeights(labels, k, m, update, levels);
  const g = new Graph();
  const feeds = {
    index: g.input("index", [1 + levels, b], "i32"),
    weight: g.input("weight", [4 + levels, b], "f32"),
    decay: g.input("decay", [k], "f32"),
  };
  const vt = g.input("v", [b, c]);
  const mt = g.input("mem", [k, c]);
  g.output("view", linearEmaView(feeds, vt, mt));
  g.output("next", linearEmaUpdate(feeds, vt, mt));
  const exe = await referenceBackend.compile(g);
  const out = await exe.run({
    index: { dtype: "i32", shape: [1 + levels, b], data: w.index },
    weight: { dtype: "f32", shape: [4 + levels, b], data: w.weight },
    decay: { dtype: "f32", shape: [k], data: w.decay },
    v: { dtype: "f32", shape: [b, c], data: v },
    mem: { dtype: "f32", shape: [k, c], data: mem },
  });
  exe.dispose();
  return { view: out.view.data as Float32Array, next: out.next.data as Float32Array };
}

/** The reference's loop: per sample in order, M[k] += m(v − M[k]); the view is M[k] after it. */
function sequential(
  v: Float32Array,
  mem: Float32Array,
  labels: Int32Array,
  c: number,
  m: number,
  update: boolean,
): { view: Float64Array; next: Float64Array } {
  const next = Float64Array.from(mem);
  const view = new Float64Array(labels.length * c);
  labels.forEach((k, b) => {
    if (k < 0) return;
    for (let j = 0; j < c; j++) {
      if (update) next[k * c + j] += m * (v[b * c + j] - next[k * c + j]);
      view[b * c + j] = next[k * c + j];
    }
  });
  return { view, next };
}

/** Dense closed form: E [B+K, B+K] times [v; M] in float64. */
function dense(
  v: Float32Array,
  mem: Float32Array,
  labels: Int32Array,
  k: number,
  c: number,
  m: number,
  update: boolean,
): { view: Float64Array; next: Float64Array } {
  const b = labels.length, w = b + k;
  const e = classEmaWeights(labels, k, m, update);
  const stack = (j: number, ch: number) => j < b ? v[j * c + ch] : mem[(j - b) * c + ch];
  const out = new Float64Array(w * c);
  for (let i = 0; i < w; i++) {
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      for (let j = 0; j < w; j++) s += e[i * w + j] * stack(j, ch);
      out[i * c + ch] = s;
    }
  }
  return { view: out.slice(0, b * c), next: out.slice(b * c) };
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const tol = 2e-6 * Math.max(1, Math.abs(want[i]));
    assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

const CASES = [
  { b: 1, k: 2, m: 0.9 },
  { b: 7, k: 3, m: 0.9 },
  { b: 37, k: 4, m: 0.5 },
  { b: 64, k: 2, m: 0.1 },
  { b: 100, k: 5, m: 0.9 },
];

Deno.test("the linear class EMA equals the dense closed form on fully labelled batches", async () => {
  const rand = lcg(11);
  const c = 3;
  for (const { b, k, m } of CASES) {
    for (const update of [true, false]) {
      const labels = Int32Array.from({ length: b }, () => Math.floor(rand() * k));
      const v = Float32Array.from({ length: b * c }, () => rand() * 4 - 2);
      const mem = Float32Array.from({ length: k * c }, () => rand() * 2 - 1);
      const got = await linear(v, mem, labels, k, c, m, update);
      const want = dense(v, mem, labels, k, c, m, update);
      const tag = `b=${b} k=${k} m=${m} update=${update}`;
      close(got.view, want.view, `view ${tag}`);
      close(got.next, want.next, `memory ${tag}`);
      const seq = sequential(v, mem, labels, c, m, update);
      close(got.view, seq.view, `view vs loop ${tag}`);
    }
  }
});

Deno.test("the linear class EMA skips unlabelled samples (−1) like the per-sample loop", async () => {
  const rand = lcg(12);
  const c = 2;
  for (const { b, k, m } of CASES) {
    for (const update of [true, false]) {
      const labels = Int32Array.from({ length: b }, () => Math.floor(rand() * (k + 1)) - 1);
      const v = Float32Array.from({ length: b * c }, () => rand() * 4 - 2);
      const mem = Float32Array.from({ length: k * c }, () => rand() * 2 - 1);
      const got = await linear(v, mem, labels, k, c, m, update);
      const want = sequential(v, mem, labels, c, m, update);
      const tag = `b=${b} k=${k} m=${m} update=${update}`;
      close(got.next, want.next, `memory ${tag}`);
      // An unlabelled sample's view is 0 (it has no class; DPA never masks it).
      close(got.view, want.view, `view ${tag}`);
    }
  }
});

Deno.test("linear EMA levels stop where (1−m)^(2^l) underflows float32 or 2^l reaches B", () => {
  assert.equal(linearEmaLevels(1, 0.9), 0);
  assert.equal(linearEmaLevels(2, 0.9), 1);
  assert.equal(linearEmaLevels(33, 0.9), 6);
  assert.equal(linearEmaLevels(200_000, 0.9), 6); // 0.1^64 underflows
  assert.equal(linearEmaLevels(200_000, 0.5), 8); // 0.5^256 underflows
  assert.equal(linearEmaLevels(200_000, 1), 0);
  assert.throws(
    () => linearEmaWeights(Int32Array.of(0, 3), 3, 0.9, true, 1),
    /label 3 of sample 1/,
  );
});
