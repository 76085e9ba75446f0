/**
 * The onednn-cpu host kernels of the indexing ops
 * (backends/onednn/host/indexing.ts) against the reference kernels
 * (backends/reference/kernels/indexing.ts), bit for bit: slices (every axis,
 * negative and clamped bounds, steps 1–3, several axes at once), their
 * gradients, pads, concats on every axis (empty inputs included), gathers and
 * scatter_adds on every axis with repeated, multi-axis and scalar indices,
 * and one_hot with out-of-range indices, over odd shapes, in f32 (NaN, ±0,
 * ±Inf, huge and tiny values: a scatter_add summed in another order shows),
 * i32 (wrapping sums) and bool where the op takes it. Each host kernel writes
 * into an output prefilled with stale values (NaN, a junk integer) and runs
 * twice, the second time after more runs (optimised code). The kernels
 * decline the layouts where the reference is as fast (rows under 32 or
 * strided, long gather rows, concats of long chunks); the tests pin which. Out-of-range
 * gather / scatter_add indices must throw the reference's own error. Host
 * kernels need no libdnnl: these tests never skip.
 * @module
 */
import assert from "node:assert/strict";
import { hostOps } from "../backends/onednn/kernel.ts";
import { INDEXING_HOST_KERNELS as HOST } from "../backends/onednn/host/indexing.ts";
import "../backends/onednn/host/mod.ts";
import { getKernel } from "../backends/reference/kernel.ts";
import "../backends/reference/kernels/mod.ts";
import { ActlabError } from "../core/errors.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { allocData, type DType, sizeOf, type TensorData } from "../core/host_tensor.ts";
import { attrsOf } from "../core/ops/attrs.ts";
import * as o from "../core/ops.ts";
import { firstDifference, stale } from "./bit_compare.ts";
import { lcg } from "./gradcheck.ts";

const F32_SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 1e-30, -1e-30, 1e30, -3.4e38, 1.4e-45];
const I32_SPECIAL = [0, 1, -1, 2147483647, -2147483648, 65536, -65537, 46341];

/** [shape, dtype, index bound]: an i32 input with a bound holds indices in [lo, bound). */
type Spec = [number[], DType, number?, number?];

const DTYPES: readonly DType[] = ["f32", "i32", "bool"];

function data([shape, dtype, bound, lo = 0]: Spec, rand: () => number): TensorData {
  const n = sizeOf(shape);
  const d = allocData(dtype, n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (bound !== undefined) d[i] = lo + Math.floor(r * (bound - lo));
    else if (dtype === "bool") d[i] = r < 0.5 ? 1 : 0;
    else if (dtype === "i32") {
      d[i] = r < 0.35
        ? I32_SPECIAL[Math.floor(rand() * I32_SPECIAL.length)]
        : Math.floor(rand() * 2001) - 1000;
    } else {
      d[i] = r < 0.3
        ? F32_SPECIAL[Math.floor(rand() * F32_SPECIAL.length)]
        : (rand() * 2 - 1) * 2 ** Math.floor(rand() * 40 - 10);
    }
  }
  return d;
}

const show = (v: number) => (Object.is(v, -0) ? "-0" : String(v));

/** The node `build` makes on inputs of `specs`, with its input nodes. */
function nodeOf(specs: readonly Spec[], build: (...xs: Tensor[]) => Tensor) {
  const g = new Graph();
  const xs = specs.map(([s, d], i) => g.input(`x${i}`, s, d));
  const node = g.nodes[build(...xs).id];
  return { node, inputs: node.inputs.map((i) => g.nodes[i]) };
}

/**
 * `build` on inputs of `specs`: the host kernel must agree with the
 * reference bit for bit on a first run and on a run after 20 more. Returns
 * false when the host kernel declined.
 */
