/**
 * WebGPU backend against reference and ort-cpu (when available) in the same
 * run: a 1024×1024×1024 matmul (2.15 GFLOP; operands in state, a scalar read
 * back) and a full `convnet` training step (forward, backward, AdamW; batch
 * 16 of 3×32×32). Prints GFLOP/s, img/s and ratios to webgpu once, then
 * registers the runs with `Deno.bench`.
 * Run: `XDG_RUNTIME_DIR=/tmp deno bench --allow-all bench/webgpu_bench.ts`.
 */
import { referenceBackend } from "../backends/reference/mod.ts";
import { webgpuBackend } from "../backends/webgpu/mod.ts";
import { ortCpuBackend } from "../backends/ort/mod.ts";
import type { Backend, Executable } from "../backends/backend.ts";
import { Graph } from "../core/graph.ts";
import { type HostTensor, hostTensor, sizeOf } from "../core/host_tensor.ts";
import { matmul, sum } from "../core/ops.ts";
import { trainStepRunner } from "./train_step.ts";

const N = 1024;
const FLOP = 2 * N ** 3;
const BATCH = 16;
const IMAGE: [number, number, number] = [3, 32, 32];

function random(n: number, seed: number): Float32Array {
  const data = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 4294967296 - 0.5;
  }
  return data;
}

function randomTensor(shape: number[], seed: number): HostTensor {
  return hostTensor("f32", shape, random(sizeOf(shape), seed));
}

async function matmulExe(backend: Backend): Promise<Executable> {
  const g = new Graph();
  g.output("s", sum(matmul(g.state("a", [N, N]), g.state("b", [N, N]))));
  const exe = await backend.compile(g);
  await exe.writeState({ a: randomTensor([N, N], 1), b: randomTensor([N, N], 2) });
  await exe.run({}); // warm-up: pipeline compilation, first-touch allocation
  return exe;
}

async function trainStep(backend: Backend): Promise<() => Promise<unknown>> {
  const { step } = await trainStepRunner(backend, {
    model: "convnet",
    activation: "relu",
    batch: BATCH,
    image: IMAGE,
    classes: 10,
  });
  await step(); // warm-up
  return step;
}

async function perSecond(run: () => Promise<unknown>, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await run();
  return reps / ((performance.now() - t0) / 1000);
}

const backends: { backend: Backend; reason: string }[] = [];
for (const backend of [webgpuBackend, ortCpuBackend, referenceBackend]) {
  const a = await backend.probe();
  if (a.available) backends.push({ backend, reason: a.reason });
  else console.log(`${backend.name} unavailable, skipped: ${a.reason}\n  fix: ${a.fix}`);
}

const rows: { name: string; gflops: number; imgs: number; reason: string }[] = [];
for (const { backend, reason } of backends) {
  const mm = await matmulExe(backend);
  const gflops = (await perSecond(() => mm.run({}), backend === referenceBackend ? 1 : 3)) *
    FLOP / 1e9;
  const step = await trainStep(backend);
  const imgs = (await perSecond(step, backend === referenceBackend ? 1 : 3)) * BATCH;
  rows.push({ name: backend.name, gflops, imgs, reason });
  Deno.bench({
    name: `${backend.name} matmul ${N}³ (2.15 GFLOP)`,
    group: "matmul 1024³",
    baseline: backend === webgpuBackend,
    n: backend === referenceBackend ? 2 : 5,
    async fn() {
      await mm.run({});
    },
  });
  Deno.bench({
    name: `${backend.name} convnet train step, batch ${BATCH} of ${IMAGE.join("×")}`,
    group: "convnet train step",
    baseline: backend === webgpuBackend,
    n: backend === referenceBackend ? 2 : 5,
    async fn() {
      await step();
    },
  });
}
const gpu = rows.find((r) => r.name === "webgpu");
console.log(
  "| backend | matmul 1024³ GFLOP/s (webgpu ÷ it) | convnet step img/s (webgpu ÷ it) | device |",
);
console.log("| --- | --- | --- | --- |");
for (const r of rows) {
  const ratio = (a: number, b: number | undefined) => (b ? ` (${(b / a).toFixed(2)}×)` : "");
  console.log(
    `| ${r.name} | ${r.gflops.toFixed(2)}${
      r.name === "webgpu" ? "" : ratio(r.gflops, gpu?.gflops)
    } | ${r.imgs.toFixed(1)}${r.name === "webgpu" ? "" : ratio(r.imgs, gpu?.imgs)} | ${r.reason} |`,
  );
}
