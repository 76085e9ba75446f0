/**
 * ort-cpu and onednn-cpu training throughput on the small models a user runs first —
 * `vit_micro`, `convnet` and `mlp` on Fashion-MNIST-shaped batches (1×28×28,
 * 10 classes, batch 128) — for relu, gelu and dpa, against the PyTorch peer
 * on the same architecture and recipe in the same run. These steps are bound
 * by per-op overhead more than by GEMMs, so this is where the framework's own
 * cost shows. Prints the machine, ORT's lone-matmul GFLOP/s, img/s,
 * actlab ÷ PyTorch and DPA's step ÷ ReLU's.
 * Run: `deno bench --allow-all bench/small_bench.ts` (part of `deno task bench`);
 * `ACTLAB_SMALL_MODELS=vit_micro` restricts the models, `ACTLAB_SMALL_BACKENDS=onednn-cpu`
 * the backends.
 */
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { availableBackends } from "./bench_backends.ts";
import {
  header,
  measureSteps,
  ortMatmulGflops,
  type PeerResult,
  pytorchPeer,
  TABLE_HEADER,
  tableRows,
} from "./peer_bench.ts";

const MODELS = (Deno.env.get("ACTLAB_SMALL_MODELS") ?? "vit_micro,convnet,mlp").split(",");
const ACTIVATIONS = ["relu", "gelu", "dpa"];
const BATCH = 128;
const IMAGE: [number, number, number] = [1, 28, 28];
const CLASSES = 10;
/** Rounds of 5 steps per activation and process; the fast models get more to outlast timer noise. */
const ROUNDS: Record<string, number> = { vit_micro: 3, convnet: 4, mlp: 30 };
const PEER_STEPS: Record<string, number> = { vit_micro: 10, convnet: 15, mlp: 200 };

const BACKENDS = await availableBackends(
  (Deno.env.get("ACTLAB_SMALL_BACKENDS") ?? "ort-cpu,onednn-cpu").split(","),
);
if (BACKENDS.length > 0) {
  const rows: string[] = [];
  let firstPeer: PeerResult[] | string = "not run";
  for (const model of MODELS) {
    const spec = { model, batch: BATCH, image: IMAGE, classes: CLASSES };
    // The peer first, while no ORT thread pool competes with it for the cores.
    const peer = await pytorchPeer(spec, ACTIVATIONS, PEER_STEPS[model] ?? 10);
    if (firstPeer === "not run") firstPeer = peer;
    for (const backend of BACKENDS) {
      const runners = await measureSteps(spec, ACTIVATIONS, 2, ROUNDS[model] ?? 3, backend);
      rows.push(...tableRows(model, BATCH, runners, peer));
    }
  }
  const gflops = (await ortCpuBackend.probe()).available ? await ortMatmulGflops() : NaN;
  console.log(`\nsmall models, batch ${BATCH} of ${IMAGE.join("×")}, ${CLASSES} classes`);
  console.log(header(gflops, firstPeer));
  console.log(TABLE_HEADER);
  for (const r of rows) console.log(r);
}
