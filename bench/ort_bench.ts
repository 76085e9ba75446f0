/**
 * ort-cpu training throughput on `vit_tiny` (patch 4, 3×32×32, 100 classes,
 * batch 64; forward, cross-entropy + plugin losses, backward, clipping,
 * AdamW) for relu and dpa, with PyTorch on the same architecture side by side
 * in the same run when Debian's python3-torch is installed
 * (`bench/peers/pytorch_vit.py`). Prints img/s, achieved GFLOP/s (matmul and
 * conv work of the step graph) and the ratios the ORT issue targets:
 * actlab ÷ PyTorch per activation, and actlab's DPA step ÷ its ReLU step.
 * Run: `deno bench --allow-all bench/ort_bench.ts` (part of `deno task bench`).
 */
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { contractionFlops } from "./graph_flops.ts";
import { trainStepRunner } from "./train_step.ts";

const MODEL = "vit_tiny";
const BATCH = 64;
const IMAGE: [number, number, number] = [3, 32, 32];
const CLASSES = 100;
const ACTIVATIONS = ["relu", "dpa"];
// DPA updates its memories every 5th step: whole rounds of 5 see the same mix.
const ROUND = 5;
const ROUNDS = 5;
const PYTHON = "/usr/bin/python3";

interface Runner {
  activation: string;
  flops: number;
  /** The planner's peak-bytes estimate of the step graph (buffers reused by liveness). */
  peakBytes: number;
  step: () => Promise<unknown>;
  times: number[];
}

async function runner(activation: string): Promise<Runner> {
  const { session, step } = await trainStepRunner(ortCpuBackend, {
    model: MODEL,
    activation,
    batch: BATCH,
    image: IMAGE,
    classes: CLASSES,
  });
  for (let i = 0; i < 2; i++) await step(); // warm-up: allocation, first touch
  return {
    activation,
    flops: contractionFlops(session.trainStep.graph),
    peakBytes: session.trainExe.stats().peakBytes,
    step,
    times: [],
  };
}

interface PeerResult {
  activation: string;
  img_per_s: number;
  threads: number;
  torch: string;
}

/** PyTorch's figures, or the reason there are none. */
async function pytorchPeer(): Promise<PeerResult[] | string> {
  const script = new URL("./peers/pytorch_vit.py", import.meta.url).pathname;
  try {
    const out = await new Deno.Command(PYTHON, {
      args: [script, "--activations", ACTIVATIONS.join(","), "--batch", String(BATCH)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").pop();
      return `the PyTorch peer failed (${err}); install it with ` +
        "`apt-get install -y python3-torch libopenblas0-openmp`";
    }
    return text.trim().split("\n").map((l) => JSON.parse(l) as PeerResult);
  } catch (e) {
    return `${PYTHON} could not be run (${e instanceof Error ? e.message : e})`;
  }
}

const available = await ortCpuBackend.probe();
if (!available.available) {
  console.log(`ort-cpu unavailable: ${available.reason}\n  fix: ${available.fix}`);
} else {
  // PyTorch first, while no ORT thread pool exists to compete with it for the cores.
  const peer = await pytorchPeer();
  const runners: Runner[] = [];
  for (const a of ACTIVATIONS) runners.push(await runner(a));
  // Interleave the activations round by round so drift hits both alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (const run of runners) {
      const t0 = performance.now();
      for (let i = 0; i < ROUND; i++) await run.step();
      run.times.push((performance.now() - t0) / ROUND);
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const relu = median(runners[0].times);
  console.log(
    `\n${MODEL}, batch ${BATCH} of ${IMAGE.join("×")}, ${CLASSES} classes — ${available.reason}` +
      (typeof peer === "string" ? `\nPyTorch: ${peer}` : `; PyTorch ${peer[0].torch}, ` +
        `${peer[0].threads} threads`),
  );
  console.log(
    "| activation | actlab ort-cpu img/s | GFLOP/s | step ÷ relu step | plan peak MiB | " +
      "PyTorch img/s | actlab ÷ PyTorch |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const run of runners) {
    const ms = median(run.times);
    const imgs = BATCH / ms * 1000;
    const p = typeof peer === "string"
      ? undefined
      : peer.find((q) => q.activation === run.activation);
    console.log(
      `| ${run.activation} | ${imgs.toFixed(1)} | ${(run.flops / ms / 1e6).toFixed(0)} | ${
        (ms / relu).toFixed(3)
      } | ${(run.peakBytes / 2 ** 20).toFixed(0)} | ${p ? p.img_per_s.toFixed(1) : "—"} | ${
        p ? (imgs / p.img_per_s).toFixed(2) + "×" : "—"
      } |`,
    );
  }
  for (const run of runners) {
    Deno.bench({
      name: `ort-cpu ${MODEL} × ${run.activation} train step, batch ${BATCH}`,
      group: `${MODEL} train step`,
      baseline: run.activation === "relu",
      n: ROUND,
      warmup: 0,
      fn: async () => {
        await run.step();
      },
    });
  }
}
