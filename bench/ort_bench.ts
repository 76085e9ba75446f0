/**
 * ort-cpu and onednn-cpu training throughput on `vit_tiny` (patch 4, 3×32×32, 100 classes,
 * batch 64; forward, cross-entropy + plugin losses, backward, clipping,
 * AdamW) for relu and dpa, with PyTorch on the same architecture side by side
 * in the same run when Debian's python3-torch is installed
 * (`bench/peers/pytorch_peer.py`). Prints the machine, img/s, achieved
 * GFLOP/s (matmul and conv work of the step graph) against ORT's lone-matmul
 * GFLOP/s, actlab ÷ PyTorch per activation, and DPA's step ÷ ReLU's.
 * Run: `deno bench --allow-all bench/ort_bench.ts` (part of `deno task bench`);
 * `ACTLAB_SMALL_BACKENDS=onednn-cpu` restricts the backends.
 */
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { availableBackends } from "./bench_backends.ts";
import {
  header,
  measureSteps,
  ortMatmulGflops,
  pytorchPeer,
  TABLE_HEADER,
  tableRows,
} from "./peer_bench.ts";

const SPEC = { model: "vit_tiny", batch: 64, image: [3, 32, 32], classes: 100 } as const;
const ACTIVATIONS = ["relu", "dpa"];

const BACKENDS = await availableBackends(
  (Deno.env.get("ACTLAB_SMALL_BACKENDS") ?? "ort-cpu,onednn-cpu").split(","),
);
if (BACKENDS.length > 0) {
  // PyTorch first, while no ORT thread pool exists to compete with it for the cores.
  const spec = { ...SPEC, image: [...SPEC.image] as [number, number, number] };
  const peer = await pytorchPeer(spec, ACTIVATIONS, 6);
  const runners = [];
  for (const b of BACKENDS) runners.push(...await measureSteps(spec, ACTIVATIONS, 2, 3, b));
  const gflops = (await ortCpuBackend.probe()).available ? await ortMatmulGflops() : NaN;
  console.log(
    `\n${SPEC.model}, batch ${SPEC.batch} of ${SPEC.image.join("×")}, ${SPEC.classes} classes`,
  );
  console.log(header(gflops, peer));
  console.log(TABLE_HEADER);
  for (const r of tableRows(SPEC.model, SPEC.batch, runners, peer)) console.log(r);
}
