/**
 * Gradient-check cases for softmax, log_softmax (incl. ±50 logits), layer_norm
 * and batch_norm (with its own batch_moments: the training-phase gradient).
 */
import * as o from "../../core/ops.ts";
import type { GradCase } from "../gradcheck.ts";

const large = [50, -50, 49, 0, -49.5, 50.5, 1, -1, 48, 50, -50, 2];

export const cases: GradCase[] = [];
for (const op of ["softmax", "log_softmax"] as const) {
  const f = op === "softmax" ? o.softmax : o.logSoftmax;
  cases.push(
    { op, name: "[2,5] axis -1", inputs: [{ shape: [2, 5], range: [-2, 2] }], build: (x) => f(x) },
    {
      op,
      name: "[3,2,4] axis 0",
      inputs: [{ shape: [3, 2, 4], range: [-2, 2] }],
      build: (x) => f(x, 0),
    },
    {
      op,
      name: "[3,2,4] axis 1",
      inputs: [{ shape: [3, 2, 4], range: [-2, 2] }],
      build: (x) => f(x, 1),
    },
    {
      op,
      name: "large logits ±50, [3,4] axis -1",
      inputs: [{ shape: [3, 4], values: large }],
      build: (x) => f(x, -1),
    },
    {
      op,
      name: "large logits ±50, [3,4] axis 0",
      inputs: [{ shape: [3, 4], values: large }],
      build: (x) => f(x, 0),
    },
  );
}
cases.push(
  {
    op: "layer_norm",
    name: "[3,5] numAxes 1",
    inputs: [{ shape: [3, 5], range: [-2, 2] }],
    build: (x) => o.layerNorm(x),
  },
  {
    op: "layer_norm",
    name: "[2,3,4] numAxes 2",
    inputs: [{ shape: [2, 3, 4], range: [-2, 2] }],
    build: (x) => o.layerNorm(x, 2),
  },
  {
    op: "layer_norm",
    name: "[2,6] numAxes 1, eps 0.1",
    inputs: [{ shape: [2, 6], range: [-0.5, 0.5] }],
    build: (x) => o.layerNorm(x, 1, 0.1),
  },
);
cases.push(
  {
    op: "batch_norm",
    name: "[4,3,2,2] with batch_moments, weight and bias",
    inputs: [{ shape: [4, 3, 2, 2], range: [-2, 2] }, { shape: [3], range: [0.5, 2] }, {
      shape: [3],
    }],
    build: (x, w, b) => o.batchNormalize(x, o.batchMoments(x), w, b),
  },
  {
    op: "batch_norm",
    name: "[5,3] with batch_moments, eps 0.1",
    inputs: [{ shape: [5, 3], range: [-1, 1] }, { shape: [3], range: [-2, -0.5] }, {
      shape: [3],
    }],
    build: (x, w, b) => o.batchNormalize(x, o.batchMoments(x), w, b, 0.1),
  },
  {
    op: "batch_norm",
    name: "[3,2,3,1] scaled output",
    inputs: [{ shape: [3, 2, 3, 1], range: [-3, 1] }, { shape: [2], range: [0.5, 2] }, {
      shape: [2],
    }],
    build: (x, w, b) => o.mul(o.batchNormalize(x, o.batchMoments(x), w, b), x),
  },
);
