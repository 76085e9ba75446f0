/**
 * The onednn-cpu host kernels of the elementwise and movement ops
 * (backends/onednn/host/elementwise.ts, movement.ts) against the reference
 * kernels, bit for bit: each op on inputs mixing NaN, ±0, ±Inf, huge, tiny
 * and subnormal values with random ones, over odd shapes and every broadcast
 * layout (same shape, scalar, row, column, middle axis, both operands
 * broadcast, rank padding, size-1 output axes, empty), in every dtype the op
 * accepts; the host kernel writes into an output prefilled with stale values
 * (NaN, a junk integer) and runs twice. The elementwise kernels take every
 * layout; the movement kernels take only the layouts they are faster on, and
 * the tests pin which. Host kernels need no libdnnl: these tests never skip.
 * @module
 */
import assert from "node:assert/strict";
import { hostOps } from "../backends/onednn/kernel.ts";
import { ELEMENTWISE_HOST_KERNELS } from "../backends/onednn/host/elementwise.ts";
import { MOVEMENT_HOST_KERNELS } from "../backends/onednn/host/movement.ts";
import "../backends/onednn/host/mod.ts";
import { getKernel } from "../backends/reference/kernel.ts";
import "../backends/reference/kernels/mod.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { allocData, type DType, sizeOf, type TensorData } from "../core/host_tensor.ts";
import * as o from "../core/ops.ts";
import { firstDifference, stale } from "./bit_compare.ts";
import { lcg } from "./gradcheck.ts";

const HOST = { ...ELEMENTWISE_HOST_KERNELS, ...MOVEMENT_HOST_KERNELS };

const F32_SPECIAL = [
  NaN,
  0,
  -0,
  Infinity,
  -Infinity,
  1,
  -1,
  0.5,
  -0.5,
  2,
  1e-30,
  -1e-30,
  1e30,
  -1e30,
  3.4e38,
  -3.4e38,
  1.4e-45,
  -1.4e-45,
  88.8,
  -88.8,
  710,
  -745,
];
const I32_SPECIAL = [0, 1, -1, 2, -2, 7, 2147483647, -2147483648, 65536, -65537, 46341];

/** Random data of `dtype`: about a third special values, the rest random (repeats included). */
function data(dtype: DType, n: number, rand: () => number): TensorData {
  const d = allocData(dtype, n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (dtype === "bool") d[i] = r < 0.5 ? 1 : 0;
    else if (dtype === "i32") {
      d[i] = r < 0.35
        ? I32_SPECIAL[Math.floor(rand() * I32_SPECIAL.length)]
        : Math.floor(rand() * 21) - 10;
    } else {
      d[i] = r < 0.35
        ? F32_SPECIAL[Math.floor(rand() * F32_SPECIAL.length)]
        : (rand() * 2 - 1) * (r < 0.7 ? 4 : 1e3);
    }
  }
  return d;
}

/**
 * `build` on inputs of `specs` ([shape, dtype]); its last node run by the
 * host and the reference kernels must agree bit for bit, on a first run and
 * on a run after `hot` more (optimised code). Returns false when the host
 * kernel declined (so did nothing).
 */
function hostParity(
  name: string,
  specs: readonly [number[], DType][],
  build: (...xs: Tensor[]) => Tensor,
  seed: number,
  hot = 0,
): boolean {
  const g = new Graph();
  const xs = specs.map(([s, d], i) => g.input(`x${i}`, s, d));
  const y = build(...xs);
  const node = g.nodes[y.id];
  const inputs = node.inputs.map((i) => g.nodes[i]);
  assert.ok(hostOps().includes(node.op), `${node.op} is registered as a host kernel`);
  const host = HOST[node.op];
  assert.ok(host, `${node.op} has an elementwise/movement host kernel`);
  const run = host(node, inputs);
  if (!run) return false;
  const rand = lcg(seed);
  const ins = specs.map(([s, d]) => data(d, sizeOf(s), rand));
  const n = sizeOf(node.shape);
  const want = stale(node.dtype, n);
  const ref = getKernel(node.op)(node, inputs, false);
  for (let rep = 0; rep <= hot; rep++) ref(want, ins);
  for (let rep = 0; rep < 2; rep++) {
    const got = stale(node.dtype, n);
    // The second run follows `hot` more, so that V8 has optimised both loops.
    for (let r = 0; r <= (rep === 0 ? 0 : hot); r++) run(got, ins);
    const e = firstDifference(got, want);
    if (e >= 0) {
      assert.fail(
        `${name} (run ${rep + 1}): element ${e} is ${Object.is(got[e], -0) ? "-0" : got[e]}, ` +
          `the reference gives ${Object.is(want[e], -0) ? "-0" : want[e]} ` +
          `(inputs ${ins.map((x) => x[Math.min(e, x.length - 1)]).join(", ")} near there)`,
      );
    }
  }
  return true;
}

