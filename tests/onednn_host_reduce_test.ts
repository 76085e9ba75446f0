/**
 * The onednn-cpu host kernels for reductions, pooling, softmax and layer
 * norm (backends/onednn/host/{reduce,pool,softmax,layer_norm}.ts) against
 * the reference kernels, bit for bit: each host kernel runs twice on an
 * output pre-filled with NaN (pooled buffers hold stale values, so it must
 * write every element) and must equal the reference kernel's output in every
 * bit — a NaN only needs to meet a NaN (payloads are not compared). Inputs
 * mix ±2^40 with small values (so a changed summation order shows), or hold
 * ties on a coarse grid, −0, NaN and ±∞, or mostly ±0. The cases cover every
 * axis subset of odd shapes with keepdims both ways, pools with padding,
 * strides, overlapping and disjoint windows and floor geometry, softmaxes on
 * every axis with all −∞ rows, and layer norm over one and two axes. Host
 * kernels need no libdnnl, so nothing here skips without it — except the last
 * test, which checks through the backend's lookup that oneDNN leaves partial
 * reductions over short rows to the host kernel.
 * @module
 */
import assert from "node:assert/strict";
import { dnnlContext } from "../backends/onednn/engine.ts";
import {
  type HostKernel,
  hostOps,
  kernelEnv,
  type OnednnEnv,
  onednnLookup,
} from "../backends/onednn/kernel.ts";
import "../backends/onednn/kernels/mod.ts";
import { loadDnnl } from "../backends/onednn/library.ts";
import type { DnnlPrimitive } from "../backends/onednn/primitive.ts";
import "../backends/onednn/host/mod.ts";
import { layerNormHostKernels } from "../backends/onednn/host/layer_norm.ts";
import { poolHostKernels } from "../backends/onednn/host/pool.ts";
import { reduceHostKernels } from "../backends/onednn/host/reduce.ts";
import { softmaxHostKernels } from "../backends/onednn/host/softmax.ts";
import { getKernel } from "../backends/reference/kernel.ts";
import "../backends/reference/kernels/mod.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { sizeOf } from "../core/host_tensor.ts";
import * as o from "../core/ops.ts";
import { lcg } from "./gradcheck.ts";

const HOST: Readonly<Record<string, HostKernel>> = {
  ...reduceHostKernels,
  ...poolHostKernels,
  ...softmaxHostKernels,
  ...layerNormHostKernels,
};

type Fill = "mixed" | "special" | "zeros";

const FILLS: readonly Fill[] = ["mixed", "special", "zeros"];

/**
 * Values of both signs: ±2^40 and values in (−2^20, 2^20) ("mixed": float64
 * sums of them round and cancel, so the order of additions shows), a 0.5 grid with −0, NaN and ±∞ ("special"),
 * or mostly ±0 ("zeros": a sum of −0s from 0 is +0).
 */
function values(n: number, fill: Fill, seed: number): Float32Array {
  const rand = lcg(seed);
  return Float32Array.from({ length: n }, () => {
    const u = rand();
    if (fill === "mixed") {
      return u < 0.3
        ? (rand() < 0.5 ? -1 : 1) * 2 ** 40
        : (rand() * 2 - 1) * 2 ** Math.floor(u * 20);
    }
    if (fill === "zeros") return u < 0.45 ? -0 : u < 0.9 ? 0 : u < 0.95 ? 1 : -1;
    if (u < 0.04) return NaN;
    if (u < 0.08) return Infinity;
    if (u < 0.12) return -Infinity;
    if (u < 0.2) return -0;
    return Math.round((rand() * 2 - 1) * 4) / 2;
  });
}

