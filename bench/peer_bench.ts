/**
 * Same-run comparisons of actlab's training step (ort-cpu, onednn-cpu, or
 * any host backend) with the PyTorch peer (`bench/peers/pytorch_peer.py`):
 * the pieces shared by `ort_bench.ts` (vit_tiny) and `small_bench.ts`
 * (vit_micro, convnet, mlp). Absolute img/s
 * differ by up to 2× between machines of the same size, so every table names
 * the machine and carries ratios measured in the same run: actlab ÷ PyTorch,
 * DPA's step ÷ ReLU's, and ORT's lone-matmul GFLOP/s as the roofline.
 * @module
 */
import type { Backend } from "../backends/backend.ts";
import "../backends/mod.ts";
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { getBackend } from "../backends/registry.ts";
import { Graph } from "../core/graph.ts";
import { hostTensor } from "../core/host_tensor.ts";
import { matmul, sum } from "../core/ops.ts";
import { contractionFlops } from "./graph_flops.ts";
import type { ChildResult } from "./step_child.ts";
import { trainStepRunner, type TrainStepSpec } from "./train_step.ts";

/** Debian's python3 (python3-torch is a Debian package, not a pip one). */
const PYTHON = "/usr/bin/python3";

/** The CPU model and core count, from /proc/cpuinfo. */
export function machine(): string {
  let model = "unknown CPU";
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    model = info.match(/^model name\s*:\s*(.+)$/m)?.[1].trim() ?? model;
  } catch { /* not Linux: keep "unknown CPU" */ }
  return `${model}, ${navigator.hardwareConcurrency} cores`;
}

/** Best-of-5 GFLOP/s of `sum(matmul(a, b))` (1024³) compiled on `backend`. */
export async function matmulGflops(backend: Backend): Promise<number> {
  const n = 1024;
  const g = new Graph();
  g.output("s", sum(matmul(g.state("a", [n, n]), g.state("b", [n, n]))));
  const exe = await backend.compile(g);
  const data = () => new Float32Array(n * n).map((_, i) => ((i * 0.618) % 1) - 0.5);
  await exe.writeState({
    a: hostTensor("f32", [n, n], data()),
    b: hostTensor("f32", [n, n], data()),
  });
  await exe.run({});
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    await exe.run({});
    best = Math.min(best, performance.now() - t0);
  }
  exe.dispose();
  return 2 * n ** 3 / best / 1e6;
}

/** ORT's GFLOP/s on a lone 1024³ MatMul with the backend's thread settings (best of 5). */
export function ortMatmulGflops(): Promise<number> {
  return matmulGflops(ortCpuBackend);
}

/**
 * The environment the PyTorch peer runs in. Debian's OpenBLAS (0.3.21), which
 * PyTorch's CPU matmuls call, does not recognise newer Intel cores (Sapphire
 * Rapids: `OPENBLAS_VERBOSE=2` prints "Core: Prescott") and falls back to its
 * generic SSE3 kernels — a 1024³ matmul at 19 GFLOP/s against 73 with the
 * AVX-512 ones, measured on the 2-core machine of the README's tables. So
 * the peer is not handicapped, on a CPU with AVX-512 it gets
 * `OPENBLAS_CORETYPE=SkylakeX` unless OPENBLAS_CORETYPE is already set.
 */
export function peerEnv(
  cpuinfo: string = readCpuinfo(),
  coretype: string | undefined = Deno.env.get("OPENBLAS_CORETYPE"),
): Record<string, string> {
  if (coretype) return {};
  return /^flags\s*:.*\bavx512f\b/m.test(cpuinfo) ? { OPENBLAS_CORETYPE: "SkylakeX" } : {};
}

function readCpuinfo(): string {
  try {
    return Deno.readTextFileSync("/proc/cpuinfo");
  } catch {
    return "";
  }
}

/** One activation's figures from the PyTorch peer. */
export interface PeerResult {
  readonly activation: string;
  readonly img_per_s: number;
  readonly threads: number;
  readonly torch: string;
}

/**
 * PyTorch's figures for `spec` × `activations`, or the reason there are none;
 * `threads` sets PyTorch's intra-op threads (default: every core).
 */