function hostParity(
  name: string,
  specs: readonly Spec[],
  build: (...xs: Tensor[]) => Tensor,
  seed: number,
): boolean {
  const { node, inputs } = nodeOf(specs, build);
  assert.ok(hostOps().includes(node.op), `${node.op} is registered as a host kernel`);
  const run = HOST[node.op](node, inputs);
  if (!run) return false;
  const rand = lcg(seed);
  const ins = specs.map((s) => data(s, rand));
  const n = sizeOf(node.shape);
  const want = stale(node.dtype, n);
  getKernel(node.op)(node, inputs, false)(want, ins);
  for (let rep = 0; rep < 2; rep++) {
    const got = stale(node.dtype, n);
    for (let r = 0; r <= (rep === 0 ? 0 : 20); r++) run(got, ins);
    const e = firstDifference(got, want);
    if (e >= 0) {
      assert.fail(
        `${name} ${node.dtype} (run ${rep + 1}): element ${e} of [${node.shape}] is ` +
          `${show(got[e])}, the reference gives ${show(want[e])}`,
      );
    }
  }
  return true;
}

/** Expect every case of `cases` to be taken by the host kernel, or declined where `declined`. */
function expectTaken(op: string, taken: boolean, declined: boolean, name: string): void {
  assert.equal(taken, !declined, `${op} ${name}: ${declined ? "declines" : "is taken"}`);
}

/** [shape, starts, ends, steps, declined]: slices on every axis of odd shapes. */
const SLICES: [number[], number[], number[], number[] | undefined, boolean][] = [
  [[70], [3], [-5], undefined, false],
  [[5, 37], [1, 0], [4, 37], undefined, false],
  [[5, 37], [0, 2], [5, -1], undefined, false],
  [[5, 37], [-4, 0], [5, 99], [2, 1], false],
  [[3, 5, 41], [1, 0, 0], [2, 5, 41], undefined, false],
  [[3, 5, 41], [0, 2, 0], [3, 4, 41], undefined, false],
  [[3, 5, 41], [-2, -4, 0], [3, 5, 41], [1, 3, 1], false],
  [[3, 5, 41], [0, 0, 3], [3, 5, 40], undefined, false],
  [[3, 5, 41], [0, 0, 3], [3, 5, 35], undefined, false],
  [[2, 3, 4, 33], [0, 0, 1, 0], [2, 3, 4, 33], [1, 1, 2, 1], false],
  [[2, 3, 4, 33], [0, 0, 0, 0], [2, 3, 4, 33], [1, 2, 1, 1], false],
  [[2, 3, 4, 33], [1, 1, 1, 0], [2, 3, 3, 99], [1, 1, 1, 1], false],
  // vit_micro's class token and a qkv third.
  [[4, 50, 96], [0, 0, 0], [4, 1, 96], undefined, false],
  [[4, 50, 96], [0, 1, 0], [4, 50, 96], undefined, false],
  [[4, 5, 288], [0, 0, 96], [4, 5, 192], undefined, false],
  // Rows under 32 or strided: the reference's index table is as fast.
  [[3, 5, 41], [0, 0, 3], [3, 5, 34], undefined, true],
  [[70], [-60], [100], [3], true],
  [[5, 37], [0, 1], [5, 36], [1, 2], true],
  [[5, 37], [-4, -30], [5, 99], [2, 1], true],
  [[3, 5, 41], [0, 1, 1], [3, 5, 41], [1, 3, 2], true],
  [[2, 3, 4, 33], [1, 1, 1, 5], [2, 3, 3, 30], undefined, true],
  [[9, 10], [0, 2], [9, 9], undefined, true],
  [[6, 130, 3], [0, 0, 1], [6, 130, 2], undefined, true],
];

Deno.test("onednn host slice: every axis, negative and clamped bounds, steps, bit-exact", () => {
  let seed = 1;
  for (const [shape, starts, ends, steps, declined] of SLICES) {
    for (const dtype of DTYPES) {
      const taken = hostParity(
        `slice [${shape}] [${starts}:${ends}:${steps ?? 1}]`,
        [[shape, dtype]],
        (x) => o.slice(x, starts, ends, steps),
        seed++,
      );
      expectTaken("slice", taken, declined, `[${shape}] [${starts}:${ends}:${steps ?? 1}]`);
    }
  }
});

