/**
 * Tests of core/autodiff against gradients derived by hand: a two-layer MLP,
 * taps, stop_gradient, integer/bool inputs, errors, accumulation over
 * repeated uses, and a deliberately wrong VJP that the finite-difference
 * harness must reject. Graphs run on the reference backend in float64 so
 * hand-derived float64 values compare to ~1e-12.
 */
import assert from "node:assert/strict";
import { grad } from "../core/autodiff.ts";
import { ActlabError } from "../core/errors.ts";
import { type HostTensor, hostTensor } from "../core/host_tensor.ts";
import { defineOp } from "../core/op_def.ts";
import {
  add,
  cast,
  exp,
  Graph,
  identity,
  mul,
  reshape,
  slice,
  square,
  stopGradient,
  sub,
  sum,
  tanh,
  type Tensor,
  where,
} from "../core/ops.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { registerKernel } from "../backends/reference/kernel.ts";
import { gradCheck, lcg } from "./gradcheck.ts";

function f64(shape: number[], values: ArrayLike<number>): HostTensor {
  return hostTensor("f32", shape, Float64Array.from(values));
}

function randArray(n: number, rand: () => number): number[] {
  return Array.from({ length: n }, () => rand() * 2 - 1);
}

async function run64(g: Graph, feeds: Record<string, HostTensor>) {
  const exe = await referenceBackend.compile(g, { precision: "f64" });
  return await exe.run(feeds);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-12 * Math.max(1, Math.abs(expected[i]));
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `${what}[${i}]: ${actual[i]} vs hand-derived ${expected[i]}`,
    );
  }
}

/** x[N,K] · w[K,M] with broadcasting mul + sum (no matmul op needed). */
function matmulBySum(x: Tensor, w: Tensor): Tensor {
  const [n, k] = x.shape;
  return sum(mul(reshape(x, [n, k, 1]), w), [1]);
}

// Plain-JS dense helpers (row-major).
function mm(a: number[], b: number[], n: number, k: number, m: number): number[] {
  const c = new Array<number>(n * m).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * m + j];
      c[i * m + j] = s;
    }
  }
  return c;
}
function tr(a: number[], r: number, c: number): number[] {
  const t = new Array<number>(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = a[i * c + j];
  return t;
}
function addRow(a: number[], b: number[], m: number): number[] {
  return a.map((v, i) => v + b[i % m]);
}
function colSum(a: number[], n: number, m: number): number[] {
  const s = new Array<number>(m).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) s[j] += a[i * m + j];
  return s;
}

Deno.test("autodiff: two-layer MLP gradients match hand derivation (and taps of hidden nodes)", async () => {
  const [N, D, H, O] = [4, 3, 5, 2];
  const rand = lcg(7);
  const xv = randArray(N * D, rand);
  const w1v = randArray(D * H, rand);
  const b1v = randArray(H, rand);
  const w2v = randArray(H * O, rand);
  const b2v = randArray(O, rand);
  const yv = randArray(N * O, rand);

  const g = new Graph();
  const x = g.input("x", [N, D]);
  const w1 = g.input("w1", [D, H]);
  const b1 = g.input("b1", [H]);
  const w2 = g.input("w2", [H, O]);
  const b2 = g.input("b2", [O]);
  const y = g.input("y", [N, O]);
  const h = add(matmulBySum(x, w1), b1);
  const a = tanh(h);
  const o = add(matmulBySum(a, w2), b2);
  const loss = sum(square(sub(o, y)));
  const unrelated = exp(y); // not on the loss path
  const { grads, taps } = grad(g, loss, [x, w1, b1, w2, b2, y], { taps: [h, a, o, unrelated] });
  g.output("loss", loss);
  ["x", "w1", "b1", "w2", "b2", "y"].forEach((n, i) => g.output(`d${n}`, grads[i]));
  ["h", "a", "o", "unrelated"].forEach((n, i) => g.output(`tap_${n}`, taps[i]));
  const r = await run64(g, {
    x: f64([N, D], xv),
    w1: f64([D, H], w1v),
    b1: f64([H], b1v),
    w2: f64([H, O], w2v),
    b2: f64([O], b2v),
    y: f64([N, O], yv),
  });

  // Forward and backward by hand: L = Σ (o − y)², o = a·W2 + b2, a = tanh(h), h = x·W1 + b1.
  const hv = addRow(mm(xv, w1v, N, D, H), b1v, H);
  const av = hv.map(Math.tanh);
  const ov = addRow(mm(av, w2v, N, H, O), b2v, O);
  const dO = ov.map((v, i) => 2 * (v - yv[i]));
  const dW2 = mm(tr(av, N, H), dO, H, N, O);
  const db2 = colSum(dO, N, O);
  const dA = mm(dO, tr(w2v, H, O), N, O, H);
  const dH = dA.map((v, i) => v * (1 - av[i] * av[i]));
  const dW1 = mm(tr(xv, N, D), dH, D, N, H);
  const db1 = colSum(dH, N, H);
  const dX = mm(dH, tr(w1v, D, H), N, H, D);
  const dY = dO.map((v) => -v);

  assertClose(r.loss.data, [ov.reduce((s, v, i) => s + (v - yv[i]) ** 2, 0)], "loss");
  assert.ok(r.dx.data instanceof Float64Array);
  assertClose(r.dx.data, dX, "dL/dx");
  assertClose(r.dw1.data, dW1, "dL/dW1");
  assertClose(r.db1.data, db1, "dL/db1");
  assertClose(r.dw2.data, dW2, "dL/dW2");
  assertClose(r.db2.data, db2, "dL/db2");
  assertClose(r.dy.data, dY, "dL/dy");
  assertClose(r.tap_h.data, dH, "tap dL/dh");
  assertClose(r.tap_a.data, dA, "tap dL/da");
  assertClose(r.tap_o.data, dO, "tap dL/do");
  assert.deepEqual(r.tap_unrelated.shape, [N, O]);
  assert.ok(r.tap_unrelated.data.every((v) => v === 0), "tap off the loss path is zeros");
});

