/**
 * onednn-cpu's normalisation kernels (backends/onednn/kernels/norm.ts)
 * against the reference's decompositions: batch norm with its moments in one
 * forward-training call (the pair nn/batch_norm.ts builds) and apart (the
 * moments read before the normalisation, so they must be computed first),
 * its gradients (input, weight and bias from one backward call), and layer
 * norm forward and backward — to float32 rounding
 * (oneDNN sums in float32 in its own order; the usual parity tolerance).
 */
import assert from "node:assert/strict";
import { onednnCpuBackend } from "../backends/onednn/mod.ts";
import { batchNormSiblings, pairBatchNorms } from "../backends/onednn/kernels/batch_norm.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { grad } from "../core/autodiff.ts";
import { Graph } from "../core/graph.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import * as o from "../core/ops.ts";
import { lcg } from "./gradcheck.ts";
import { ortAvailability } from "./ort_support.ts";
import { assertClose } from "./parity.ts";

const ok = await ortAvailability(onednnCpuBackend);
const SHAPE = [8, 5, 6, 7];

function batchNormGraph(readMomentsFirst: boolean): Graph {
  const g = new Graph();
  const x = g.input("x", SHAPE);
  const r = g.input("r", SHAPE);
  const w = g.input("w", [5]);
  const b = g.input("b", [5]);
  const m = o.batchMoments(x);
  if (readMomentsFirst) g.output("early", o.mul(o.slice(m, [0, 0], [1, 5]), 2));
  const y = o.batchNormalize(x, m, w, b);
  g.output("y", y);
  g.output("moments", m);
  const [dx, dw, db] = grad(g, o.sum(o.mul(y, r)), [x, w, b]).grads;
  g.output("dx", dx);
  g.output("dw", dw);
  g.output("db", db);
  return g;
}

function feeds(): Record<string, HostTensor> {
  const rand = lcg(11);
  const n = SHAPE.reduce((a, b) => a * b);
  const data = (lo: number, hi: number) =>
    Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
  const c = (lo: number, hi: number) =>
    Float32Array.from({ length: 5 }, () => lo + (hi - lo) * rand());
  return {
    x: { dtype: "f32", shape: SHAPE, data: data(1, 5) },
    r: { dtype: "f32", shape: SHAPE, data: data(-1, 1) },
    w: { dtype: "f32", shape: [5], data: c(0.5, 2) },
    b: { dtype: "f32", shape: [5], data: c(-1, 1) },
  };
}

for (const readMomentsFirst of [false, true]) {
  Deno.test({
    name: `onednn-cpu batch norm ${
      readMomentsFirst ? "with its moments read first (apart)" : "computing its moments (paired)"
    }: matches reference`,
    ignore: !ok,
    fn: async () => {
      const g = batchNormGraph(readMomentsFirst);
      const shared = new Map<string, unknown>();
      pairBatchNorms(g, shared);
      assert.equal(shared.size, readMomentsFirst ? 0 : 1, "paired only when nothing reads first");
      const siblings = batchNormSiblings(g);
      assert.equal(siblings.size, 1, "the weight and bias gradients come with the input's");
      const want = await (await referenceBackend.compile(g)).run(feeds());
      const got = await (await onednnCpuBackend.compile(g)).run(feeds());
      for (const k of Object.keys(want)) assertClose(k, got[k], want[k], 1e-4);
    },
  });
}

Deno.test({
  name: "onednn-cpu layer norm forward and backward: match reference",
  ignore: !ok,
  fn: async () => {
    const g = new Graph();
    const x = g.input("x", [4, 6, 10]);
    const r = g.input("r", [4, 6, 10]);
    const y = o.layerNorm(x, 2, 1e-5);
    g.output("y", y);
    g.output("dx", grad(g, o.sum(o.mul(y, r)), [x]).grads[0]);
    const rand = lcg(3);
    const data = () => Float32Array.from({ length: 240 }, () => rand() * 4 - 2);
    const f = {
      x: { dtype: "f32" as const, shape: [4, 6, 10], data: data() },
      r: { dtype: "f32" as const, shape: [4, 6, 10], data: data() },
    };
    const want = await (await referenceBackend.compile(g)).run(f);
    const got = await (await onednnCpuBackend.compile(g)).run(f);
    for (const k of Object.keys(want)) assertClose(k, got[k], want[k], 1e-4);
  },
});
