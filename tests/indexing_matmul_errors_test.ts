/**
 * Indexing and matmul ops: bad attributes and shapes raise ActlabError with a
 * helpful message, and forward values on the reference backend match
 * hand-computed expectations.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { type HostTensor, hostTensor, sizeOf } from "../core/host_tensor.ts";
import {
  concat,
  gather,
  Graph,
  matmul,
  oneHot,
  pad,
  scatterAdd,
  slice,
  sliceGrad,
  type Tensor,
} from "../core/ops.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { lcg } from "./gradcheck.ts";

/** Assert that `f` throws an ActlabError whose message contains every fragment. */
function throwsWith(f: () => unknown, ...fragments: string[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ActlabError, `expected ActlabError, got ${e}`);
    for (const s of fragments) {
      assert.ok(e.message.includes(s), `message lacks "${s}":\n${e.message}`);
    }
    return true;
  });
}

async function rejectsWith(f: () => Promise<unknown>, ...fragments: string[]): Promise<void> {
  await assert.rejects(f, (e: unknown) => {
    assert.ok(e instanceof ActlabError, `expected ActlabError, got ${e}`);
    for (const s of fragments) {
      assert.ok(e.message.includes(s), `message lacks "${s}":\n${e.message}`);
    }
    return true;
  });
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Build `f(inputs…)` over feeds, run it on the reference backend (f32), return the output. */
async function run(
  feeds: Record<string, HostTensor>,
  f: (...xs: Tensor[]) => Tensor,
): Promise<HostTensor> {
  const g = new Graph();
  const xs = Object.entries(feeds).map(([name, v]) => g.input(name, v.shape, v.dtype));
  g.output("y", f(...xs));
  const exe = await referenceBackend.compile(g);
  return (await exe.run(feeds)).y;
}

function f32(shape: number[], values: number[]): HostTensor {
  return hostTensor("f32", shape, Float32Array.from(values));
}
function i32(shape: number[], values: number[]): HostTensor {
  return hostTensor("i32", shape, Int32Array.from(values));
}
function same(t: HostTensor, shape: number[], values: number[]): void {
  assert.deepEqual([...t.shape], shape);
  assert.deepEqual([...t.data], values);
}

// ---- errors -------------------------------------------------------------------------------

Deno.test("slice: bad attributes are explained", () => {
  const g = new Graph();
  const x = g.input("x", [4, 5]);
  throwsWith(() => slice(x, [0, 0], [4, 5], [1, 0]), "slice", "step 0 on axis 1", ">= 1");
  throwsWith(() => slice(x, [0, 0], [4, 5], [-1, 1]), "step -1 on axis 0");
  throwsWith(() => slice(x, [0], [4, 5]), "slice", '"starts" needs 2 values, got 1');
  throwsWith(() => slice(x, [0, 0.5], [4, 5]), '"starts" must be a list of integers');
  throwsWith(() => sliceGrad(x, [4, 6], [1, 0], [1, 1]), "slice_grad", "does not fit axis 0");
  throwsWith(() => sliceGrad(x, [9, 8], [0, 0], [1, 2]), "slice_grad", "does not fit axis 1");
  throwsWith(() => sliceGrad(x, [9], [0, 0]), "slice_grad", '"shape" needs 2 values');
});

Deno.test("concat: bad inputs are explained", () => {
  const g = new Graph();
  const a = g.input("a", [2, 3]);
  const b = g.input("b", [2, 4]);
  const c = g.input("c", [2, 3], "i32");
  throwsWith(() => concat([], 0), "concat", "at least one input");
  throwsWith(() => concat([a, b], 0), "cannot join f32[2,3], f32[2,4] along axis 0");
  throwsWith(() => concat([a, c], 0), "f32[2,3], i32[2,3]", "one dtype");
  throwsWith(() => concat([a, b], 2), "axis 2 is out of range for a rank-2 tensor");
  throwsWith(() => concat([a], 5), "axis 5 is out of range");
  throwsWith(() => concat([a, g.input("d", [2, 3, 1])], 1), "one rank");
});

Deno.test("pad: bad attributes are explained", () => {
  const g = new Graph();
  const x = g.input("x", [2, 3]);
  throwsWith(() => pad(x, [[0, 0], [-1, 2]]), "pad", "negative padding [-1, 2] on axis 1");
  throwsWith(() => pad(x, [[1, 1]]), "one [before, after] pair per axis", "rank-2");
  throwsWith(() => pad(x, [[0, 0], [1.5, 0]]), '"before" must be a list of integers');
  throwsWith(
    () => pad(g.input("i", [2], "i32"), [[1, 1]], 0.5),
    "fill value 0.5 does not fit a i32 tensor",
  );
});

Deno.test("gather / scatter_add / one_hot: bad attributes and dtypes are explained", () => {
  const g = new Graph();
  const x = g.input("x", [4, 3]);
  const ids = g.input("ids", [5], "i32");
  const fids = g.input("fids", [5]);
  throwsWith(() => gather(x, fids, 0), "gather", "indices must be i32, got f32");
  throwsWith(() => gather(x, ids, 2), "gather", "axis 2 is out of range for a rank-2 tensor");
  throwsWith(() => gather(g.input("s", []), ids, 0), "cannot gather from a scalar");
  const u = g.input("u", [2, 5, 3]);
  throwsWith(() => scatterAdd(u, ids, 0, 4), "scatter_add", "[2,5,3] do not hold indices [5]");
  throwsWith(() => scatterAdd(u, ids, 1, -1), '"size" must be a non-negative integer');
  throwsWith(() => scatterAdd(u, fids, 1, 4), "indices must be i32");
  throwsWith(() => scatterAdd(x, g.input("big", [2, 2, 2], "i32"), 0, 4), "fewer axes");
  throwsWith(() => oneHot(ids, 0), "one_hot", "depth must be a positive integer, got 0");
  throwsWith(() => oneHot(fids, 3), "one_hot", "indices must be i32");
});

Deno.test("gather / scatter_add: out-of-range indices fail at run time naming the index", async () => {
  const x = f32([4, 3], range(12));
  await rejectsWith(
    () => run({ x, ids: i32([2, 2], [0, 1, 3, 4]) }, (a, i) => gather(a, i, 0)),
    "gather: index 4 at [1,1]",
    "out of range for axis 0 of size 4",
  );
  await rejectsWith(
    () => run({ x, ids: i32([1], [-1]) }, (a, i) => gather(a, i, 1)),
    "gather: index -1 at [0]",
    "axis 1 of size 3",
  );
  await rejectsWith(
    () =>
      run({ u: f32([2, 3], range(6)), ids: i32([2], [0, 7]) }, (a, i) => scatterAdd(a, i, 0, 5)),
    "scatter_add: index 7 at [1]",
    "size 5",
  );
});

Deno.test("matmul: bad shapes and attributes are explained", () => {
  const g = new Graph();
  const v = g.input("v", [4]);
  const a = g.input("a", [3, 4]);
  const b = g.input("b", [5, 6]);
  throwsWith(() => matmul(v, a), "matmul", "operand a has shape [4] (rank 1)", "rank >= 2");
  throwsWith(() => matmul(a, v), "operand b has shape [4] (rank 1)");
  throwsWith(() => matmul(a, b), "contraction sizes differ", "a [3,4]", "k=4", "b [5,6]", "k=5");
  throwsWith(() => matmul(a, b, false, true), "b [5,6] (transposed) gives k=6");
  throwsWith(
    () => matmul(g.input("p", [2, 3, 4]), g.input("q", [3, 4, 5])),
    "matmul batch axes",
    "[2] and [3] do not broadcast",
  );
  throwsWith(() => matmul(g.input("i", [2, 2], "i32"), a), "operand a is i32");
  throwsWith(() => g.apply("matmul", [a, a], { transA: 1 }), "transA must be a boolean");
});

// ---- forward values -----------------------------------------------------------------------

Deno.test("slice: negative bounds, clamping and steps", async () => {
  const x = f32([4, 5], range(20));
  same(await run({ x }, (t) => slice(t, [-3, 0], [-1, 5], [1, 2])), [2, 3], [5, 7, 9, 10, 12, 14]);
  same(await run({ x }, (t) => slice(t, [-100, 1], [100, 100], [3, 3])), [2, 2], [1, 4, 16, 19]);
  same(await run({ x }, (t) => slice(t, [3, 0], [1, 5])), [0, 5], []);
  const g = new Graph();
  const t = g.input("x", [4, 5]);
  assert.equal(slice(t, [0, -5], [4, 99]), t, "a slice selecting everything is the input itself");
});

Deno.test("slice_grad: scatters into zeros", async () => {
  const dy = f32([2, 2], [1, 2, 3, 4]);
  same(
    await run({ dy }, (t) => sliceGrad(t, [3, 5], [0, 1], [2, 3])),
    [3, 5],
    [0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 3, 0, 0, 4],
  );
});

Deno.test("concat: joins along each axis", async () => {
  const a = f32([2, 2], [1, 2, 3, 4]);
  const b = f32([2, 1], [5, 6]);
  const c = f32([2, 3], [7, 8, 9, 10, 11, 12]);
  same(await run({ a, b, c }, (p, q, r) => concat([p, q, r], 1)), [2, 6], [
    1,
    2,
    5,
    7,
    8,
    9,
    3,
    4,
    6,
    10,
    11,
    12,
  ]);
  same(await run({ a, b: f32([1, 2], [5, 6]) }, (p, q) => concat([p, q], -2)), [3, 2], [
    1,
    2,
    3,
    4,
    5,
    6,
  ]);
  same(
    await run({ a: i32([2], [1, 2]), b: i32([1], [3]) }, (p, q) => concat([p, q], 0)),
    [3],
    [1, 2, 3],
  );
});

Deno.test("pad: constant fill on two axes", async () => {
  const x = f32([2, 2], [1, 2, 3, 4]);
  same(await run({ x }, (t) => pad(t, [[1, 0], [0, 2]], -1)), [3, 4], [
    -1,
    -1,
    -1,
    -1,
    1,
    2,
    -1,
    -1,
    3,
    4,
    -1,
    -1,
  ]);
});

Deno.test("gather: axis 0 and 1, 2-D indices", async () => {
  const x = f32([3, 4], range(12));
  same(await run({ x, i: i32([3], [2, 0, 2]) }, (t, i) => gather(t, i, 0)), [3, 4], [
    8,
    9,
    10,
    11,
    0,
    1,
    2,
    3,
    8,
    9,
    10,
    11,
  ]);
  same(await run({ x, i: i32([2, 2], [3, 0, 1, 1]) }, (t, i) => gather(t, i, 1)), [3, 2, 2], [
    3,
    0,
    1,
    1,
    7,
    4,
    5,
    5,
    11,
    8,
    9,
    9,
  ]);
  // Token-embedding lookup: wide rows take the block-copy path.
  const table = f32([3, 40], range(120));
  const y = await run({ table, i: i32([2], [2, 1]) }, (t, i) => gather(t, i, 0));
  assert.deepEqual([...y.data], [...range(40).map((v) => v + 80), ...range(40).map((v) => v + 40)]);
});

Deno.test("scatter_add: repeated indices accumulate", async () => {
  const u = f32([4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  same(await run({ u, i: i32([4], [1, 0, 1, 1]) }, (t, i) => scatterAdd(t, i, 0, 3)), [3, 2], [
    3,
    4,
    13,
    16,
    0,
    0,
  ]);
  same(await run({ u, i: i32([2], [2, 2]) }, (t, i) => scatterAdd(t, i, 1, 3)), [4, 3], [
    0,
    0,
    3,
    0,
    0,
    7,
    0,
    0,
    11,
    0,
    0,
    15,
  ]);
});

Deno.test("one_hot: rows of zeros and ones; out-of-range indices give zero rows", async () => {
  const y = await run({ i: i32([2, 2], [0, 2, -1, 3]) }, (i) => oneHot(i, 3));
  assert.equal(y.dtype, "f32");
  same(y, [2, 2, 3], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
});

/** Naive batched matmul with numpy broadcasting, for comparison. */
function naive(
  a: HostTensor,
  b: HostTensor,
  ta: boolean,
  tb: boolean,
): { shape: number[]; data: number[] } {
  const ra = a.shape.length, rb = b.shape.length;
  const m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  const ba = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const pa = [...new Array(rank - ba.length).fill(1), ...ba];
  const pb = [...new Array(rank - bb.length).fill(1), ...bb];
  const batch = pa.map((d, i) => Math.max(d, pb[i]));
  const data: number[] = [];
  for (let flat = 0; flat < sizeOf(batch); flat++) {
    let ia = 0, ib = 0, rem = flat;
    const coord = batch.map(() => 0);
    for (let ax = rank - 1; ax >= 0; ax--) {
      coord[ax] = rem % batch[ax];
      rem = Math.floor(rem / batch[ax]);
    }
    for (let ax = 0; ax < rank; ax++) {
      ia = ia * pa[ax] + (pa[ax] === 1 ? 0 : coord[ax]);
      ib = ib * pb[ax] + (pb[ax] === 1 ? 0 : coord[ax]);
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = a.data[ia * m * k + (ta ? p * m + i : i * k + p)];
          const bv = b.data[ib * k * n + (tb ? j * k + p : p * n + j)];
          s += av * bv;
        }
        data.push(s);
      }
    }
  }
  return { shape: [...batch, m, n], data };
}

Deno.test("matmul: hand-computed 2x2 and zero-length contraction", async () => {
  const a = f32([2, 2], [1, 2, 3, 4]);
  const b = f32([2, 2], [5, 6, 7, 8]);
  same(await run({ a, b }, (p, q) => matmul(p, q)), [2, 2], [19, 22, 43, 50]);
  same(await run({ a, b }, (p, q) => matmul(p, q, true, false)), [2, 2], [26, 30, 38, 44]);
  same(await run({ a, b }, (p, q) => matmul(p, q, false, true)), [2, 2], [17, 23, 39, 53]);
  same(await run({ a, b }, (p, q) => matmul(p, q, true, true)), [2, 2], [23, 31, 34, 46]);
  const e = await run({ a: f32([2, 0], []), b: f32([0, 3], []) }, (p, q) => matmul(p, q));
  same(e, [2, 3], [0, 0, 0, 0, 0, 0]);
});

Deno.test("matmul: flags × batch broadcasting agree with a naive loop", async () => {
  const rand = lcg(7);
  const shapes: [number[], number[]][] = [
    [[2, 3, 4], [4, 5]],
    [[2, 1, 3, 4], [3, 4, 5]],
    [[3, 4], [2, 4, 5]],
    [[17, 9], [9, 13]],
  ];
  for (const [sa, sb] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const swap = (s: number[], t: boolean) =>
          t ? [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] : s;
        const sA = swap(sa, ta), sB = swap(sb, tb);
        const a = f32(sA, Array.from({ length: sizeOf(sA) }, () => rand() - 0.5));
        const b = f32(sB, Array.from({ length: sizeOf(sB) }, () => rand() - 0.5));
        const y = await run({ a, b }, (p, q) => matmul(p, q, ta, tb));
        const want = naive(a, b, ta, tb);
        assert.deepEqual([...y.shape], want.shape);
        want.data.forEach((v, i) =>
          assert.ok(Math.abs(y.data[i] - v) < 1e-5, `${sA}x${sB} ${ta} ${tb} [${i}]`)
        );
      }
    }
  }
});
