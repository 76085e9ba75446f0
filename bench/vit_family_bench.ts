/**
 * ort-cpu training throughput of the DPA/DNRT papers' DeiT-Tiny (distilled)
 * and CaiT-XXS24 in their CIFAR geometry (patch 4, 3×32×32, 10 classes,
 * batch 64; forward, cross-entropy + plugin losses, backward, clipping,
 * AdamW) for relu and dpa, with the PyTorch peer of the same architectures
 * (`bench/peers/vit_family.py` through `pytorch_peer.py`) in the same run:
 * img/s, actlab ÷ PyTorch, DPA's step ÷ ReLU's, the machine and ORT's
 * lone-matmul GFLOP/s. Each actlab figure is the mean of one round of 5
 * steps per activation after 2 warm-up steps, in its own child process
 * (`peer_bench.ts`); PyTorch runs first, 3 timed steps after 2 warm-up
 * steps. (CaiT's step is ~2× ViT-Tiny's: the counts are kept small so the
 * whole table takes minutes, not an hour, on a 2-core machine.)
 * `ACTLAB_ORT_THREADS=n` sets both sides' threads (ORT's intra-op pool and
 * PyTorch's): on a shared machine one thread each avoids the collapse of
 * spinning thread pools under oversubscription.
 * Run: `deno bench --allow-all bench/vit_family_bench.ts` (part of `deno task bench`).
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

const MODELS = ["deit_tiny", "cait_xxs24"];
const ACTIVATIONS = ["relu", "dpa"];
const BATCH = 64;
const IMAGE: [number, number, number] = [3, 32, 32];
const CLASSES = 10;

const available = await ortCpuBackend.probe();
if (!available.available) {
  console.log(`ort-cpu unavailable: ${available.reason}\n  fix: ${available.fix}`);
} else {
  const specs = MODELS.map((model) => ({ model, batch: BATCH, image: IMAGE, classes: CLASSES }));
  // PyTorch first, while no ORT thread pool exists to compete with it for the cores.
  const peers: (PeerResult[] | string)[] = [];
  const threads = Number(Deno.env.get("ACTLAB_ORT_THREADS")) || undefined;
  for (const spec of specs) peers.push(await pytorchPeer(spec, ACTIVATIONS, 3, threads));
  const rows: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const runners = await measureSteps(spec, ACTIVATIONS, 1, 1);
    rows.push(...tableRows(spec.model, BATCH, runners, peers[i]));
  }
  const gflops = await ortMatmulGflops();
  console.log(
    `\nbatch ${BATCH} of ${IMAGE.join("×")}, ${CLASSES} classes (CIFAR geometry, patch 4)`,
  );
  console.log(header(gflops, peers[0]));
  console.log(TABLE_HEADER);
  for (const r of rows) console.log(r);
}
