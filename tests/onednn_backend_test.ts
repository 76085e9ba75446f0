/**
 * The onednn-cpu backend against reference: each oneDNN kernel called
 * directly on outputs pre-filled with NaN (pooled buffers hold stale values,
 * so a kernel must write every element) over odd shapes, transposes, batch
 * broadcast, groups, strides, dilation and asymmetric padding; every
 * gradient-check case (forward and input gradients — the oneDNN ops' VJPs are
 * the conv gradient ops and matmuls again). Full training steps of every
 * model are in onednn_models_test.ts. Without libdnnl the tests are
 * skipped with the reason, or fail under CI=true (.ci/run installs libdnnl2).
 */
import assert from "node:assert/strict";
import type { Availability } from "../backends/backend.ts";
import { onednnCpuBackend } from "../backends/onednn/mod.ts";
import { dnnlContext } from "../backends/onednn/engine.ts";
import { kernelEnv, onednnLookup, onednnOps } from "../backends/onednn/kernel.ts";
import "../backends/onednn/kernels/mod.ts";
import { loadDnnl } from "../backends/onednn/library.ts";
import type { DnnlPrimitive } from "../backends/onednn/primitive.ts";
import { erfF32 } from "../backends/onednn/host/erf_f32.ts";
import { getKernel } from "../backends/reference/kernel.ts";
import { erf as referenceErf } from "../backends/reference/kernels/math.ts";
import { getBackend } from "../backends/registry.ts";
import "../backends/mod.ts";
import { ActlabError } from "../core/errors.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { sizeOf } from "../core/host_tensor.ts";
import * as o from "../core/ops.ts";
import { ALL_CASES } from "./cases/mod.ts";
import { lcg } from "./gradcheck.ts";
import { ortAvailability } from "./ort_support.ts";
import { assertClose, parityCheck } from "./parity.ts";

const ok = await ortAvailability(onednnCpuBackend);

Deno.test("onednn-cpu is registered, ranks after ort-cpu, and names its oneDNN ops", async () => {
  assert.equal(getBackend("onednn-cpu"), onednnCpuBackend);
  assert.ok(onednnCpuBackend.speedRank > getBackend("ort-cpu").speedRank);
  assert.deepEqual(onednnOps(), [
    "abs",
    "add",
    "batch_moments",
    "batch_norm",
    "batch_norm_grad",
    "batch_norm_param_grad",
    "conv2d",
    "conv2d_filter_grad",
    "conv2d_input_grad",
    "div",
    "eq",
    "erf",
    "exp",
    "fused",
    "layer_norm",
    "layer_norm_grad",
    "log",
    "matmul",
    "max_pool2d",
    "max_pool2d_grad",
    "mean",
    "mul",
    "neg",
    "softmax",
    "sqrt",
    "square",
    "sub",
    "sum",
    "tanh",
    "transpose",
  ]);
  const a = await onednnCpuBackend.probe();
  if (a.available) assert.match(a.reason, /oneDNN 2\.\d+\.\d+.*conv2d, .*matmul/);
  else assert.match(a.fix, /apt-get install -y libdnnl2/);
});

/** onednn-cpu's probe in a fresh process with only `env` (and PATH, ACTLAB_ONEDNN_LIB). */
async function probeWith(env: Record<string, string>): Promise<Availability> {
  const url = new URL("../backends/onednn/mod.ts", import.meta.url).href;
  const code = `const { onednnCpuBackend: b } = await import(${JSON.stringify(url)});` +
    "console.log(JSON.stringify(await b.probe()));";
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      ...lib ? { ACTLAB_ONEDNN_LIB: lib } : {},
      ...env,
    },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const lib = Deno.env.get("ACTLAB_ONEDNN_LIB");

Deno.test("onednn-cpu without its library: unavailable, and the fix names the package", async () => {
  const a = await probeWith({ ACTLAB_ONEDNN_LIB: "/nonexistent/libdnnl.so.2" });
  assert.equal(a.available, false);
  assert.match(a.reason, /cannot load \/nonexistent\/libdnnl\.so\.2/);
  assert.match(a.fix, /apt-get install -y libdnnl2/);
});