Deno.test("onednn host slice_grad: the transpose of every slice above, bit-exact", () => {
  let seed = 100;
  for (const [shape, starts, ends, steps, declined] of SLICES) {
    const { node } = nodeOf([[shape, "f32"]], (x) => o.slice(x, starts, ends, steps));
    const a = attrsOf(node, "slice");
    for (const dtype of DTYPES) {
      const taken = hostParity(
        `slice_grad [${node.shape}] → [${shape}]`,
        [[[...node.shape], dtype]],
        (g) => o.sliceGrad(g, shape, a.starts, a.steps),
        seed++,
      );
      expectTaken("slice_grad", taken, declined, `[${node.shape}] → [${shape}]`);
    }
  }
});

/** [shape, pads, value per dtype, declined]. */
const PADS: [number[], [number, number][], boolean][] = [
  [[40], [[3, 0]], false],
  [[40], [[0, 17]], false],
  [[3, 37], [[1, 2], [0, 0]], false],
  [[3, 37], [[0, 0], [2, 5]], false],
  [[2, 3, 5, 40], [[1, 0], [0, 2], [3, 1], [0, 4]], false],
  [[2, 1, 28, 28], [[0, 0], [0, 0], [2, 2], [2, 2]], true],
  [[2, 3, 5, 19], [[1, 0], [0, 2], [3, 1], [0, 4]], true],
  [[5, 7], [[1, 1], [1, 1]], true],
];

Deno.test("onednn host pad: every axis, fill values of every dtype, bit-exact", () => {
  let seed = 200;
  const values: Record<DType, number[]> = {
    f32: [0, -0, 1.5, NaN, -Infinity],
    i32: [0, -3],
    bool: [0, 1],
  };
  for (const [shape, pads, declined] of PADS) {
    for (const dtype of DTYPES) {
      for (const value of values[dtype]) {
        const taken = hostParity(
          `pad [${shape}] by ${JSON.stringify(pads)} with ${show(value)}`,
          [[shape, dtype]],
          (x) => o.pad(x, pads, value),
          seed++,
        );
        expectTaken("pad", taken, declined, `[${shape}] by ${JSON.stringify(pads)}`);
      }
    }
  }
});

/** [shapes, axis, declined]: taken where some input's chunk (from the axis on) is under 32. */
const CONCATS: [number[][], number, boolean][] = [
  [[[3], [5], [1]], 0, false],
  [[[5, 3, 2], [5, 4, 2]], 1, false],
  [[[5, 3, 2], [5, 3, 7], [5, 3, 1]], 2, false],
  [[[2, 3, 5], [1, 3, 5], [4, 3, 5]], 0, false],
  [[[3, 0, 5], [3, 4, 5]], 1, false],
  [[[4, 7], [4, 9]], 1, false],
  [[[2, 1, 96], [2, 49, 96]], 1, true],
  [[[6, 40], [6, 33]], 1, true],
  [[[6, 40], [6, 3]], 1, false],
];

Deno.test("onednn host concat: every axis, empty inputs, bit-exact", () => {
  let seed = 300;
  for (const [shapes, axis, declined] of CONCATS) {
    for (const dtype of DTYPES) {
      const taken = hostParity(
        `concat ${JSON.stringify(shapes)} axis ${axis}`,
        shapes.map((s) => [s, dtype]),
        (...xs) => o.concat(xs, axis),
        seed++,
      );
      expectTaken("concat", taken, declined, `${JSON.stringify(shapes)} axis ${axis}`);
    }
  }
});

/** [table shape, index shape, axis, declined]: gathers on every axis; rows of 32+ decline. */
const GATHERS: [number[], number[], number, boolean][] = [
  [[7], [11], 0, false],
  [[7], [], 0, false],
  [[7, 5], [13], 0, false],
  [[7, 5], [2, 3], 0, false],
  [[7, 5], [9], 1, false],
  [[3, 7, 5], [4], 1, false],
  [[3, 7, 5], [2, 2], 2, false],
  [[2708, 16], [300], 0, false],
  [[10, 96], [12], 0, true],
];

Deno.test("onednn host gather: every axis, repeated and multi-axis indices, bit-exact", () => {
  let seed = 400;
  for (const [shape, idx, axis, declined] of GATHERS) {
    for (const dtype of DTYPES) {
      const taken = hostParity(
        `gather [${shape}] by [${idx}] axis ${axis}`,
        [[shape, dtype], [idx, "i32", shape[axis]]],
        (x, i) => o.gather(x, i, axis),
        seed++,
      );
      expectTaken("gather", taken, declined, `[${shape}] by [${idx}] axis ${axis}`);
    }
  }
});