Deno.test("autodiff: a tap alone (no wrt) still gives the incoming gradient", async () => {
  const g = new Graph();
  const x = g.input("x", [3]);
  const t = identity(mul(x, 2));
  const loss = sum(mul(t, t));
  const { grads, taps } = grad(g, loss, [], { taps: [t] });
  assert.equal(grads.length, 0);
  g.output("tap", taps[0]);
  const r = await run64(g, { x: f64([3], [1, -2, 0.5]) });
  assertClose(r.tap.data, [4, -8, 2], "dL/dt = 2t"); // t = 2x
});

Deno.test("autodiff: stop_gradient gives an analytic zero where finite differences do not", async () => {
  const g = new Graph();
  const w = g.input("w", [3]);
  const lossBlocked = sum(square(stopGradient(w))); // FD: 2w; analytic: 0
  const lossHalf = sum(mul(stopGradient(w), w)); // FD: 2w; analytic: w (one path blocked)
  const [d0] = grad(g, lossBlocked, [w]).grads;
  const [d1] = grad(g, lossHalf, [w]).grads;
  g.output("lossBlocked", lossBlocked);
  g.output("d0", d0);
  g.output("d1", d1);
  const wv = [0.5, -1.5, 2];
  const r = await run64(g, { w: f64([3], wv) });
  assertClose(r.d0.data, [0, 0, 0], "through stop_gradient");
  assertClose(r.d1.data, wv, "one blocked path");
  // Finite differences of the same forward see the full dependence.
  const eps = 1e-6;
  const exe = await referenceBackend.compile(g, { precision: "f64", outputs: ["lossBlocked"] });
  for (let j = 0; j < 3; j++) {
    const p = [...wv];
    p[j] += eps;
    const m = [...wv];
    m[j] -= eps;
    const lp = (await exe.run({ w: f64([3], p) })).lossBlocked.data[0];
    const lm = (await exe.run({ w: f64([3], m) })).lossBlocked.data[0];
    const fd = (lp - lm) / (2 * eps);
    assert.ok(Math.abs(fd - 2 * wv[j]) < 1e-6, `FD ${fd} vs 2w ${2 * wv[j]}`);
  }
});

Deno.test("autodiff: i32 and bool inputs receive no gradient", async () => {
  const g = new Graph();
  const w = g.input("w", [4]);
  const labels = g.input("labels", [4], "i32");
  const mask = g.input("mask", [4], "bool");
  const loss = sum(mul(where(mask, w, 0), cast(labels, "f32")));
  const { grads } = grad(g, loss, [w, labels, mask]);
  g.output("dw", grads[0]);
  g.output("dlabels", grads[1]);
  g.output("dmask", grads[2]);
  const r = await run64(g, {
    w: f64([4], [1, 2, 3, 4]),
    labels: hostTensor("i32", [4], [3, 1, 2, 5]),
    mask: hostTensor("bool", [4], [1, 0, 1, 1]),
  });
  assertClose(r.dw.data, [3, 0, 2, 5], "dL/dw = mask·labels");
  for (const k of ["dlabels", "dmask"]) {
    assert.equal(r[k].dtype, "f32");
    assert.deepEqual(r[k].shape, [4]);
    assert.ok(r[k].data.every((v) => v === 0), `${k} is all zeros`);
  }
});

Deno.test("autodiff: bad requests throw ActlabError", () => {
  const g = new Graph();
  const x = g.input("x", [2, 3]);
  const y = mul(x, x);
  assert.throws(() => grad(g, y, [x]), (e: unknown) => {
    assert.ok(e instanceof ActlabError);
    assert.match(e.message, /scalar/);
    assert.match(e.message, /seed/);
    return true;
  });
  const seedWrong = g.input("seedWrong", [3]);
  assert.throws(() => grad(g, y, [x], { seed: seedWrong }), /seed shape/);
  const intLoss = cast(sum(x), "i32");
  assert.throws(() => grad(g, intLoss, [x]), (e: unknown) => {
    assert.ok(e instanceof ActlabError);
    assert.match(e.message, /must be f32, got i32/);
    return true;
  });
  const other = new Graph();
  const z = other.input("z", [2, 3]);
  assert.throws(() => grad(g, sum(y), [z]), (e: unknown) => {
    assert.ok(e instanceof ActlabError);
    assert.match(e.message, /different graph/);
    return true;
  });
  assert.throws(() => grad(g, sum(y), [x], { taps: [z] }), ActlabError);
});