Deno.test({
  name: "onednn-cpu threads: ACTLAB_THREADS sets OpenMP's pool unless OMP_NUM_THREADS is set",
  ignore: !ok,
  fn: async () => {
    assert.match((await probeWith({ ACTLAB_THREADS: "1" })).reason, /ACTLAB_THREADS=1/);
    assert.match(
      (await probeWith({ ACTLAB_THREADS: "1", OMP_NUM_THREADS: "2" })).reason,
      /OMP_NUM_THREADS=2/,
    );
    assert.match((await probeWith({})).reason, /all \d+ cores/);
  },
});

Deno.test("onednn-cpu rejects float64", async () => {
  await assert.rejects(
    () => onednnCpuBackend.compile(new Graph(), { precision: "f64" }),
    (e) => e instanceof ActlabError && /float32 only/.test(e.message),
  );
});

/** One op on random inputs: the oneDNN kernel (NaN-filled output) against the reference kernel. */
function kernelParity(
  name: string,
  shapes: readonly number[][],
  build: (...xs: Tensor[]) => Tensor,
  seed: number,
  exact = false,
  domain: (v: number) => number = (v) => v,
  onOnednn = true,
): void {
  const g = new Graph();
  const xs = shapes.map((s, i) => g.input(`x${i}`, s));
  const y = build(...xs);
  const node = g.nodes[y.id];
  const inputs = node.inputs.map((i) => g.nodes[i]);
  assert.ok(onednnOps().includes(node.op), `${node.op} has a oneDNN kernel`);
  const rand = lcg(seed);
  const data = shapes.map((s) =>
    Float32Array.from({ length: sizeOf(s) }, () => domain(rand() * 2 - 1))
  );
  const bool = node.dtype === "bool";
  const alloc = (fill: number) =>
    bool
      ? new Uint8Array(sizeOf(node.shape)).fill(fill)
      : new Float32Array(sizeOf(node.shape)).fill(fill);
  const want = alloc(0);
  getKernel(node.op)(node, inputs, false)(want, data);
  const owned: DnnlPrimitive[] = [];
  const lib = loadDnnl();
  assert.ok(lib.ok);
  const run = onednnLookup(kernelEnv(dnnlContext(lib.lib), (p) => owned.push(p)))(node.op)(
    node,
    inputs,
    false,
  );
  // Reductions decline oneDNN's ref:any implementation (which one exists depends on the CPU).
  // A convolution adds reorder primitives to and from its chosen (blocked) layouts.
  if (onOnednn) assert.ok(owned.length >= 1, `${name}: ran on a oneDNN primitive`);
  try {
    for (let rep = 0; rep < 2; rep++) {
      const got = alloc(bool ? 7 : NaN); // stale values a kernel must overwrite
      run(got, data);
      const t = (d: Float32Array | Uint8Array) => ({
        dtype: "f32" as const,
        shape: node.shape,
        data: d,
      });
      if (exact || bool) assert.deepEqual(got, want, `${name} (run ${rep + 1}): bit-exact`);
      else assertClose(`${name} (run ${rep + 1})`, t(got), t(want), 1e-4);
    }
  } finally {
    for (const p of owned) p.destroy();
  }
}

const MATMULS: [string, number[], number[], boolean, boolean][] = [
  ["[1,7]·[7,1]", [1, 7], [7, 1], false, false],
  ["[17,33]·[33,9]", [17, 33], [33, 9], false, false],
  ["[3,17,33]ᵀ·[33,9]", [3, 33, 17], [33, 9], true, false],
  ["[17,33]·[3,9,33]ᵀ", [17, 33], [3, 9, 33], false, true],
  ["[2,3,33,17]ᵀ·[2,3,9,33]ᵀ", [2, 3, 33, 17], [2, 3, 9, 33], true, true],
  ["broadcast [2,1,5,6]·[3,6,4]", [2, 1, 5, 6], [3, 6, 4], false, false],
  ["broadcast [4,1,5,6]ᵀ·[1,3,4,5]ᵀ", [4, 1, 6, 5], [1, 3, 4, 6], true, true],
  ["attention-like [2,4,65,16]·[2,4,65,16]ᵀ", [2, 4, 65, 16], [2, 4, 65, 16], false, true],
];