/** [updates shape, index shape, axis, size]: the transposes of gathers, repeated indices. */
const SCATTERS: [number[], number[], number, number][] = [
  [[11], [11], 0, 7],
  [[], [], 0, 3],
  [[13, 5], [13], 0, 7],
  [[2, 3, 5], [2, 3], 0, 4],
  [[7, 9], [9], 1, 5],
  [[3, 4, 5], [4], 1, 7],
  [[3, 7, 2, 2], [2, 2], 2, 5],
  [[40, 96], [40], 0, 10],
  [[300, 16], [300], 0, 29],
];

Deno.test("onednn host scatter_add: every axis, repeated indices, summation order, bit-exact", () => {
  let seed = 500;
  for (const [shape, idx, axis, size] of SCATTERS) {
    for (const dtype of ["f32", "i32"] as const) {
      const taken = hostParity(
        `scatter_add [${shape}] by [${idx}] axis ${axis} into ${size}`,
        [[shape, dtype], [idx, "i32", size]],
        (u, i) => o.scatterAdd(u, i, axis, size),
        seed++,
      );
      assert.ok(taken, `scatter_add [${shape}] is taken`);
    }
  }
});

Deno.test("onednn host scatter_add: a sum of −0 updates is +0, as in the reference", () => {
  const { node, inputs } = nodeOf(
    [[[4, 3], "f32"], [[4], "i32"]],
    (u, i) => o.scatterAdd(u, i, 0, 2),
  );
  const ins = [new Float32Array(12).fill(-0), new Int32Array([1, 1, 0, 1])];
  const got = stale("f32", 6);
  HOST.scatter_add(node, inputs)!(got, ins);
  const want = stale("f32", 6);
  getKernel("scatter_add")(node, inputs, false)(want, ins);
  assert.equal(firstDifference(got, want), -1);
  assert.ok([...got].every((v) => Object.is(v, 0)), "every sum is +0");
});

Deno.test("onednn host indexing kernels: the registered ops", () => {
  const ops = hostOps();
  for (const op of Object.keys(HOST)) assert.ok(ops.includes(op), `${op} is a host op`);
  assert.deepEqual(Object.keys(HOST).sort(), [
    "concat",
    "gather",
    "pad",
    "scatter_add",
    "slice",
    "slice_grad",
  ]);
});

Deno.test("onednn host gather / scatter_add: out-of-range indices throw the reference's error", () => {
  const cases: [string, Spec[], (...t: Tensor[]) => Tensor][] = [
    ["gather", [[[7, 5], "f32"], [[2, 3], "i32"]], (x, i) => o.gather(x, i, 0)],
    ["scatter_add", [[[6, 5], "f32"], [[6], "i32"]], (u, i) => o.scatterAdd(u, i, 0, 7)],
  ];
  for (const [op, specs, build] of cases) {
    for (const bad of [-1, 7]) {
      const { node, inputs } = nodeOf(specs, build);
      const ids = new Int32Array(sizeOf(specs[1][0])).fill(2);
      ids[4] = bad;
      const ins = [data(specs[0], lcg(9)), ids];
      const message = (run: (out: TensorData, ins: TensorData[]) => void) => {
        try {
          run(stale(node.dtype, sizeOf(node.shape)), ins);
        } catch (e) {
          assert.ok(e instanceof ActlabError, `${op}: an ActlabError`);
          return e.message;
        }
        return assert.fail(`${op} with index ${bad}: no error`);
      };
      const want = message(getKernel(op)(node, inputs, false));
      assert.equal(message(HOST[op](node, inputs)!), want);
      assert.match(want, new RegExp(`index ${bad}`));
    }
  }
});

Deno.test("onednn host indexing kernels decline empty tensors", () => {
  const { node, inputs } = nodeOf([[[3, 0, 40], "f32"]], (x) => o.slice(x, [1, 0, 0], [2, 0, 40]));
  assert.equal(HOST.slice(node, inputs), null);
});
