/** Gradient-check cases for movement ops. */
import * as o from "../../core/ops.ts";
import type { GradCase } from "../gradcheck.ts";

export const cases: GradCase[] = [
  {
    op: "reshape",
    name: "[2,3,4] -> [6,-1]",
    inputs: [{ shape: [2, 3, 4] }],
    build: (x) => o.reshape(x, [6, -1]),
  },
  {
    op: "transpose",
    name: "perm [2,0,1]",
    inputs: [{ shape: [2, 3, 4] }],
    build: (x) => o.transpose(x, [2, 0, 1]),
  },
  {
    op: "transpose",
    name: "default reverse",
    inputs: [{ shape: [2, 3] }],
    build: (x) => o.transpose(x),
  },
  {
    op: "broadcast_to",
    name: "[3,1] -> [2,3,4]",
    inputs: [{ shape: [3, 1] }],
    build: (x) => o.broadcastTo(x, [2, 3, 4]),
  },
  {
    op: "broadcast_to",
    name: "[] -> [2,2]",
    inputs: [{ shape: [] }],
    build: (x) => o.broadcastTo(x, [2, 2]),
  },
];