Deno.test("autodiff: a seed gradient differentiates a non-scalar output", async () => {
  const g = new Graph();
  const x = g.input("x", [3]);
  const s = g.input("s", [3]);
  const [dx] = grad(g, mul(x, x), [x], { seed: s }).grads;
  g.output("dx", dx);
  const r = await run64(g, { x: f64([3], [1, 2, 3]), s: f64([3], [0.5, -1, 2]) });
  assertClose(r.dx.data, [1, -4, 12], "2·x·seed");
});

Deno.test("autodiff: gradients accumulate over every use of a node", async () => {
  const g = new Graph();
  const x = g.input("x", [3]);
  const e = exp(x);
  // e is read by three consumers (one of them twice): L = Σ e·e + Σ e + Σ tanh(e).
  const loss = add(add(sum(mul(e, e)), sum(e)), sum(tanh(e)));
  const { grads, taps } = grad(g, loss, [x], { taps: [e] });
  g.output("dx", grads[0]);
  g.output("de", taps[0]);
  const xv = [0.1, -0.4, 0.7];
  const r = await run64(g, { x: f64([3], xv) });
  const ev = xv.map(Math.exp);
  const de = ev.map((v) => 2 * v + 1 + (1 - Math.tanh(v) ** 2));
  assertClose(r.de.data, de, "dL/de (sum over uses)");
  assertClose(r.dx.data, de.map((v, i) => v * ev[i]), "dL/dx");
});

// A throwaway op with a wrong VJP (g·x instead of 2·g·x) and a correct twin:
// the finite-difference harness must reject the first and accept the second.
defineOp({
  name: "bad_square_for_test",
  arity: 1,
  infer: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  vjp: ({ inputs: [x], grad }) => [mul(grad, x)],
});
defineOp({
  name: "good_square_for_test",
  arity: 1,
  infer: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  vjp: ({ inputs: [x], grad }) => [mul(mul(grad, x), 2)],
});
for (const op of ["bad_square_for_test", "good_square_for_test"]) {
  registerKernel(op, () => (out, [x]) => {
    for (let i = 0; i < out.length; i++) out[i] = x[i] * x[i];
  });
}

Deno.test("autodiff: gradCheck rejects a wrong VJP and accepts the right one", async () => {
  const build = (op: string) => (x: Tensor) => x.graph.apply(op, [x]);
  const inputs = [{ shape: [2, 3], range: [0.5, 1.5] as [number, number] }];
  await assert.rejects(
    () =>
      gradCheck({
        op: "bad_square_for_test",
        name: "g·x",
        inputs,
        build: build("bad_square_for_test"),
      }),
    /bad_square_for_test .*analytic .* vs finite-difference/,
  );
  const ok = await gradCheck({
    op: "good_square_for_test",
    name: "2·g·x",
    inputs,
    build: build("good_square_for_test"),
  });
  assert.equal(ok.checked, 6);
  assert.ok(ok.maxAbsErr < 1e-8);
});

Deno.test("autodiff: slice gradients that tile their input become one concat, same values", async () => {
  const build = (pieces: [number, number][]) => {
    const g = new Graph();
    const x = g.input("x", [2, 6, 3]);
    const w = g.input("w", [2, 6, 3]);
    let loss: Tensor | undefined;
    for (const [a, b] of pieces) {
      const part = sum(mul(slice(x, [0, a, 0], [2, b, 3]), slice(w, [0, a, 0], [2, b, 3])));
      loss = loss ? add(loss, mul(part, b)) : mul(part, b);
    }
    const [dx] = grad(g, loss!, [x]).grads;
    g.output("dx", dx);
    return { g, dx };
  };
  const tiled = build([[2, 5], [0, 2], [5, 6]]);
  assert.equal(tiled.g.nodes[tiled.dx.id].op, "concat");
  const gapped = build([[0, 2], [3, 6]]); // index 2 is not covered: no concat
  assert.notEqual(gapped.g.nodes[gapped.dx.id].op, "concat");
  const x = hostTensor("f32", [2, 6, 3], Float32Array.from({ length: 36 }, (_, i) => i / 7));
  const w = hostTensor("f32", [2, 6, 3], Float32Array.from({ length: 36 }, (_, i) => 1 - i / 9));
  const exe = await referenceBackend.compile(tiled.g);
  const dx = (await exe.run({ x, w })).dx.data;
  // d/dx of Σ_pieces b·Σ(x·w) over the piece: w scaled by the piece's end index.
  for (let i = 0; i < 36; i++) {
    const row = Math.floor(i / 3) % 6;
    const scale = row < 2 ? 2 : row < 5 ? 5 : 6;
    assert.ok(Math.abs(dx[i] - scale * w.data[i]) < 1e-6, `dx[${i}]`);
  }
});
