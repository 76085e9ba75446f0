/**
 * ns per output element of the onednn-cpu host kernels (backends/onednn/host/)
 * against the reference kernels they replace, on ~2M-element tensors: the
 * layouts that dominate the vit_micro / convnet profiles (threshold, a
 * comparison, same-shape and broadcast `sub`, `where` with a scalar branch,
 * attention transposes, `broadcast_to`, `cast`). Each kernel runs a few times
 * to warm up, then the median of `REPS` timed runs is reported; the two
 * outputs are checked equal (NaN = NaN) so that a fast wrong kernel shows.
 * First every reference elementwise kernel runs on small f32 / i32 / bool
 * inputs, as a training step does: the reference's shared loops then call
 * many closures on several array types (megamorphic), as they do in a real
 * step — without this, whichever op runs first in a fresh process gets an
 * inlined, monomorphic reference loop no training step ever sees
 * (`POLLUTE=0` skips it, to show that best case). `FILTER=sub` runs the
 * cases whose name contains "sub"; `WARM=10` sets the warm-up runs (3).
 * Run: `deno run -A bench/onednn_host_bench.ts`.
 * @module
 */
import { ELEMENTWISE_HOST_KERNELS } from "../backends/onednn/host/elementwise.ts";
import { MOVEMENT_HOST_KERNELS } from "../backends/onednn/host/movement.ts";
import type { Tensor } from "../core/graph.ts";
import * as o from "../core/ops.ts";
import { type Build, hostVsReference, polluteReference, type Spec } from "./kernel_timing.ts";

const HOST = { ...ELEMENTWISE_HOST_KERNELS, ...MOVEMENT_HOST_KERNELS };
const WARM = Number(Deno.env.get("WARM") ?? 3);
const REPS = 9;

const f = (...s: number[]): Spec => [s, "f32"];

const CASES: [string, Spec[], (...t: Tensor[]) => Tensor][] = [
  ["threshold [2M]", [f(2 ** 21)], (x) => o.threshold(x, 0)],
  ["gt [2M] > [2M]", [f(2 ** 21), f(2 ** 21)], (a, b) => o.gt(a, b)],
  ["ge [2M] ≥ scalar", [f(2 ** 21), f()], (a, b) => o.ge(a, b)],
  ["sub [2M] − [2M]", [f(2 ** 21), f(2 ** 21)], (a, b) => o.sub(a, b)],
  ["sub row [2048,1024] − [1024]", [f(2048, 1024), f(1024)], (a, b) => o.sub(a, b)],
  [
    "sub column [128,4,50,50] − [128,4,50,1]",
    [f(128, 4, 50, 50), f(128, 4, 50, 1)],
    (a, b) => o.sub(a, b),
  ],
  [
    "mul middle axis [64,64,512] · [64,1,512]",
    [f(64, 64, 512), f(64, 1, 512)],
    (a, b) => o.mul(a, b),
  ],
  [
    "where [2M] ? [2M] : scalar",
    [[[2 ** 21], "bool"], f(2 ** 21), f()],
    (c, a, b) => o.where(c, a, b),
  ],
  ["cast f32 → bool [2M]", [f(2 ** 21)], (x) => o.cast(x, "bool")],
  ["broadcast_to [1024] → [2048,1024]", [f(1024)], (x) => o.broadcastTo(x, [2048, 1024])],
  [
    "transpose [128,4,50,16] perm [0,2,1,3]",
    [f(128, 4, 50, 16)],
    (x) => o.transpose(x, [0, 2, 1, 3]),
  ],
  [
    "transpose [128,4,50,16] perm [0,1,3,2]",
    [f(128, 4, 50, 16)],
    (x) => o.transpose(x, [0, 1, 3, 2]),
  ],
  ["broadcast_to [4096,1] → [4096,50]", [f(4096, 1)], (x) => o.broadcastTo(x, [4096, 50])],
  [
    "broadcast_to [64,32,1,1] → [64,32,16,16]",
    [f(64, 32, 1, 1)],
    (x) => o.broadcastTo(x, [64, 32, 16, 16]),
  ],
  ["transpose [1024,1024] perm [1,0]", [f(1024, 1024)], (x) => o.transpose(x, [1, 0])],
  ["transpose [8,256,1024] perm [1,0,2]", [f(8, 256, 1024)], (x) => o.transpose(x, [1, 0, 2])],
  ["transpose [128,50,64] perm [0,2,1]", [f(128, 50, 64)], (x) => o.transpose(x, [0, 2, 1])],
  ["sigmoid [2M]", [f(2 ** 21)], (x) => o.sigmoid(x)],
];

/** Run every reference elementwise kernel on small inputs of each dtype it takes. */
function polluteElementwise(): void {
  const binary = ["add", "sub", "mul", "div", "maximum", "minimum", "lt", "le", "gt", "ge", "eq"];
  const unary = ["neg", "abs", "sign", "square", "sqrt", "exp", "log", "tanh", "sigmoid"];
  const builds: [Spec[], Build][] = [];
  for (const dtype of ["f32", "i32"] as const) {
    for (const op of binary) {
      const bin = o[op as "add"];
      builds.push([[[[64], dtype], [[64], dtype]], bin], [[[[8, 8], dtype], [[8], dtype]], bin]);
    }
    for (const op of ["neg", "abs", "sign", "square"] as const) {
      builds.push([[[[64], dtype]], o[op]]);
    }
  }
  for (const op of unary) builds.push([[f(64)], o[op as "neg"]]);
  builds.push([[f(64)], (x) => o.threshold(x, 0)], [[f(64)], (x) => o.pow(x, 2)]);
  builds.push([[[[64], "bool"], [[64], "bool"]], o.eq]);
  polluteReference(builds);
}

if (Deno.env.get("POLLUTE") !== "0") polluteElementwise();
const only = Deno.env.get("FILTER") ?? "";
hostVsReference(
  CASES.filter(([name]) => name.includes(only)),
  (node, inputs) => HOST[node.op](node, inputs) ?? "declines",
  WARM,
  REPS,
);
