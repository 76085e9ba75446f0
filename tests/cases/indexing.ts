/** Gradient-check cases for indexing ops: slice, slice_grad, concat, pad, gather, scatter_add. */
import * as o from "../../core/ops.ts";
import type { GradCase } from "../gradcheck.ts";

/** An i32 indices input with fixed values (repeats make scatter_add accumulate). */
function ids(shape: number[], values: number[]) {
  return { shape, dtype: "i32" as const, values };
}

export const cases: GradCase[] = [
  {
    op: "slice",
    name: "[4,5] negative bounds, step 2 on axis 1",
    inputs: [{ shape: [4, 5] }],
    build: (x) => o.slice(x, [-3, 0], [-1, 5], [1, 2]),
  },
  {
    op: "slice",
    name: "[7,3,2] step 3 on axis 0, clamped end",
    inputs: [{ shape: [7, 3, 2] }],
    build: (x) => o.slice(x, [1, 0, -1], [100, 3, 2], [3, 1, 1]),
  },
  {
    op: "slice",
    name: "[2,6,5] steps 2 and 3, negative start",
    inputs: [{ shape: [2, 6, 5] }],
    build: (x) => o.slice(x, [0, -6, 1], [2, 6, -1], [1, 2, 3]),
  },
  {
    op: "slice_grad",
    name: "[2,3] into [5,7] from [1,0] steps [2,3]",
    inputs: [{ shape: [2, 3] }],
    build: (dy) => o.sliceGrad(dy, [5, 7], [1, 0], [2, 3]),
  },
  {
    op: "slice_grad",
    name: "[3,1,2] into [3,4,6] default steps",
    inputs: [{ shape: [3, 1, 2] }],
    build: (dy) => o.sliceGrad(dy, [3, 4, 6], [0, 2, 3]),
  },
  // Three inputs whose lengths along the joined axis differ (1, 3, 2).
  ...[0, 1, 2, -1].map((axis): GradCase => {
    const ax = axis < 0 ? axis + 3 : axis;
    const shapes = [1, 3, 2].map((len) => [2, 3, 4].map((d, i) => (i === ax ? len : d)));
    return {
      op: "concat",
      name: `3 inputs along axis ${axis}: ${JSON.stringify(shapes)}`,
      inputs: shapes.map((shape) => ({ shape })),
      build: (a, b, c) => o.concat([a, b, c], axis),
    };
  }),
  {
    op: "pad",
    name: "[2,3] pads [[1,2],[0,3]] value 0.5",
    inputs: [{ shape: [2, 3] }],
    build: (x) => o.pad(x, [[1, 2], [0, 3]], 0.5),
  },
  {
    op: "pad",
    name: "[2,3,4] pads on axes 1 and 2",
    inputs: [{ shape: [2, 3, 4] }],
    build: (x) => o.pad(x, [[0, 0], [2, 1], [1, 1]]),
  },
  {
    op: "gather",
    name: "axis 0, repeated indices",
    inputs: [{ shape: [4, 3] }, ids([5], [2, 0, 2, 3, 2])],
    build: (x, i) => o.gather(x, i, 0),
  },
  {
    op: "gather",
    name: "axis 1, 2-D indices with repeats",
    inputs: [{ shape: [2, 4, 3] }, ids([2, 3], [1, 1, 3, 0, 1, 2])],
    build: (x, i) => o.gather(x, i, 1),
  },
  {
    op: "gather",
    name: "axis -1 (last), repeated indices",
    inputs: [{ shape: [3, 5] }, ids([4], [4, 4, 0, 1])],
    build: (x, i) => o.gather(x, i, -1),
  },
  {
    op: "scatter_add",
    name: "axis 0, repeated indices",
    inputs: [{ shape: [5, 3] }, ids([5], [1, 0, 1, 3, 1])],
    build: (u, i) => o.scatterAdd(u, i, 0, 4),
  },
  {
    op: "scatter_add",
    name: "axis 1, 2-D indices",
    inputs: [{ shape: [2, 2, 3, 2] }, ids([2, 3], [0, 2, 2, 1, 0, 0])],
    build: (u, i) => o.scatterAdd(u, i, 1, 3),
  },
];