/** [name, first shape, second shape]: every broadcast layout of two operands. */
const LAYOUTS: [string, number[], number[]][] = [
  ["same shape", [3, 5, 7], [3, 5, 7]],
  ["same shape, long", [4099], [4099]],
  ["scalar second", [3, 5, 7], []],
  ["scalar first", [], [3, 5, 7]],
  ["both scalars", [], []],
  ["row", [6, 7], [7]],
  ["row, first operand", [7], [6, 7]],
  ["column", [6, 7], [6, 1]],
  ["column, first operand", [6, 1], [6, 7]],
  ["middle axis", [3, 5, 7], [3, 1, 7]],
  ["both broadcast", [3, 1, 7], [1, 5, 1]],
  ["outer product", [5, 1], [1, 7]],
  ["rank padding", [2, 3, 5, 7], [5, 1]],
  ["size-1 output axes", [1, 5, 1, 7], [1, 1, 1, 7]],
  ["attention rows", [2, 4, 9, 9], [2, 4, 9, 1]],
  ["channels", [2, 3, 4, 5], [1, 3, 1, 1]],
  ["empty", [0, 3], [3]],
];

const ARITH = ["add", "sub", "mul", "div", "maximum", "minimum"] as const;
const COMPARE = ["lt", "le", "gt", "ge", "eq"] as const;

for (const op of [...ARITH, ...COMPARE]) {
  const dtypes: DType[] = (COMPARE as readonly string[]).includes(op)
    ? ["f32", "i32", "bool"]
    : ["f32", "i32"];
  Deno.test({
    name: `onednn-cpu host ${op} = reference, bit for bit, every layout (${dtypes.join(", ")})`,
    fn: () => {
      let seed = 1;
      for (const dtype of dtypes) {
        for (const [layout, a, b] of LAYOUTS) {
          const ran = hostParity(
            `${dtype} [${a}] ${op} [${b}] (${layout})`,
            [[a, dtype], [b, dtype]],
            (x, y) => o[op](x, y),
            seed++,
          );
          assert.ok(ran, `${op} ${dtype} ${layout}: host kernel taken`);
        }
      }
    },
  });
}

const UNARY_OPS = [
  "neg",
  "abs",
  "sign",
  "square",
  "sqrt",
  "rsqrt",
  "exp",
  "log",
  "erf",
  "tanh",
  "sigmoid",
  "softplus",
] as const;
const INT_UNARY = ["neg", "abs", "sign", "square"];

for (const op of UNARY_OPS) {
  const dtypes: DType[] = INT_UNARY.includes(op) ? ["f32", "i32"] : ["f32"];
  Deno.test({
    name: `onednn-cpu host ${op} = reference, bit for bit (${dtypes.join(", ")})`,
    fn: () => {
      for (const dtype of dtypes) {
        for (const shape of [[3, 5, 7], [4099], [], [0, 2]]) {
          assert.ok(hostParity(`${dtype} ${op} [${shape}]`, [[shape, dtype]], o[op], 3));
        }
      }
    },
  });
}

Deno.test("onednn-cpu host threshold = reference, bit for bit (NaN → 0), τ and inclusive", () => {
  for (const tau of [0, 0.5, -1, 1e-30, -0]) {
    for (const inclusive of [false, true]) {
      assert.ok(hostParity(
        `threshold τ=${tau} inclusive=${inclusive}`,
        [[[5, 4099], "f32"]],
        (x) => o.threshold(x, tau, inclusive),
        11,
      ));
    }
  }
});

Deno.test("onednn-cpu host pow = reference, bit for bit, integer and fractional exponents", () => {
  for (const p of [2, 3, 0.5, -1, 0, 2.5, -2, 1, 1e-3]) {
    assert.ok(hostParity(`pow ${p}`, [[[3, 677], "f32"]], (x) => o.pow(x, p), 13));
  }
});

Deno.test("onednn-cpu host cast = reference, bit for bit, to bool and i32; to f32 declines", () => {
  for (const from of ["f32", "i32", "bool"] as const) {
    for (const to of ["bool", "i32", "f32"] as const) {
      const ran = hostParity(`cast ${from} → ${to}`, [[[7, 301], from]], (x) => o.cast(x, to), 17);
      // cast to f32 stays on the reference kernel (`out.set`, a native conversion).
      assert.equal(ran, to !== "f32", `cast ${from} → ${to}: host kernel taken iff not to f32`);
    }
  }
});

/** [name, cond, a, b] shapes of `where`. */
const WHERES: [string, number[], number[], number[]][] = [
  ["same shape", [3, 5, 7], [3, 5, 7], [3, 5, 7]],
  ["scalar branches", [3, 5, 7], [], []],
  ["scalar condition", [], [3, 5, 7], [3, 5, 7]],
  ["mask over rows", [6, 1], [6, 7], []],
  ["all broadcast", [3, 1, 7], [5, 1], [7]],
  ["rank padding", [2, 3, 5, 7], [5, 7], [1, 1, 1, 7]],
  ["empty", [0, 3], [3], []],
];