for (const [name, a, b, ta, tb] of MATMULS) {
  Deno.test({
    name: `onednn-cpu matmul kernel: ${name}`,
    ignore: !ok,
    fn: () => kernelParity(`matmul ${name}`, [a, b], (x, y) => o.matmul(x, y, ta, tb), 7),
  });
}

const CONVS: [string, number[], number[], o.Conv2dOptions][] = [
  ["16→32 3x3 pad 1 on 9x11, batch 3", [3, 16, 9, 11], [32, 16, 3, 3], { padding: 1 }],
  ["1x1, batch 2", [2, 8, 5, 7], [12, 8, 1, 1], {}],
  ["stride 2 pad [1,0,2,1] 3x2 kernel", [2, 6, 10, 9], [5, 6, 3, 2], {
    stride: 2,
    padding: [1, 0, 2, 1],
  }],
  ["groups 4, stride [2,3], dilation [2,1]", [2, 8, 11, 13], [12, 2, 3, 3], {
    groups: 4,
    stride: [2, 3],
    dilation: [2, 1],
    padding: 1,
  }],
  ["depthwise 8 channels, stride 2, uncovered tail", [1, 8, 8, 8], [8, 1, 3, 3], {
    groups: 8,
    stride: 2,
  }],
  ["patch embed 4x4 stride 4", [2, 3, 16, 16], [24, 3, 4, 4], { stride: 4 }],
];

function convOut(x: number[], w: number[], opts: o.Conv2dOptions): number[] {
  const g = new Graph();
  return o.conv2d(g.input("x", x), g.input("w", w), opts).shape as number[];
}

for (const [name, x, w, opts] of CONVS) {
  const dy = convOut(x, w, opts);
  Deno.test({
    name: `onednn-cpu conv kernels: ${name}`,
    ignore: !ok,
    fn: () => {
      kernelParity(`conv2d ${name}`, [x, w], (a, b) => o.conv2d(a, b, opts), 11);
      kernelParity(
        `conv2d_input_grad ${name}`,
        [dy, w],
        (a, b) => o.conv2dInputGrad(a, b, x, opts),
        12,
      );
      kernelParity(
        `conv2d_filter_grad ${name}`,
        [x, dy],
        (a, b) => o.conv2dFilterGrad(a, b, w, opts),
        13,
      );
    },
  });
}

Deno.test({
  name: "onednn-cpu neg kernel (bit-exact) on ±0: −(+0) = −0 and −(−0) = +0",
  ignore: !ok,
  fn: () =>
    kernelParity(
      "neg ±0",
      [[4, 33]],
      (x) => o.neg(x),
      32,
      true,
      (v) => v < -0.5 ? 0 : v > 0.5 ? -0 : v,
    ),
});

const REDUCTIONS: [string, "sum" | "mean", number[], number[], boolean][] = [
  ["all axes", "sum", [3, 5, 7], [0, 1, 2], false],
  ["batch-norm statistics (N, H, W), keepdims", "mean", [8, 6, 9, 11], [0, 2, 3], true],
  ["last axis", "mean", [4, 65, 33], [2], false],
  ["middle axis", "sum", [4, 17, 9], [1], true],
  ["long row", "sum", [2, 70000], [1], false],
];

for (const [name, op, shape, axes, keepdims] of REDUCTIONS) {
  Deno.test({
    name: `onednn-cpu ${op} kernel: ${name} [${shape}] axes [${axes}]`,
    ignore: !ok,
    fn: () =>
      kernelParity(
        `${op} ${name}`,
        [shape],
        (x) => o[op](x, axes, keepdims),
        51,
        false,
        undefined,
        false,
      ),
  });
}

