/**
 * One actlab training step measured alone in its own process: compile, warm
 * up, time `rounds` blocks of 5 steps, print one JSON line. The step
 * benchmarks run each (model, activation) this way, alternating processes:
 * ONNX Runtime gives every session its own intra-op pool, and an idle
 * session's pool threads keep spinning after its run, so sessions timed
 * side by side in one process slow each other down (a small step most:
 * `mlp` ran 2× slower interleaved with two other sessions than alone).
 * Usage: `deno run -A bench/step_child.ts '<json: {model, activation, backend?, batch, image, classes, rounds}>'`
 * @module
 */
import { median, stepRunner } from "./peer_bench.ts";

/** What the parent asks for. */
export interface ChildSpec {
  readonly model: string;
  readonly activation: string;
  /** A registered backend name (ort-cpu when omitted). */
  readonly backend?: string;
  readonly batch: number;
  readonly image: [number, number, number];
  readonly classes: number;
  readonly rounds: number;
}

/** What the child prints. */
export interface ChildResult {
  readonly activation: string;
  /** Milliseconds per step, one entry per block of 5 steps. */
  readonly times: number[];
  readonly flops: number;
  readonly peakBytes: number;
}

if (import.meta.main) {
  const spec = JSON.parse(Deno.args[0]) as ChildSpec;
  const run = await stepRunner(spec, spec.activation, spec.backend);
  for (let r = 0; r < spec.rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) await run.step();
    run.times.push((performance.now() - t0) / 5);
  }
  const out: ChildResult = {
    activation: spec.activation,
    times: run.times,
    flops: run.flops,
    peakBytes: run.peakBytes,
  };
  console.log(JSON.stringify(out));
  // A guard that the parent reads a settled figure, not a warm-up artefact.
  if (!(median(run.times) > 0)) Deno.exit(1);
}
