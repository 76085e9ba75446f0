/**
 * ns per input element of the onednn-cpu host kernels against the reference
 * kernels they must equal bit for bit (backends/onednn/host/{reduce,pool,
 * softmax,layer_norm}.ts), at the sizes the convnet (batch 64, 3×32×32) and
 * vit_micro (batch 128, 1×28×28) profiles run them: a 2×2 max pool of
 * [64,32,32,32] and its gradient, batch-norm statistics (sum/mean over
 * [0,2,3]), a bias gradient (sum over axis 0), vit_micro's attention softmax
 * [128,4,50,50] over its last axis, layer norm [128,50,64], and the
 * [128,50,96] reductions and layer norm vit_micro's step runs. Each kernel is
 * prepared once and timed as the best of 7 batches of runs, alternating with
 * the other kernel (the machine may be shared); the outputs are checked bit
 * for bit on the way. Single-threaded TypeScript, so the figure is per core.
 * Run: `deno run -A bench/onednn_host_reduce_bench.ts`.
 * @module
 */
import "../backends/onednn/host/mod.ts";
import { layerNormHostKernels } from "../backends/onednn/host/layer_norm.ts";
import { poolHostKernels } from "../backends/onednn/host/pool.ts";
import { reduceHostKernels } from "../backends/onednn/host/reduce.ts";
import { softmaxHostKernels } from "../backends/onednn/host/softmax.ts";
import type { HostKernel } from "../backends/onednn/kernel.ts";
import { getKernel, type KernelRun } from "../backends/reference/kernel.ts";
import "../backends/reference/kernels/mod.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { sizeOf } from "../core/host_tensor.ts";
import * as o from "../core/ops.ts";

const HOST: Readonly<Record<string, HostKernel>> = {
  ...reduceHostKernels,
  ...poolHostKernels,
  ...softmaxHostKernels,
  ...layerNormHostKernels,
};

const CNN = [64, 32, 32, 32];
const POOL = { kernel: 2, stride: 2 };
const CASES: [string, number[][], (...xs: Tensor[]) => Tensor][] = [
  ["max_pool2d 2×2 [64,32,32,32]", [CNN], (x) => o.maxPool2d(x, POOL)],
  ["max_pool2d_grad 2×2", [CNN, [64, 32, 16, 16]], (x, dy) => o.maxPool2dGrad(x, dy, POOL)],
  ["max_pool2d 3×3 s2 p1", [CNN], (x) => o.maxPool2d(x, { kernel: 3, stride: 2, padding: 1 })],
  ["avg_pool2d 2×2", [CNN], (x) => o.avgPool2d(x, POOL)],
  ["avg_pool2d_grad 2×2", [[64, 32, 16, 16]], (dy) => o.avgPool2dGrad(dy, CNN, POOL)],
  ["sum [64,32,32,32] axes [0,2,3]", [CNN], (x) => o.sum(x, [0, 2, 3])],
  ["mean [64,32,32,32] axes [0,2,3]", [CNN], (x) => o.mean(x, [0, 2, 3])],
  ["sum [6400,64] axis 0", [[6400, 64]], (x) => o.sum(x, [0])],
  ["sum [128,4,50,50] last axis", [[128, 4, 50, 50]], (x) => o.sum(x, [3])],
  ["max [128,4,50,50] last axis", [[128, 4, 50, 50]], (x) => o.max(x, [3], true)],
  ["softmax [128,4,50,50] last axis", [[128, 4, 50, 50]], (x) => o.softmax(x, -1)],
  ["log_softmax [128,4,50,50] axis 1", [[128, 4, 50, 50]], (x) => o.logSoftmax(x, 1)],
  ["layer_norm [128,50,64]", [[128, 50, 64]], (x) => o.layerNorm(x, 1)],
  ["mean [128,50,96] axis 2 (vit_micro)", [[128, 50, 96]], (x) => o.mean(x, [2], true)],
  ["sum [128,50,96] axes [0,1] (vit_micro)", [[128, 50, 96]], (x) => o.sum(x, [0, 1], true)],
  ["layer_norm [128,50,96] (vit_micro)", [[128, 50, 96]], (x) => o.layerNorm(x, 1, 1e-6)],
];

/** Runs per timed batch so that a batch takes about 50 ms. */
function calibrate(run: KernelRun, out: Float32Array, ins: Float32Array[]): number {
  for (let i = 0; i < 3; i++) run(out, ins);
  let reps = 1;
  for (let t = 0; t < 50 && reps < 1e6; reps *= 2) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) run(out, ins);
    t = performance.now() - t0;
  }
  return reps;
}

/** Best ns/element of each kernel over 7 alternating batches (the machine is shared). */
function timePair(
  runs: readonly [KernelRun, Float32Array][],
  ins: Float32Array[],
  elems: number,
): number[] {
  const reps = runs.map(([run, out]) => calibrate(run, out, ins));
  const best = runs.map(() => Infinity);
  for (let b = 0; b < 7; b++) {
    runs.forEach(([run, out], k) => {
      const t0 = performance.now();
      for (let i = 0; i < reps[k]; i++) run(out, ins);
      best[k] = Math.min(best[k], (performance.now() - t0) / reps[k]);
    });
  }
  return best.map((ms) => (ms * 1e6) / elems);
}

console.log("| op | elements | reference ns/el | host ns/el | speed-up |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, shapes, build] of CASES) {
  const g = new Graph();
  const node = g.nodes[build(...shapes.map((s, i) => g.input(`x${i}`, s))).id];
  const inputs = node.inputs.map((i) => g.nodes[i]);
  const ins = shapes.map((s) =>
    Float32Array.from({ length: sizeOf(s) }, () => Math.random() - 0.5)
  );
  const elems = Math.max(...shapes.map(sizeOf));
  const want = new Float32Array(sizeOf(node.shape));
  const got = new Float32Array(sizeOf(node.shape));
  const ref = getKernel(node.op)(node, inputs, false);
  const host = HOST[node.op](node, inputs);
  if (!host) throw new Error(`${name}: the host kernel declined`);
  ref(want, ins);
  host(got, ins);
  const a = new Uint32Array(want.buffer), b = new Uint32Array(got.buffer);
  if (a.some((v, i) => v !== b[i])) throw new Error(`${name}: host and reference differ`);
  const [r, h] = timePair([[ref, want], [host, got]], ins, elems);
  console.log(
    `| ${name} | ${elems} | ${r.toFixed(2)} | ${h.toFixed(2)} | ${(r / h).toFixed(1)}× |`,
  );
}
