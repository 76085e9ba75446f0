/**
 * onednn-cpu against ort-cpu and reference on one machine, one run:
 * (1) a lone 1024³ matmul in GFLOP/s — oneDNN's primitive called directly,
 * and the same `sum(matmul(a, b))` graph ORT's figure uses
 * (`peer_bench.ts ortMatmulGflops`), all in one process; (2) a training
 * step (default `convnet`, batch 64, 3×32×32, 10 classes, relu; any image
 * model through ACTLAB_ONEDNN_MODEL, ACTLAB_ONEDNN_BATCH,
 * ACTLAB_ONEDNN_IMAGE=C,H,W) in img/s on each backend, each in its own process (ORT's idle pool threads spin and
 * would slow the others, see step_child.ts); (3) where an onednn-cpu step's
 * time goes, per op (kernel runs timed one by one; the 15 largest printed)
 * and per fused loop program (the 8 largest).
 * onednn-cpu runs twice: OpenMP on every core (the default) and with
 * ACTLAB_THREADS=1 (`@1`) — on a machine shared with other busy processes,
 * oneDNN's spinning barriers make the 2-thread run far slower than 1 thread.
 * Run: `deno run -A bench/onednn_bench.ts` (set ACTLAB_ONEDNN_ACTIVATION to
 * time another activation, ACTLAB_ONEDNN_MODES=onednn-cpu@1,ort-cpu to run some
 * step modes only). OMP_NUM_THREADS, when set, overrides ACTLAB_THREADS.
 * @module
 */
import "../backends/mod.ts";
import type { Backend, CompileOptions, Executable } from "../backends/backend.ts";
import { onednnCpuBackend } from "../backends/onednn/mod.ts";
import { dnnlContext } from "../backends/onednn/engine.ts";
import { OnednnExecutable } from "../backends/onednn/executable.ts";
import { loadDnnl } from "../backends/onednn/library.ts";
import type { KernelLookup } from "../backends/reference/executable.ts";
import { getBackend } from "../backends/registry.ts";
import type { Graph } from "../core/graph.ts";
import { FUSED_OP, type FusedProgram } from "../backends/onednn/fuse_loops.ts";
import { matmulGflops, ortMatmulGflops } from "./peer_bench.ts";
import { trainStepRunner } from "./train_step.ts";

const SPEC = {
  model: Deno.env.get("ACTLAB_ONEDNN_MODEL") ?? "convnet",
  activation: Deno.env.get("ACTLAB_ONEDNN_ACTIVATION") ?? "relu",
  batch: Number(Deno.env.get("ACTLAB_ONEDNN_BATCH") ?? 64),
  image: (Deno.env.get("ACTLAB_ONEDNN_IMAGE") ?? "3,32,32").split(",").map(Number) as [
    number,
    number,
    number,
  ],
  classes: 10,
};
const WARMUP = 2;
const STEPS = 8;

/** Per-op milliseconds, filled by the profiling lookup (fused loops also by their program). */
const opMs = new Map<string, { ms: number; calls: number }>();

/** A fused node's profile key: `fused <kind> [domain] steps`. */
function fusedKey(program: string): string {
  const p = JSON.parse(program) as FusedProgram;
  return `fused ${p.kind} [${p.domain}] ${p.steps.map((s) => s.op).join(",") || "(sum of a leaf)"}`;
}

function profiled(k: KernelLookup): KernelLookup {
  return (op) => (node, inputs, f64) => {
    const run = k(op)(node, inputs, f64);
    const keys = op === FUSED_OP ? [op, fusedKey(node.attrs.program as string)] : [op];
    return (out, ins) => {
      const t0 = performance.now();
      run(out, ins);
      const ms = performance.now() - t0;
      for (const key of keys) {
        const e = opMs.get(key) ?? { ms: 0, calls: 0 };
        e.ms += ms;
        e.calls++;
        opMs.set(key, e);
      }
    };
  };
}

const profiledBackend: Backend = {
  ...onednnCpuBackend,
  // deno-lint-ignore require-await -- async like every compile
  async compile(graph: Graph, options: CompileOptions = {}): Promise<Executable> {
    const r = loadDnnl();
    if (!r.ok) throw new Error(r.reason);
    return OnednnExecutable.create(graph, options, dnnlContext(r.lib), profiled);
  },
};

