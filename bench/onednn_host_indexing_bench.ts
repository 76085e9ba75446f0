/**
 * ns per output element of the onednn-cpu indexing host kernels
 * (backends/onednn/host/indexing.ts) against the reference kernels
 * (backends/reference/kernels/indexing.ts), at the sizes a vit_micro step
 * meets (class-token and qkv slices of [128,50,96] / [128,50,288], their
 * gradients, the class-token concat), DPA's label gathers on [classes, C]
 * tables, and a GCN's edge gathers/scatters on [edges, features]. Each
 * kernel runs a few times to warm up, then the median of `REPS` timed runs is
 * reported; the two outputs are checked equal (NaN = NaN). First every
 * reference indexing kernel runs on small f32 / i32 / bool inputs, so that
 * its shared loops see several array types, as in a process that slices
 * masks or indices too (`POLLUTE=0` skips it: the reference loops then see
 * f32 only, its best case, which the host kernels' decline rules are set
 * against). `FILTER=slice` runs the cases whose name contains "slice"; the
 * machine's load shows in the numbers, so compare a case over a few runs. Run: `deno run -A bench/onednn_host_indexing_bench.ts`.
 * @module
 */
import { INDEXING_HOST_KERNELS } from "../backends/onednn/host/indexing.ts";
import type { HostKernel } from "../backends/onednn/kernel.ts";
import type { Tensor } from "../core/graph.ts";
import * as o from "../core/ops.ts";
import { type Build, hostVsReference, polluteReference, type Spec } from "./kernel_timing.ts";

const WARM = Number(Deno.env.get("WARM") ?? 5);
const REPS = 15;

const f = (...s: number[]): Spec => [s, "f32"];
const ids = (n: number, bound: number): Spec => [[n], "i32", bound];

