/**
 * ort-cpu training throughput on the small models a user runs first —
 * `vit_micro`, `convnet` and `mlp` on Fashion-MNIST-shaped batches (1×28×28,
 * 10 classes, batch 128) — for relu, gelu and dpa, against the PyTorch peer
 * on the same architecture and recipe in the same run. These steps are bound
 * by per-op overhead more than by GEMMs, so this is where the framework's own
 * cost shows. Prints the machine, ORT's lone-matmul GFLOP/s, img/s,
 * actlab ÷ PyTorch and DPA's step ÷ ReLU's.
 * Run: `deno bench --allow-all bench/small_bench.ts` (part of `deno task bench`);
 * `ACTLAB_SMALL_MODELS=vit_micro` restricts the models.
 */
import { ortCpuBackend } from "../backends/ort/mod.ts";
import {
  header,
  interleave,
  ortMatmulGflops,
  type PeerResult,
  pytorchPeer,
  type StepRunner,
  stepRunner,
  TABLE_HEADER,
  tableRows,
} from "./peer_bench.ts";

const MODELS = (Deno.env.get("ACTLAB_SMALL_MODELS") ?? "vit_micro,convnet,mlp").split(",");
const ACTIVATIONS = ["relu", "gelu", "dpa"];
const BATCH = 128;
const IMAGE: [number, number, number] = [1, 28, 28];
const CLASSES = 10;
/** Rounds of 5 steps per activation; the fast models get more to outlast timer noise. */
const ROUNDS: Record<string, number> = { vit_micro: 5, convnet: 7, mlp: 40 };
const PEER_STEPS: Record<string, number> = { vit_micro: 10, convnet: 15, mlp: 200 };

const available = await ortCpuBackend.probe();
if (!available.available) {
  console.log(`ort-cpu unavailable: ${available.reason}\n  fix: ${available.fix}`);
} else {
  const rows: string[] = [];
  let firstPeer: PeerResult[] | string = "not run";
  const all: StepRunner[] = [];
  for (const model of MODELS) {
    const spec = { model, batch: BATCH, image: IMAGE, classes: CLASSES };
    // The peer first, while no ORT thread pool of this model competes for the cores.
    const peer = await pytorchPeer(spec, ACTIVATIONS, PEER_STEPS[model] ?? 10);
    if (firstPeer === "not run") firstPeer = peer;
    const runners: StepRunner[] = [];
    for (const a of ACTIVATIONS) runners.push(await stepRunner(spec, a));
    await interleave(runners, ROUNDS[model] ?? 5);
    rows.push(...tableRows(model, BATCH, runners, peer));
    all.push(...runners);
  }
  const gflops = await ortMatmulGflops();
  console.log(`\nsmall models, batch ${BATCH} of ${IMAGE.join("×")}, ${CLASSES} classes`);
  console.log(header(gflops, firstPeer));
  console.log(TABLE_HEADER);
  for (const r of rows) console.log(r);
  MODELS.forEach((model, m) => {
    for (const run of all.slice(m * ACTIVATIONS.length, (m + 1) * ACTIVATIONS.length)) {
      Deno.bench({
        name: `ort-cpu ${model} × ${run.activation} train step, batch ${BATCH}`,
        group: `${model} train step`,
        baseline: run.activation === "relu",
        n: 5,
        warmup: 0,
        fn: async () => {
          await run.step();
        },
      });
    }
  });
}