/** Median ms per convnet step on `backend` after warm-up. */
async function stepMs(backend: Backend): Promise<number[]> {
  const { run, step } = await trainStepRunner(backend, SPEC);
  for (let i = 0; i < WARMUP; i++) await step();
  opMs.clear();
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  run.dispose();
  return times;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function child(mode: string): Promise<void> {
  if (mode === "matmul") {
    const r = loadDnnl();
    if (!r.ok) throw new Error(r.reason);
    console.log(JSON.stringify({
      onednn_graph: await matmulGflops(onednnCpuBackend),
      ort_graph: await ortMatmulGflops(),
    }));
    return;
  }
  const backend = mode === "onednn-profiled" ? profiledBackend : getBackend(mode);
  const times = await stepMs(backend);
  const ops = [...opMs.entries()].filter(([op]) => !op.startsWith("fused ")).map(([op, e]) => ({
    op,
    ms: e.ms / STEPS,
    calls: e.calls / STEPS,
  }))
    .sort((a, b) => b.ms - a.ms);
  const fused = [...opMs.entries()].filter(([op]) => op.startsWith("fused ")).map(([op, e]) => ({
    op,
    ms: e.ms / STEPS,
    calls: e.calls / STEPS,
  })).sort((a, b) => b.ms - a.ms);
  console.log(JSON.stringify({ ms: median(times), ops, fused }));
}

/** Run `mode` in a child; `mode@T` runs it with ACTLAB_THREADS=T (oneDNN's OpenMP pool). */
async function spawn(mode: string): Promise<Record<string, unknown>> {
  const [name, threads] = mode.split("@");
  const env: Record<string, string> = threads ? { ACTLAB_THREADS: threads } : {};
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL(import.meta.url).pathname, name],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) throw new Error(`${mode}: ${new TextDecoder().decode(out.stderr).slice(-800)}`);
  return JSON.parse(text.split("\n").pop()!);
}

if (import.meta.main) {
  if (Deno.args[0]) {
    await child(Deno.args[0]);
  } else {
    const cpu = new TextDecoder().decode(
      (await new Deno.Command("sh", { args: ["-c", "lscpu | grep 'Model name'"] }).output()).stdout,
    ).replace(/\s+/g, " ").trim();
    console.log(
      `${cpu}; ${navigator.hardwareConcurrency} cores; ${(await onednnCpuBackend.probe()).reason}`,
    );
    for (const mode of ["matmul", "matmul@1"]) {
      const mm = await spawn(mode);
      const t = mode.endsWith("@1") ? "ACTLAB_THREADS=1" : "all cores";
      console.log(
        `1024³ matmul GFLOP/s (oneDNN: ${t}; ORT: its default pool): onednn-cpu sum(matmul) ` +
          `graph ${(mm.onednn_graph as number).toFixed(1)}, ort-cpu sum(matmul) graph ${
            (mm.ort_graph as number).toFixed(1)
          }`,
      );
    }
    console.log(
      `${SPEC.model} ${SPEC.activation} training step, batch ${SPEC.batch}, ${
        SPEC.image.join("×")
      }:`,
    );
    const modes = Deno.env.get("ACTLAB_ONEDNN_MODES")?.split(",") ??
      [
        "onednn-cpu",
        "onednn-cpu@1",
        "ort-cpu",
        "reference",
        "onednn-profiled",
        "onednn-profiled@1",
      ];
    for (const mode of modes) {
      const r = await spawn(mode) as {
        ms: number;
        ops: { op: string; ms: number; calls: number }[];
        fused: { op: string; ms: number; calls: number }[];
      };
      console.log(
        `  ${mode.padEnd(16)} ${r.ms.toFixed(1).padStart(8)} ms/step  ${
          (SPEC.batch / r.ms * 1000).toFixed(1).padStart(7)
        } img/s`,
      );
      if (mode.startsWith("onednn-profiled")) {
        const total = r.ops.reduce((a, o) => a + o.ms, 0);
        console.log(
          `  per op, mean over ${STEPS} steps (kernels ${total.toFixed(1)} ms; median step ${
            r.ms.toFixed(1)
          } ms):`,
        );
        for (const o of r.ops.slice(0, 15)) {
          console.log(
            `    ${o.op.padEnd(22)} ${o.ms.toFixed(2).padStart(8)} ms  ${
              (100 * o.ms / total).toFixed(1).padStart(5)
            } %  ${o.calls} calls`,
          );
        }
        console.log("  the largest fused loops (by program):");
        for (const o of r.fused.slice(0, 8)) {
          console.log(`    ${o.ms.toFixed(2).padStart(8)} ms  ${o.calls} calls  ${o.op}`);
        }
      }
    }
  }
}