const CASES: [string, Spec[], (...t: Tensor[]) => Tensor][] = [
  ["slice [128,50,96] [:,0:1]", [f(128, 50, 96)], (x) => o.slice(x, [0, 0, 0], [128, 1, 96])],
  ["slice [128,50,384] [:,0:1]", [f(128, 50, 384)], (x) => o.slice(x, [0, 0, 0], [128, 1, 384])],
  [
    "slice [3,128,3,50,32] [1:2]",
    [f(3, 128, 3, 50, 32)],
    (x) => o.slice(x, [1, 0, 0, 0, 0], [2, 128, 3, 50, 32]),
  ],
  ["slice [128,50,96] [:,1:]", [f(128, 50, 96)], (x) => o.slice(x, [0, 1, 0], [128, 50, 96])],
  [
    "slice [128,50,288] [...,96:192]",
    [f(128, 50, 288)],
    (x) => o.slice(x, [0, 0, 96], [128, 50, 192]),
  ],
  [
    "slice [128,4,50,16] [...,::2]",
    [f(128, 4, 50, 16)],
    (x) => o.slice(x, [0, 0, 0, 0], [128, 4, 50, 16], [1, 1, 1, 2]),
  ],
  ["slice [4096,10] [:,2:9]", [f(4096, 10)], (x) => o.slice(x, [0, 2], [4096, 9])],
  [
    "slice_grad [128,1,96] → [128,50,96]",
    [f(128, 1, 96)],
    (g) => o.sliceGrad(g, [128, 50, 96], [0, 0, 0]),
  ],
  [
    "slice_grad [128,1,384] → [128,50,384]",
    [f(128, 1, 384)],
    (g) => o.sliceGrad(g, [128, 50, 384], [0, 0, 0]),
  ],
  [
    "slice_grad [128,49,96] → [128,50,96]",
    [f(128, 49, 96)],
    (g) => o.sliceGrad(g, [128, 50, 96], [0, 1, 0]),
  ],
  [
    "slice_grad [128,50,96] → [128,50,288]",
    [f(128, 50, 96)],
    (g) => o.sliceGrad(g, [128, 50, 288], [0, 0, 96]),
  ],
  [
    "concat [128,1,96] + [128,49,96] axis 1",
    [f(128, 1, 96), f(128, 49, 96)],
    (a, b) => o.concat([a, b], 1),
  ],
  [
    "concat 3 × [128,50,96] axis 2",
    [f(128, 50, 96), f(128, 50, 96), f(128, 50, 96)],
    (a, b, c) => o.concat([a, b, c], 2),
  ],
  [
    "concat [4096,7] + [4096,9] axis 1",
    [f(4096, 7), f(4096, 9)],
    (a, b) => o.concat([a, b], 1),
  ],
  [
    "pad [128,1,28,28] by 2",
    [f(128, 1, 28, 28)],
    (x) => o.pad(x, [[0, 0], [0, 0], [2, 2], [2, 2]]),
  ],
  ["pad [60000] → [60025]", [f(60000)], (x) => o.pad(x, [[0, 25]])],
  ["gather [10,96] by [128] axis 0", [f(10, 96), ids(128, 10)], (t, i) => o.gather(t, i, 0)],
  [
    "gather [10,96,7,7] by [128] axis 0",
    [f(10, 96, 7, 7), ids(128, 10)],
    (t, i) => o.gather(t, i, 0),
  ],
  [
    "gather [2708,16] by [10556] axis 0",
    [f(2708, 16), ids(10556, 2708)],
    (t, i) => o.gather(t, i, 0),
  ],
  [
    "gather [2708,64] by [10556] axis 0",
    [f(2708, 64), ids(10556, 2708)],
    (t, i) => o.gather(t, i, 0),
  ],
  [
    "scatter_add [128,96] → [10,96]",
    [f(128, 96), ids(128, 10)],
    (u, i) => o.scatterAdd(u, i, 0, 10),
  ],
  [
    "scatter_add [10556,16] → [2708,16]",
    [f(10556, 16), ids(10556, 2708)],
    (u, i) => o.scatterAdd(u, i, 0, 2708),
  ],
  [
    "scatter_add [10556,64] → [2708,64]",
    [f(10556, 64), ids(10556, 2708)],
    (u, i) => o.scatterAdd(u, i, 0, 2708),
  ],
  ["one_hot [128] depth 10", [ids(128, 10)], (i) => o.oneHot(i, 10)],
  ["one_hot [4096] depth 100", [ids(4096, 100)], (i) => o.oneHot(i, 100)],
];

/** Run every reference indexing kernel on small inputs of each dtype it takes. */
function polluteIndexing(): void {
  const builds: [Spec[], Build][] = [];
  for (const dtype of ["f32", "i32", "bool"] as const) {
    const s = (...shape: number[]): Spec => [shape, dtype];
    builds.push(
      [[s(6, 7)], (x) => o.slice(x, [1, 0], [5, 7], [2, 1])],
      [[s(3, 7)], (g) => o.sliceGrad(g, [6, 7], [1, 0], [2, 1])],
      [[s(3, 4), s(3, 5)], (a, b) => o.concat([a, b], 1)],
      [[s(3, 4)], (x) => o.pad(x, [[1, 0], [2, 1]])],
      [[s(5, 8), ids(9, 5)], (t, i) => o.gather(t, i, 0)],
      [[s(5, 40), ids(9, 5)], (t, i) => o.gather(t, i, 0)],
    );
    if (dtype !== "bool") builds.push([[s(9, 8), ids(9, 5)], (u, i) => o.scatterAdd(u, i, 0, 5)]);
  }
  builds.push([[ids(9, 5)], (i) => o.oneHot(i, 5)]);
  polluteReference(builds);
}

if (Deno.env.get("POLLUTE") !== "0") polluteIndexing();
const only = Deno.env.get("FILTER") ?? "";
hostVsReference(
  CASES.filter(([name]) => name.includes(only)),
  (node, inputs) => {
    if (!(node.op in INDEXING_HOST_KERNELS)) return "no host kernel";
    const kernel: HostKernel = INDEXING_HOST_KERNELS[node.op];
    return kernel(node, inputs) ?? "declines";
  },
  WARM,
  REPS,
);
