/** Gradient-check cases for matmul: every transpose-flag combination, batching, broadcasting. */
import * as o from "../../core/ops.ts";
import type { GradCase } from "../gradcheck.ts";

/** Stored operand shape of a logical [rows, cols] matrix read with transpose flag `t`. */
function stored(batch: number[], rows: number, cols: number, t: boolean): number[] {
  return [...batch, ...(t ? [cols, rows] : [rows, cols])];
}

const flagCases: GradCase[] = [];
for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    // Logical [3,4]·[4,5] in 2-D, then batched [2,3,4]·[4,5] with a shared B.
    for (const [ba, bb] of [[[], []], [[2], []]] as const) {
      flagCases.push({
        op: "matmul",
        name: `transA ${transA} transB ${transB}: ${
          JSON.stringify(stored([...ba], 3, 4, transA))
        } x ${JSON.stringify(stored([...bb], 4, 5, transB))}`,
        inputs: [
          { shape: stored([...ba], 3, 4, transA) },
          { shape: stored([...bb], 4, 5, transB) },
        ],
        build: (a, b) => o.matmul(a, b, transA, transB),
      });
    }
  }
}

export const cases: GradCase[] = [
  ...flagCases,
  {
    op: "matmul",
    name: "broadcast batch [2,1,3,4] x [3,4,5]",
    inputs: [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 5] }],
    build: (a, b) => o.matmul(a, b),
  },
  {
    op: "matmul",
    name: "broadcast batch, both transposed [2,1,4,3] x [3,5,4]",
    inputs: [{ shape: [2, 1, 4, 3] }, { shape: [3, 5, 4] }],
    build: (a, b) => o.matmul(a, b, true, true),
  },
  {
    op: "matmul",
    name: "shared A [3,4] x batched [2,4,5]",
    inputs: [{ shape: [3, 4] }, { shape: [2, 4, 5] }],
    build: (a, b) => o.matmul(a, b),
  },
  {
    op: "matmul",
    name: "2-D [5,1] x [1,3] (outer product)",
    inputs: [{ shape: [5, 1] }, { shape: [1, 3] }],
    build: (a, b) => o.matmul(a, b),
  },
];
