/** Gradient-check cases for elementwise ops and sources. */
import * as o from "../../core/ops.ts";
import type { GradCase } from "../gradcheck.ts";

const S = [2, 3];
const B = [4, 1, 3]; // broadcasts against S to [4,2,3]
const pos: [number, number] = [0.3, 2];

function binaryCases(op: string, f: (a: o.Tensor, b: o.Tensor) => o.Tensor): GradCase[] {
  return [
    { op, name: "same shape", inputs: [{ shape: S }, { shape: S, range: [1.1, 2] }], build: f },
    {
      op,
      name: "broadcast [2,3]x[4,1,3]",
      inputs: [{ shape: S }, { shape: B, range: [1.1, 2] }],
      build: f,
    },
    { op, name: "scalar rhs", inputs: [{ shape: S }, { shape: [], range: [1.1, 2] }], build: f },
  ];
}

export const cases: GradCase[] = [
  ...binaryCases("add", o.add),
  ...binaryCases("sub", o.sub),
  ...binaryCases("mul", o.mul),
  ...binaryCases("div", o.div),
  // maximum/minimum: operands drawn from disjoint-ish ranges would hide one branch,
  // so use interleaved explicit values without ties.
  ...["maximum", "minimum"].map((op): GradCase => ({
    op,
    name: "mixed branches with broadcast",
    inputs: [{ shape: [2, 3], values: [-1, 0.5, 2, -0.3, 0.8, 1.5] }, {
      shape: [3],
      values: [0.1, 0.2, 0.3],
    }],
    build: op === "maximum" ? o.maximum : o.minimum,
  })),
  ...["lt", "le", "gt", "ge", "eq"].map((op): GradCase => ({
    op,
    name: "zero gradient away from ties",
    inputs: [{ shape: [2, 3], values: [-1, 0.5, 2, -0.3, 0.8, 0.35] }, {
      shape: [3],
      values: [0.1, 0.2, 0.3],
    }],
    build: (a, b) => o.mul(o.cast(a.graph.apply(op, [a, b]), "f32"), a),
  })),
  {
    op: "where",
    name: "broadcast condition",
    inputs: [{ shape: [2, 3] }, { shape: [3] }, { shape: [2, 1] }],
    build: (c, a, b) => o.where(o.gt(c, 0), a, b),
  },
  {
    op: "threshold",
    name: "relu form (x > 0), away from 0",
    inputs: [{ shape: [2, 3], values: [-1, 0.5, 2, -0.3, 0.8, -0.05] }],
    build: (x) => o.threshold(x, 0),
  },
  {
    op: "threshold",
    name: "inclusive tau 0.4 (x >= tau), away from tau",
    inputs: [{ shape: [2, 3], values: [-1, 0.5, 2, 0.3, 0.45, 0.35] }],
    build: (x) => o.threshold(x, 0.4, true),
  },
  {
    // The relu6 activation's graph (activations/relu6.ts): min(6, threshold(x, 0)).
    op: "minimum",
    name: "relu6 form min(6, relu(x)), away from 0 and 6",
    inputs: [{ shape: [2, 4], values: [-1, 0.5, 2, 5.7, 6.4, 9, -0.05, 3] }],
    build: (x) => o.minimum(6, o.threshold(x, 0)),
  },
  {
    op: "cast",
    name: "f32 -> f32 passes, f32 -> i32 -> f32 blocks",
    inputs: [{ shape: S, range: [0.2, 0.8] }],
    build: (x) => o.add(o.cast(x, "f32"), o.cast(o.cast(x, "i32"), "f32")),
  },
  { op: "pow", name: "exponent 3", inputs: [{ shape: S }], build: (x) => o.pow(x, 3) },
  {
    op: "pow",
    name: "exponent -1.5 on positives",
    inputs: [{ shape: S, range: pos }],
    build: (x) => o.pow(x, -1.5),
  },
  { op: "neg", name: "", inputs: [{ shape: S }], build: o.neg },
  {
    op: "abs",
    name: "away from 0",
    inputs: [{ shape: [4], values: [-1, -0.2, 0.3, 2] }],
    build: o.abs,
  },
  {
    op: "sign",
    name: "zero gradient",
    inputs: [{ shape: [4], values: [-1, -0.2, 0.3, 2] }],
    build: (x) => o.mul(o.sign(x), x),
  },
  { op: "square", name: "", inputs: [{ shape: S }], build: o.square },
  { op: "sqrt", name: "", inputs: [{ shape: S, range: pos }], build: o.sqrt },
  { op: "rsqrt", name: "", inputs: [{ shape: S, range: pos }], build: o.rsqrt },
  { op: "exp", name: "", inputs: [{ shape: S }], build: o.exp },
  { op: "log", name: "", inputs: [{ shape: S, range: pos }], build: o.log },
  {
    op: "erf",
    name: "incl. tails",
    inputs: [{ shape: [5], values: [-3, -0.7, 0, 0.4, 2.7] }],
    build: o.erf,
  },
  { op: "tanh", name: "", inputs: [{ shape: S, range: [-3, 3] }], build: o.tanh },
  { op: "sigmoid", name: "", inputs: [{ shape: S, range: [-5, 5] }], build: o.sigmoid },
  {
    op: "softplus",
    name: "incl. large |x|",
    inputs: [{ shape: [5], values: [-30, -2, 0, 1.5, 30] }],
    build: o.softplus,
  },
  { op: "identity", name: "", inputs: [{ shape: S }], build: o.identity },
  {
    op: "stop_gradient",
    // Finite differences see through stop_gradient, so the stopped operand is a
    // non-differentiated input; tests/autodiff_test.ts checks that no gradient leaks.
    name: "forward value passes, operand not differentiated",
    inputs: [{ shape: S }, { shape: S, noGrad: true }],
    build: (x, c) => o.mul(x, o.stopGradient(c)),
  },
  {
    op: "full",
    name: "constant term contributes no gradient",
    inputs: [{ shape: S }],
    build: (x) =>
      o.mul(
        x,
        o.add(
          o.full(x, [3], 2),
          o.constant(x, { dtype: "f32", shape: [3], data: new Float32Array([1, 2, 3]) }),
        ),
      ),
  },
];