const BINARIES: [string, "add" | "sub" | "mul" | "div", number[], number[]][] = [
  ["same shape", "add", [3, 5, 7], [3, 5, 7]],
  ["per-channel second operand", "mul", [4, 6, 5, 5], [1, 6, 1, 1]],
  ["lower-rank second operand", "sub", [2, 3, 8], [8]],
  ["scalars", "div", [], []],
  ["scalar second operand", "div", [5, 3], []],
  ["broadcast first operand (swapped)", "mul", [1, 6, 1, 1], [4, 6, 5, 5]],
  ["broadcast first operand (swapped)", "add", [7], [2, 3, 7]],
];

for (const [name, op, a, b] of BINARIES) {
  Deno.test({
    name: `onednn-cpu ${op} kernel (bit-exact): ${name} [${a}] ${op} [${b}]`,
    ignore: !ok,
    fn: () => kernelParity(`${op} ${name}`, [a, b], (x, y) => o[op](x, y), 21, true),
  });
}

const ELTWISES: ["neg" | "abs" | "square" | "sqrt" | "exp" | "log" | "tanh", boolean][] = [
  ["neg", true],
  ["abs", true],
  ["square", true],
  ["sqrt", true],
  ["exp", false],
  ["log", false],
  ["tanh", false],
];

for (const [op, exact] of ELTWISES) {
  // sqrt and log take |x| + 0.01 (their domain); the others x in [-1, 1) and odd sizes.
  const positive = op === "sqrt" || op === "log";
  Deno.test({
    name: `onednn-cpu ${op} kernel${exact ? " (bit-exact)" : ""}: [3,5,77]`,
    ignore: !ok,
    fn: () =>
      kernelParity(
        op,
        [[3, 5, 77]],
        (x) => o[op](x),
        31,
        exact,
        positive ? (v) => Math.abs(v) + 0.01 : undefined,
      ),
  });
}

const SOFTMAXES: [string, number[], number][] = [
  ["last axis", [6, 3, 50], 2],
  ["middle axis", [4, 33, 5], 1],
  ["first axis", [17, 9], 0],
  ["one column", [5, 1], 1],
];

for (const [name, shape, axis] of SOFTMAXES) {
  Deno.test({
    name: `onednn-cpu softmax kernel: ${name} [${shape}]`,
    ignore: !ok,
    // Logits in [-8, 8): the max-subtraction and the exponent range both matter.
    fn: () => kernelParity(name, [shape], (x) => o.softmax(x, axis), 41, false, (v) => 8 * v),
  });
}

Deno.test({
  name:
    "onednn-cpu softmax: non-finite inputs keep the reference's semantics (bit-exact host path)",
  ignore: !ok,
  fn: async () => {
    const g = new Graph();
    const x = g.input("x", [4, 20]);
    g.output("y", o.softmax(x, 1));
    const exe = await onednnCpuBackend.compile(g);
    const ref = await getBackend("reference").compile(g);
    for (const special of [NaN, Infinity, -Infinity]) {
      const data = Float32Array.from({ length: 80 }, (_, i) => Math.sin(i));
      data[25] = special;
      data[70] = special;
      const feed = { x: { dtype: "f32" as const, shape: [4, 20], data } };
      const got = (await exe.run(feed)).y.data;
      const want = (await ref.run(feed)).y.data;
      for (let i = 0; i < 80; i++) {
        assert.ok(
          Object.is(got[i], want[i]),
          `x[25] = ${special}: element ${i} ${got[i]} vs ${want[i]}`,
        );
      }
      // The rows without the special value are those of the oneDNN path on finite input.
      assert.ok(got.slice(0, 20).every(Number.isFinite));
    }
    exe.dispose();
    ref.dispose();
  },
});

/** Distance between `a` and the next float32 above it in magnitude. */
function f32Ulp(a: number): number {
  const x = Math.abs(Math.fround(a));
  if (x === 0) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(x)) - 23);
}