/** Indices where the two outputs differ in bits (NaN meets any NaN). */
function mismatches(got: Float32Array, want: Float32Array): string[] {
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  const bad: string[] = [];
  for (let i = 0; i < got.length && bad.length < 5; i++) {
    if (g[i] !== w[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      bad.push(`[${i}] host ${Object.is(got[i], -0) ? "-0" : got[i]} ref ${want[i]}`);
    }
  }
  return bad;
}

/** Build one op on inputs of `shapes`, run reference and host kernels on `data`, compare bits. */
function hostParity(
  name: string,
  shapes: readonly number[][],
  build: (...xs: Tensor[]) => Tensor,
  data: readonly Float32Array[],
): void {
  const g = new Graph();
  const xs = shapes.map((s, i) => g.input(`x${i}`, s));
  const y = build(...xs);
  const node = g.nodes[y.id];
  const inputs = node.inputs.map((i) => g.nodes[i]);
  const want = new Float32Array(sizeOf(node.shape));
  getKernel(node.op)(node, inputs, false)(want, data);
  const run = HOST[node.op](node, inputs);
  assert.ok(run, `${name}: the host kernel takes it`);
  for (let rep = 0; rep < 2; rep++) {
    const got = new Float32Array(sizeOf(node.shape)).fill(NaN);
    run(got, data);
    const bad = mismatches(got, want);
    assert.deepEqual(bad, [], `${name} (run ${rep + 1}) ${node.op} [${shapes}] → [${node.shape}]`);
  }
}

function subsets(rank: number): number[][] {
  const out: number[][] = [];
  for (let m = 0; m < 1 << rank; m++) out.push([...Array(rank).keys()].filter((i) => m >> i & 1));
  return out;
}

Deno.test("onednn host kernels are registered for every op of this family", () => {
  const ops = hostOps();
  for (const op of Object.keys(HOST)) assert.ok(ops.includes(op), `${op} is a host op`);
  assert.deepEqual(Object.keys(HOST).sort(), [
    "avg_pool2d",
    "avg_pool2d_grad",
    "layer_norm",
    "log_softmax",
    "max",
    "max_pool2d",
    "max_pool2d_gather",
    "max_pool2d_grad",
    "mean",
    "softmax",
    "sum",
  ]);
});

const REDUCE_SHAPES: number[][] = [[], [1], [7], [5, 1], [3, 1, 5, 4], [4, 6, 1, 3, 2], [
  2,
  3,
  4,
  5,
], [6, 130, 3]];

for (const op of ["sum", "mean", "max"] as const) {
  Deno.test(`onednn host ${op}: every axis subset, keepdims both ways, bit-exact`, () => {
    let seed = 1;
    for (const shape of REDUCE_SHAPES) {
      for (const axes of subsets(shape.length)) {
        for (const keepdims of [false, true]) {
          for (const fill of FILLS) {
            hostParity(
              `${fill} axes [${axes}] keepdims ${keepdims}`,
              [shape],
              (x) => o[op](x, axes, keepdims),
              [values(sizeOf(shape), fill, seed++)],
            );
          }
        }
      }
    }
  });
}

Deno.test("onednn host reductions decline empty tensors (the reference kernel takes them)", () => {
  const g = new Graph();
  const y = o.sum(g.input("x", [3, 0, 2]), [1]);
  const node = g.nodes[y.id];
  assert.equal(HOST.sum(node, node.inputs.map((i) => g.nodes[i])), null);
});

/** [input shape, kernel, stride, padding]. */
const POOLS: [
  number[],
  number | [number, number],
  number | [number, number] | undefined,
  number | [number, number],
][] = [
  [[2, 3, 8, 8], 2, 2, 0],
  [[2, 3, 7, 9], 2, 2, 0],
  [[1, 2, 9, 7], 3, 2, 1],
  [[2, 2, 7, 6], 3, 2, 0],
  [[1, 3, 6, 7], 3, 1, 1],
  [[2, 1, 5, 6], 2, 1, 0],
  [[1, 2, 7, 8], [2, 3], [1, 2], [1, 1]],
  [[2, 2, 9, 8], 3, 3, 0],
  [[1, 2, 7, 9], [3, 2], [2, 3], [1, 0]],
  [[2, 2, 5, 5], 1, undefined, 0],
  [[1, 1, 1, 1], 1, 1, 0],
  [[1, 2, 4, 5], [4, 5], 1, [2, 2]],
];

function poolName(p: (typeof POOLS)[number]): string {
  return `x [${p[0]}] kernel ${p[1]} stride ${p[2]} padding ${p[3]}`;
}

Deno.test("onednn host max pools (forward, gather, grad): ties, −0, NaN, ±∞, bit-exact", () => {
  let seed = 100;
  for (const p of POOLS) {
    const [shape, kernel, stride, padding] = p;
    const opts = { kernel, stride, padding };
    const pooled = o.maxPool2d(new Graph().input("x", shape), opts).shape;
    for (const fill of FILLS) {
      const x = values(sizeOf(shape), fill, seed++);
      const name = `${fill} ${poolName(p)}`;
      hostParity(name, [shape], (t) => o.maxPool2d(t, opts), [x]);
      hostParity(name, [shape, shape], (t, v) => o.maxPool2dGather(t, v, opts), [
        x,
        values(sizeOf(shape), fill, seed++),
      ]);
      hostParity(name, [shape, [...pooled]], (t, dy) => o.maxPool2dGrad(t, dy, opts), [
        x,
        values(sizeOf(pooled), fill, seed++),
      ]);
    }
  }
});

Deno.test("onednn host avg pools (forward, grad), countIncludePad both ways, bit-exact", () => {
  let seed = 300;
  for (const p of POOLS) {
    const [shape, kernel, stride, padding] = p;
    for (const countIncludePad of [false, true]) {
      const opts = { kernel, stride, padding, countIncludePad };
      const pooled = o.avgPool2d(new Graph().input("x", shape), opts).shape;
      for (const fill of FILLS) {
        const name = `${fill} ${poolName(p)} countIncludePad ${countIncludePad}`;
        hostParity(name, [shape], (t) => o.avgPool2d(t, opts), [
          values(sizeOf(shape), fill, seed++),
        ]);
        hostParity(name, [[...pooled]], (dy) => o.avgPool2dGrad(dy, shape, opts), [
          values(sizeOf(pooled), fill, seed++),
        ]);
      }
    }
  }
});

const SOFTMAX_SHAPES: number[][] = [[6], [1], [3, 4, 5], [2, 1, 7], [2, 3, 1, 4], [3, 70]];

for (const op of ["softmax", "log_softmax"] as const) {
  const build = op === "softmax" ? o.softmax : o.logSoftmax;
  Deno.test(`onednn host ${op}: every axis, all −∞ rows, NaN and ±∞, bit-exact`, () => {
    let seed = 500;
    for (const shape of SOFTMAX_SHAPES) {
      for (let axis = 0; axis < shape.length; axis++) {
        const n = sizeOf(shape);
        const cases: [string, Float32Array][] = [
          ["mixed", values(n, "mixed", seed++).map((v) => v * 2 ** -38)],
          ["special", values(n, "special", seed++)],
          ["zeros", values(n, "zeros", seed++)],
          ["all −∞", new Float32Array(n).fill(-Infinity)],
          // Mostly −∞: short rows end up all −∞, longer ones keep a few values.
          [
            "mostly −∞",
            values(n, "mixed", seed++).map((v, i) => (i % 5 === 2 ? v * 2 ** -38 : -Infinity)),
          ],
        ];
        for (const [fill, x] of cases) {
          hostParity(`${fill} axis ${axis}`, [shape], (t) => build(t, axis), [x]);
          hostParity(
            `${fill} axis ${axis - shape.length}`,
            [shape],
            (t) => build(t, axis - shape.length),
            [x],
          );
        }
      }
    }
  });
}

Deno.test("onednn host layer_norm: one and two axes, constant rows, NaN, bit-exact", () => {
  let seed = 700;
  const cases: [number[], number, number][] = [
    [[4, 7], 1, 1e-5],
    [[3, 5, 6], 1, 1e-5],
    [[3, 5, 6], 2, 1e-3],
    [[2, 1, 3], 2, 1e-5],
    [[5], 1, 1e-5],
    [[2, 9, 64], 1, 1e-6],
  ];
  for (const [shape, numAxes, eps] of cases) {
    const n = sizeOf(shape);
    const inputs: [string, Float32Array][] = [
      ["mixed", values(n, "mixed", seed++)],
      ["special", values(n, "special", seed++)],
      ["zeros", values(n, "zeros", seed++)],
      ["constant", new Float32Array(n).fill(0.75)],
    ];
    for (const [fill, x] of inputs) {
      hostParity(
        `${fill} numAxes ${numAxes} eps ${eps}`,
        [shape],
        (t) => o.layerNorm(t, numAxes, eps),
        [x],
      );
    }
  }
});

const dnnl = loadDnnl();

Deno.test({
  name: "onednn-cpu leaves partial sum/mean over short rows to the host kernel (bit-exact)",
  ignore: !dnnl.ok,
  fn: () => {
    assert.ok(dnnl.ok);
    const cases: ["sum" | "mean", number[], number[]][] = [
      ["sum", [8, 3, 10, 50], [3]],
      ["mean", [4, 65, 33], [2]],
      ["mean", [6, 9, 7, 7], [2, 3]],
      ["sum", [5, 12, 96], [0, 1]],
    ];
    for (const [op, shape, axes] of cases) {
      const g = new Graph();
      const node = g.nodes[o[op](g.input("x", shape), axes, true).id];
      const inputs = node.inputs.map((i) => g.nodes[i]);
      const owned: DnnlPrimitive[] = [];
      const env: OnednnEnv = kernelEnv(dnnlContext(dnnl.lib), (p) => void owned.push(p));
      const run = onednnLookup(env)(op)(node, inputs, false);
      assert.equal(owned.length, 0, `${op} [${shape}] axes [${axes}] declined by oneDNN`);
      const x = [values(sizeOf(shape), "mixed", 900)];
      const want = new Float32Array(sizeOf(node.shape));
      getKernel(op)(node, inputs, false)(want, x);
      const got = new Float32Array(sizeOf(node.shape)).fill(NaN);
      run(got, x);
      assert.deepEqual(mismatches(got, want), [], `${op} [${shape}] axes [${axes}]`);
    }
  },
});
