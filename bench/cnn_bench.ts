/**
 * ort-cpu training throughput of the CNN family in its CIFAR geometry
 * (3×32×32, 10 classes, batch 64) — alexnet, vgg11, resnet32, mobilenet_v2,
 * shufflenet_v2 — for relu and dpa, against the PyTorch peer of the same
 * architecture (`bench/peers/cnn_family.py`: torchvision's models changed as
 * actlab's CIFAR geometry changes them, parameter counts asserted equal) in
 * the same run. Prints the machine, ORT's lone-matmul GFLOP/s, img/s,
 * actlab ÷ PyTorch and DPA's step ÷ ReLU's.
 * Run: `deno run -A bench/cnn_bench.ts`; `ACTLAB_CNN_MODELS=mobilenet_v2,resnet32`
 * restricts the models, `ACTLAB_CNN_BLOCKS` / `ACTLAB_CNN_ROUNDS` (default 2 / 1:
 * alternating processes × rounds of 5 steps) and `ACTLAB_CNN_PEER_STEPS`
 * (default 5) trade precision for time on a loaded machine.
 * @module
 */
import { ortCpuBackend } from "../backends/ort/mod.ts";
import {
  header,
  measureSteps,
  ortMatmulGflops,
  type PeerResult,
  pytorchPeer,
  TABLE_HEADER,
  tableRows,
} from "./peer_bench.ts";

const env = (k: string, d: string) => Deno.env.get(k) ?? d;
const MODELS = env("ACTLAB_CNN_MODELS", "alexnet,vgg11,resnet32,mobilenet_v2,shufflenet_v2")
  .split(",");
const ACTIVATIONS = ["relu", "dpa"];
const BATCH = 64;
const IMAGE: [number, number, number] = [3, 32, 32];
const CLASSES = 10;
const BLOCKS = Number(env("ACTLAB_CNN_BLOCKS", "2"));
const ROUNDS = Number(env("ACTLAB_CNN_ROUNDS", "1"));
const PEER_STEPS = Number(env("ACTLAB_CNN_PEER_STEPS", "5"));

const available = await ortCpuBackend.probe();
if (!available.available) {
  console.log(`ort-cpu unavailable: ${available.reason}\n  fix: ${available.fix}`);
} else {
  const rows: string[] = [];
  let firstPeer: PeerResult[] | string = "not run";
  for (const model of MODELS) {
    const spec = { model, batch: BATCH, image: IMAGE, classes: CLASSES };
    // The peer first, while no ORT thread pool competes with it for the cores.
    const peer = await pytorchPeer(spec, ACTIVATIONS, PEER_STEPS);
    if (firstPeer === "not run" || typeof firstPeer === "string") firstPeer = peer;
    const runners = await measureSteps(spec, ACTIVATIONS, BLOCKS, ROUNDS);
    const lines = tableRows(model, BATCH, runners, peer);
    for (const l of lines) console.log(l); // as they come: a long run shows progress
    rows.push(...lines);
  }
  const gflops = await ortMatmulGflops();
  console.log(
    `\nCNN family, CIFAR geometry, batch ${BATCH} of ${IMAGE.join("×")}, ${CLASSES} classes`,
  );
  console.log(header(gflops, firstPeer));
  console.log(TABLE_HEADER);
  for (const r of rows) console.log(r);
}