Deno.test("onednn-cpu erf (float32 accuracy): within 3 float32 ulp of the reference on a dense grid", () => {
  let worst = 0;
  for (let i = -7000; i <= 7000; i++) {
    for (const x of [i / 1000, i / 1000 + 3.7e-4, i * 1e-7]) {
      const want = Math.fround(referenceErf(x));
      const got = Math.fround(erfF32(x));
      const ulps = Math.abs(got - want) / f32Ulp(want);
      worst = Math.max(worst, ulps);
      assert.ok(ulps <= 3, `erf(${x}): ${got} vs ${want} (${ulps.toFixed(1)} ulp)`);
    }
  }
  assert.ok(worst > 0, "the approximation differs somewhere: the test compares something");
  for (const [x, want] of [[0, 0], [-0, -0], [NaN, NaN], [Infinity, 1], [-Infinity, -1], [6, 1]]) {
    assert.ok(Object.is(erfF32(x), want), `erf(${x}) = ${erfF32(x)}, want ${want}`);
  }
});

Deno.test({
  name: "onednn-cpu erf kernel: [3,5,77] over [-4, 4)",
  ignore: !ok,
  // A TypeScript kernel of the first tier: no oneDNN primitive is created.
  fn: () => kernelParity("erf", [[3, 5, 77]], (x) => o.erf(x), 71, false, (v) => 4 * v, false),
});

const TRANSPOSES: [number[], number[]][] = [
  [[6, 5, 3, 8], [0, 2, 1, 3]], // attention heads: [B, T, H, D] → [B, H, T, D]
  [[4, 7, 9], [2, 0, 1]],
  [[33, 17], [1, 0]],
  [[2, 3, 1, 5], [3, 2, 1, 0]],
];

for (const [shape, perm] of TRANSPOSES) {
  Deno.test({
    name: `onednn-cpu transpose kernel (bit-exact): [${shape}] perm [${perm}]`,
    ignore: !ok,
    fn: () => kernelParity("transpose", [shape], (x) => o.transpose(x, perm), 61, true),
  });
}

const POOLS: [string, number[], { kernel: number; stride: number; padding?: number }][] = [
  ["2x2 stride 2", [3, 5, 8, 10], { kernel: 2, stride: 2 }],
  ["3x3 stride 2 pad 1", [2, 4, 9, 11], { kernel: 3, stride: 2, padding: 1 }],
  ["3x3 stride 1 pad 1 (overlapping)", [2, 3, 7, 6], { kernel: 3, stride: 1, padding: 1 }],
  ["2x2 stride 2, odd side", [2, 3, 7, 9], { kernel: 2, stride: 2 }],
];

for (const [name, shape, opts] of POOLS) {
  // Values on a coarse grid with many zeros (as after a ReLU): windows full of ties.
  const ties = (v: number) => Math.max(0, Math.round(3 * v));
  const overlapping = opts.stride < opts.kernel;
  Deno.test({
    name: `onednn-cpu max_pool2d kernel (bit-exact, ties): ${name}`,
    ignore: !ok,
    fn: () => kernelParity(name, [shape], (x) => o.maxPool2d(x, opts), 51, true, ties),
  });
  Deno.test({
    name: `onednn-cpu max_pool2d_grad kernel (ties${overlapping ? "" : ", bit-exact"}): ${name}`,
    ignore: !ok,
    fn: () => {
      const g = new Graph();
      const dyShape = o.maxPool2d(g.input("probe", shape), opts).shape;
      kernelParity(
        name,
        [shape, [...dyShape]],
        (x, dy) => o.maxPool2dGrad(x, dy, opts),
        52,
        !overlapping, // overlapping windows add several gradients in float32 (oneDNN) vs float64
        ties,
      );
    },
  });
}