export async function pytorchPeer(
  spec: Omit<TrainStepSpec, "activation">,
  activations: readonly string[],
  steps: number,
  threads?: number,
): Promise<PeerResult[] | string> {
  const script = new URL("./peers/pytorch_peer.py", import.meta.url).pathname;
  const args = [
    script,
    "--model",
    spec.model,
    "--image",
    spec.image.join("x"),
    "--classes",
    String(spec.classes),
    "--activations",
    activations.join(","),
    "--batch",
    String(spec.batch),
    "--steps",
    String(steps),
    ...(threads ? ["--threads", String(threads)] : []),
  ];
  try {
    const out = await new Deno.Command(PYTHON, {
      args,
      env: peerEnv(),
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").pop();
      return `the PyTorch peer failed (${err}); install it with ` +
        "`apt-get install -y python3-torch libopenblas0-openmp`";
    }
    const text = new TextDecoder().decode(out.stdout);
    return text.trim().split("\n").map((l) => JSON.parse(l) as PeerResult);
  } catch (e) {
    return `${PYTHON} could not be run (${e instanceof Error ? e.message : e})`;
  }
}

/** An activation's step timings and what the table needs beside them. */
export interface StepTimes {
  /** The backend it ran on. */
  readonly backend: string;
  readonly activation: string;
  /** Matmul/conv work of one step (FLOP). */
  readonly flops: number;
  /** The planner's peak-bytes estimate of the step graph. */
  readonly peakBytes: number;
  /** Milliseconds per step, one entry per round. */
  readonly times: number[];
}

/** A compiled actlab step in this process, and its timings. */
export interface StepRunner extends StepTimes {
  readonly step: () => Promise<unknown>;
}

/** Compile `spec` with `activation` on `backend` (a registered name) and warm it up. */
export async function stepRunner(
  spec: Omit<TrainStepSpec, "activation">,
  activation: string,
  backend = "ort-cpu",
): Promise<StepRunner> {
  const { run, step } = await trainStepRunner(getBackend(backend), { ...spec, activation });
  for (let i = 0; i < 2; i++) await step(); // warm-up: allocation, first touch
  return {
    backend,
    activation,
    flops: contractionFlops(run.trainStep.graph),
    peakBytes: run.trainExe.stats().peakBytes,
    step,
    times: [],
  };
}

/**
 * Time each activation of `spec` on `backend` in its own process
 * (`step_child.ts`), the processes alternating `blocks` times (A, B, C, A,
 * B, C, …) so drift hits every activation alike without one session's idle
 * threads slowing another.
 */
export async function measureSteps(
  spec: Omit<TrainStepSpec, "activation">,
  activations: readonly string[],
  blocks: number,
  roundsPerBlock: number,
  backend = "ort-cpu",
): Promise<StepTimes[]> {
  const script = new URL("./step_child.ts", import.meta.url).pathname;
  const runners = new Map<string, StepTimes>();
  for (let k = 0; k < blocks; k++) {
    for (const activation of activations) {
      const arg = JSON.stringify({ ...spec, activation, backend, rounds: roundsPerBlock });
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", script, arg],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim();
      if (!out.success) {
        const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ");
        throw new Error(
          `the step child for ${spec.model} × ${activation} on ${backend} failed: ${err}`,
        );
      }
      const r = JSON.parse(text.split("\n").pop()!) as ChildResult;
      const run = runners.get(activation) ??
        { backend, activation, flops: r.flops, peakBytes: r.peakBytes, times: [] };
      run.times.push(...r.times);
      runners.set(activation, run);
    }
  }
  return activations.map((a) => runners.get(a)!);
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/**
 * Markdown rows: backend, img/s, GFLOP/s, step ÷ ReLU step (on the same
 * backend), plan peak, PyTorch, actlab ÷ PyTorch.
 */
export function tableRows(
  model: string,
  batch: number,
  runners: readonly StepTimes[],
  peer: PeerResult[] | string,
): string[] {
  return runners.map((run) => {
    const relu = runners.find((r) => r.activation === "relu" && r.backend === run.backend);
    const reluMs = relu ? median(relu.times) : NaN;
    const ms = median(run.times);
    const imgs = batch / ms * 1000;
    const p = typeof peer === "string"
      ? undefined
      : peer.find((q) => q.activation === run.activation);
    const cells = [
      model,
      run.backend,
      run.activation,
      imgs.toFixed(1),
      (run.flops / ms / 1e6).toFixed(0),
      Number.isFinite(reluMs) ? (ms / reluMs).toFixed(3) : "—",
      (run.peakBytes / 2 ** 20).toFixed(0),
      p ? p.img_per_s.toFixed(1) : "—",
      p ? (imgs / p.img_per_s).toFixed(2) + "×" : "—",
    ];
    return `| ${cells.join(" | ")} |`;
  });
}

/** The header of the table `tableRows` fills. */
export const TABLE_HEADER: string =
  "| model | backend | activation | actlab img/s | GFLOP/s | step ÷ relu step | plan peak MiB | " +
  "PyTorch img/s | actlab ÷ PyTorch |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |";

/** One line naming the machine, ORT's matmul roofline and the peer. */
export function header(gflops: number, peer: PeerResult[] | string): string {
  const blas = Object.entries(peerEnv()).map(([k, v]) => `, ${k}=${v}`).join("");
  const p = typeof peer === "string"
    ? `PyTorch: ${peer}`
    : `PyTorch ${peer[0].torch}, ${peer[0].threads} threads${blas}`;
  return `machine: ${machine()}; ORT lone 1024³ MatMul ${gflops.toFixed(0)} GFLOP/s; ${p}`;
}
