/**
 * `convnet` and `vit_micro` training steps (batch 16 of 3×32×32, ReLU, 10
 * classes) on `tfjs-wasm` and `ort-cpu` in the same run: prints a Markdown
 * table of img/s and registers the runs with `Deno.bench`. An unavailable
 * backend is reported and skipped.
 * @module
 */
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { tfjsWasmBackend } from "../backends/tfjs/mod.ts";
import type { Backend } from "../backends/backend.ts";
import { trainStepRunner } from "./train_step.ts";

const BATCH = 16;
const IMAGE: [number, number, number] = [3, 32, 32];
const MODELS = ["convnet", "vit_micro"] as const;
const REPS = 3;

async function stepOf(backend: Backend, model: string): Promise<() => Promise<unknown>> {
  const { step } = await trainStepRunner(backend, {
    model,
    activation: "relu",
    batch: BATCH,
    image: IMAGE,
    classes: 10,
  });
  await step(); // warm-up: first-touch allocation, WASM/ORT initialisation
  return step;
}

async function imgPerSec(step: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < REPS; i++) await step();
  return (REPS * BATCH) / ((performance.now() - t0) / 1000);
}

const backends: { backend: Backend; reason: string }[] = [];
for (const backend of [tfjsWasmBackend, ortCpuBackend]) {
  const a = await backend.probe();
  if (a.available) backends.push({ backend, reason: a.reason });
  else console.log(`${backend.name} unavailable, skipped: ${a.reason}\n  fix: ${a.fix}`);
}

const figures = new Map<string, number>();
for (const { backend } of backends) {
  for (const model of MODELS) {
    const step = await stepOf(backend, model);
    figures.set(`${backend.name}/${model}`, await imgPerSec(step));
    Deno.bench({
      name: `${backend.name} ${model} train step, batch ${BATCH} of ${IMAGE.join("×")}`,
      group: `${model} train step`,
      baseline: backend === ortCpuBackend,
      n: 3,
      async fn() {
        await step();
      },
    });
  }
}

console.log(
  `| train step img/s, batch ${BATCH} | ${
    backends.map((b) => b.backend.name).join(" | ")
  } | tfjs-wasm ÷ ort-cpu |`,
);
console.log(`| --- | ${backends.map(() => "---").join(" | ")} | --- |`);
for (const model of MODELS) {
  const cells = backends.map((b) => figures.get(`${b.backend.name}/${model}`)!.toFixed(1));
  const w = figures.get(`tfjs-wasm/${model}`), o = figures.get(`ort-cpu/${model}`);
  console.log(`| ${model} | ${cells.join(" | ")} | ${w && o ? (w / o).toFixed(3) : "n/a"} |`);
}
for (const { backend, reason } of backends) console.log(`${backend.name}: ${reason}`);