Deno.test({
  name: "onednn-cpu max pooling: a NaN input keeps the reference's semantics (host path)",
  ignore: !ok,
  fn: async () => {
    const g = new Graph();
    const x = g.input("x", [1, 2, 4, 4]);
    const dy = g.input("dy", [1, 2, 2, 2]);
    g.output("y", o.maxPool2d(x, { kernel: 2 }));
    g.output("dx", o.maxPool2dGrad(x, dy, { kernel: 2 }));
    const exe = await onednnCpuBackend.compile(g);
    const ref = await getBackend("reference").compile(g);
    const data = Float32Array.from({ length: 32 }, (_, i) => Math.cos(i));
    data[5] = NaN;
    const feeds = {
      x: { dtype: "f32" as const, shape: [1, 2, 4, 4], data },
      dy: {
        dtype: "f32" as const,
        shape: [1, 2, 2, 2],
        data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
      },
    };
    const got = await exe.run(feeds);
    const want = await ref.run(feeds);
    for (const k of ["y", "dx"]) {
      assert.deepEqual([...got[k].data].map(String), [...want[k].data].map(String), k);
    }
    assert.ok(Number.isNaN(got.y.data[0]), "the NaN wins its window");
    exe.dispose();
    ref.dispose();
  },
});

// oneDNN 2.6 has only its ref:any implementation for a u8 result of same-shape or scalar
// operands (30 ns per element): those run the host kernel, and must still match bit for bit.
const COMPARES: [string, "eq", number[], number[], boolean][] = [
  ["same shape", "eq", [3, 5, 7], [3, 5, 7], false],
  ["broadcast second", "eq", [4, 6, 5], [1, 6, 1], true],
  ["scalar second", "eq", [2, 9], [], false],
  ["broadcast first (swapped)", "eq", [2, 1, 9], [2, 3, 9], true],
];

for (const [name, op, a, b, onOnednn] of COMPARES) {
  Deno.test({
    name: `onednn-cpu ${op} kernel (bit-exact, ties and NaN): ${name} [${a}] ${op} [${b}]`,
    ignore: !ok,
    // Values on a 0.25 grid (many ties), about 5 % NaN.
    fn: () =>
      kernelParity(
        `${op} ${name}`,
        [a, b],
        (x, y) => o[op](x, y),
        41,
        true,
        (v) => Math.round(v * 4) / 4,
        onOnednn,
      ),
  });
}

Deno.test({
  name: "onednn-cpu: sub/div broadcasting the first operand, and i32 add, run the reference kernel",
  ignore: !ok,
  fn: () => {
    const lib = loadDnnl();
    assert.ok(lib.ok);
    for (
      const [dtype, op, a, b] of [
        ["f32", "sub", [1, 4], [3, 4]],
        ["f32", "div", [4], [2, 4]],
        ["f32", "add", [1, 4], [3, 1]],
        ["i32", "add", [3, 4], [3, 4]],
      ] as const
    ) {
      const g = new Graph();
      const y = o[op](g.input("a", [...a], dtype), g.input("b", [...b], dtype));
      const node = g.nodes[y.id];
      const owned: DnnlPrimitive[] = [];
      onednnLookup(kernelEnv(dnnlContext(lib.lib), (p) => owned.push(p)))(op)(
        node,
        node.inputs.map((i) => g.nodes[i]),
        false,
      );
      assert.equal(owned.length, 0, `${dtype} [${a}] ${op} [${b}] stays on the reference kernel`);
    }
  },
});

Deno.test({
  name: "onednn-cpu: an empty matmul runs the reference kernel (oneDNN takes no zero dims)",
  ignore: !ok,
  fn: async () => {
    const g = new Graph();
    const y = o.matmul(g.input("a", [3, 0]), g.input("b", [0, 2]));
    g.output("y", y);
    const exe = await onednnCpuBackend.compile(g);
    const out = await exe.run({
      a: { dtype: "f32", shape: [3, 0], data: new Float32Array(0) },
      b: { dtype: "f32", shape: [0, 2], data: new Float32Array(0) },
    });
    assert.deepEqual([...out.y.data], [0, 0, 0, 0, 0, 0]);
    exe.dispose();
  },
});

for (const c of ALL_CASES) {
  Deno.test({
    name: `onednn-cpu parity ${c.op}: ${c.name}`,
    ignore: !ok,
    fn: () => parityCheck(onednnCpuBackend, c),
  });
}