Deno.test("onednn-cpu host where = reference, bit for bit, every layout (f32, i32)", () => {
  let seed = 19;
  for (const dtype of ["f32", "i32"] as const) {
    for (const [layout, c, a, b] of WHERES) {
      assert.ok(hostParity(
        `where ${dtype} [${c}] ? [${a}] : [${b}] (${layout})`,
        [[c, "bool"], [a, dtype], [b, dtype]],
        (cc, x, y) => o.where(cc, x, y),
        seed++,
      ));
    }
  }
});

Deno.test("onednn-cpu host broadcast_to = reference, bit for bit; takes rows of ≥ 256 only", () => {
  // [from, to, taken]: long rows are native fills / copies; short ones stay on the reference.
  const cases: [number[], number[], boolean][] = [
    [[], [3, 300], true], // one fill
    [[300], [5, 300], true], // a row copied per output row
    [[6, 1], [6, 257], true], // a fill per row
    [[3, 1, 300], [3, 5, 300], true], // middle axis
    [[1, 5, 1], [2, 3, 5, 256], true], // fills under two outer axes
    [[2, 1, 1, 7], [2, 3, 5, 7], false],
    [[7], [6, 7], false],
    [[6, 1], [6, 7], false],
    [[3], [0, 3], false],
  ];
  for (const dtype of ["f32", "i32", "bool"] as const) {
    for (const [from, to, taken] of cases) {
      const ran = hostParity(
        `broadcast_to ${dtype} [${from}] → [${to}]`,
        [[from, dtype]],
        (x) => o.broadcastTo(x, to),
        23,
      );
      assert.equal(ran, taken, `broadcast_to ${dtype} [${from}] → [${to}]: host kernel taken`);
    }
  }
});

Deno.test("onednn-cpu host transpose = reference, bit for bit; takes long rows and big blocks", () => {
  // [shape, perm, taken]: rows of ≥ 256 (copied) and 2-D blocks over 16384 elements (tiled).
  const cases: [number[], number[], boolean][] = [
    [[130, 150], [1, 0], true], // 32×32 tiles, ragged edges both ways
    [[2, 130, 150], [0, 2, 1], true], // tiles under an outer axis
    [[150, 2, 130], [2, 1, 0], true], // the input's contiguous axis ends up outermost
    [[3, 5, 300], [1, 0, 2], true], // last axis kept: row copies
    [[2, 3, 4, 300], [2, 0, 1, 3], true],
    [[20, 1, 1000], [2, 1, 0], true], // size-1 axes dropped, then a 2-D block
    [[4, 1, 1000], [2, 1, 0], false], // the same, a block of 4000 elements
    [[5, 7], [1, 0], false],
    [[2, 3, 4], [2, 0, 1], false],
    [[2, 4, 9, 5], [0, 2, 1, 3], false], // attention heads, short rows
    [[2, 3, 4, 5], [0, 3, 1, 2], false],
    [[3, 4], [0, 1], false],
    [[0, 4], [1, 0], false],
  ];
  for (const dtype of ["f32", "i32", "bool"] as const) {
    for (const [shape, perm, taken] of cases) {
      const ran = hostParity(
        `transpose ${dtype} [${shape}] perm [${perm}]`,
        [[shape, dtype]],
        (x) => o.transpose(x, perm),
        29,
      );
      assert.equal(ran, taken, `transpose ${dtype} [${shape}] perm [${perm}]: host kernel taken`);
    }
  }
});

Deno.test("onednn-cpu host kernels = reference, bit for bit, once V8 has optimised both", () => {
  const x = [[8, 1024], "f32"] as [number[], DType];
  const row = [[1024], "f32"] as [number[], DType];
  const HOT = 300;
  const cases: [string, [number[], DType][], (...t: Tensor[]) => Tensor][] = [
    ["threshold", [x], (a) => o.threshold(a, 0)],
    ["threshold inclusive", [x], (a) => o.threshold(a, 0.25, true)],
    ["sub row", [x, row], (a, b) => o.sub(a, b)],
    ["div i32", [[[8, 1024], "i32"], [[8, 1024], "i32"]], (a, b) => o.div(a, b)],
    ["gt", [x, x], (a, b) => o.gt(a, b)],
    ["maximum", [x, row], (a, b) => o.maximum(a, b)],
    ["where", [[[8, 1024], "bool"], x, row], (c, a, b) => o.where(c, a, b)],
    ["exp", [x], (a) => o.exp(a)],
    ["sigmoid", [x], (a) => o.sigmoid(a)],
    ["softplus", [x], (a) => o.softplus(a)],
    ["tanh", [x], (a) => o.tanh(a)],
    ["erf", [x], (a) => o.erf(a)],
    ["pow 2.5", [x], (a) => o.pow(a, 2.5)],
    ["transpose", [[[2, 130, 150], "f32"]], (a) => o.transpose(a, [0, 2, 1])],
    ["broadcast_to", [[[8, 1], "f32"]], (a) => o.broadcastTo(a, [8, 1024])],
  ];
  for (const [name, specs, build] of cases) {
    assert.ok(hostParity(`${name} (hot)`, specs, build, 31, HOT));
  }
});
