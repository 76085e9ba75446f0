/**
 * Gradient-check cases for max/avg pooling and their gradient ops. Max-pool
 * inputs are distinct values (a scaled permutation) so no window has a tie
 * and the finite difference is well defined.
 */
import * as o from "../../core/ops.ts";
import type { GradCase } from "../gradcheck.ts";

/** n distinct values in [-1, 1) in scrambled order (7 is coprime with every n used). */
function distinct(n: number): number[] {
  return Array.from({ length: n }, (_, i) => ((i * 7) % n) / n * 2 - 1);
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

interface PoolSpec {
  name: string;
  x: number[];
  opts: o.Pool2dOptions;
  y: number[];
}

const specs: PoolSpec[] = [
  { name: "kernel 2 stride 2", x: [1, 2, 4, 4], opts: { kernel: 2 }, y: [1, 2, 2, 2] },
  {
    name: "kernel 3 stride 2 padding 1",
    x: [1, 1, 5, 5],
    opts: { kernel: 3, stride: 2, padding: 1 },
    y: [1, 1, 3, 3],
  },
  {
    name: "kernel [2,3] stride [1,2] padding [1,1] on 3x6",
    x: [2, 1, 3, 6],
    opts: { kernel: [2, 3], stride: [1, 2], padding: [1, 1] },
    y: [2, 1, 4, 3],
  },
];

export const cases: GradCase[] = [];
for (const s of specs) {
  const label = `${s.name}: x ${JSON.stringify(s.x)}`;
  cases.push(
    {
      op: "max_pool2d",
      name: label,
      inputs: [{ shape: s.x, values: distinct(size(s.x)) }],
      build: (x) => o.maxPool2d(x, s.opts),
    },
    {
      op: "max_pool2d_grad",
      name: `${label} (x gets zero gradient)`,
      inputs: [{ shape: s.x, values: distinct(size(s.x)) }, { shape: s.y }],
      build: (x, dy) => o.maxPool2dGrad(x, dy, s.opts),
    },
    {
      op: "max_pool2d_gather",
      name: `${label} (x gets zero gradient)`,
      inputs: [{ shape: s.x, values: distinct(size(s.x)) }, { shape: s.x }],
      build: (x, v) => o.maxPool2dGather(x, v, s.opts),
    },
  );
  for (const countIncludePad of [false, true]) {
    if (countIncludePad && !s.opts.padding) continue;
    const opts = { ...s.opts, countIncludePad };
    cases.push(
      {
        op: "avg_pool2d",
        name: `${label} countIncludePad ${countIncludePad}`,
        inputs: [{ shape: s.x }],
        build: (x) => o.avgPool2d(x, opts),
      },
      {
        op: "avg_pool2d_grad",
        name: `${label} countIncludePad ${countIncludePad}`,
        inputs: [{ shape: s.y }],
        build: (dy) => o.avgPool2dGrad(dy, s.x, opts),
      },
    );
  }
}
