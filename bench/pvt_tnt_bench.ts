/**
 * ort-cpu training throughput of `pvt_tiny` and `tnt_small` in their CIFAR
 * geometry (3×32×32, 10 classes, batch 64) for relu and dpa, against the
 * PyTorch peer of the same architectures (`bench/peers/pvt_tnt.py`) in the
 * same run. Prints the machine, ORT's lone-matmul GFLOP/s, img/s,
 * actlab ÷ PyTorch and DPA's step ÷ ReLU's.
 * Run: `deno run -A bench/pvt_tnt_bench.ts`; `ACTLAB_PEER_MODELS=tnt_small`
 * restricts the models; `ACTLAB_PEER_BLOCKS` (default 2) alternating
 * blocks of `ACTLAB_PEER_ROUNDS` (default 1) rounds of 5 steps per activation,
 * `ACTLAB_PEER_STEPS` (default 5) timed PyTorch steps: TNT-S's step is
 * ~0.5 TFLOP, tens of seconds on a small shared CPU. Each model's rows print
 * as soon as it is measured.
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

const MODELS = (Deno.env.get("ACTLAB_PEER_MODELS") ?? "pvt_tiny,tnt_small").split(",");
const ROUNDS = Number(Deno.env.get("ACTLAB_PEER_ROUNDS") ?? "1");
const BLOCKS = Number(Deno.env.get("ACTLAB_PEER_BLOCKS") ?? "2");
const PEER_STEPS = Number(Deno.env.get("ACTLAB_PEER_STEPS") ?? "5");
const ACTIVATIONS = ["relu", "dpa"];
const BATCH = 64;
const IMAGE: [number, number, number] = [3, 32, 32];
const CLASSES = 10;

const available = await ortCpuBackend.probe();
if (!available.available) {
  console.log(`ort-cpu unavailable: ${available.reason}\n  fix: ${available.fix}`);
} else {
  const gflops = await ortMatmulGflops();
  console.log(`\nPVT-Tiny and TNT-S, batch ${BATCH} of ${IMAGE.join("×")}, ${CLASSES} classes`);
  let first = true;
  for (const model of MODELS) {
    const spec = { model, batch: BATCH, image: IMAGE, classes: CLASSES };
    // The peer first, while no ORT thread pool competes with it for the cores.
    const peer: PeerResult[] | string = await pytorchPeer(spec, ACTIVATIONS, PEER_STEPS);
    const runners = await measureSteps(spec, ACTIVATIONS, BLOCKS, ROUNDS);
    if (first) console.log(`${header(gflops, peer)}\n${TABLE_HEADER}`);
    first = false;
    for (const r of tableRows(model, BATCH, runners, peer)) console.log(r);
  }
}
