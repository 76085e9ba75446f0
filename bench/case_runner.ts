/**
 * Compile one bench case on one backend and run it on fixed synthetic data.
 * Only the graph being measured is compiled (not a whole train+eval session),
 * so a process's memory growth belongs to this case alone. Each run is one
 * full step with the step counter advancing, so DPA's update interval and
 * host-computed feeds behave as in training.
 * @module
 */
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import "../models/mod.ts";
import type { Backend, ExecStats, Executable } from "../backends/backend.ts";
import type { Graph } from "../core/graph.ts";
import { type HostTensor, sizeOf } from "../core/host_tensor.ts";
import { type BuildRecord, hostFeedValues } from "../plugin/context.ts";
import { initialState } from "../nn/init.ts";
import { type AdamWConfig, adamwFeedValues, OPT_FEEDS } from "../train/adamw.ts";
import { resolveConfig } from "../train/config.ts";
import { stepGraphForRun } from "../train/run.ts";
import { imageTaskForShape } from "../tasks/image.ts";
import { ACTIVATION_CLASSES, activationGraph } from "./activation_graph.ts";
import type { BenchCase, ModelCase } from "./grid.ts";

/** A compiled case. */
export interface CaseRunner {
  readonly graph: Graph;
  readonly executable: Executable;
  /** Samples per run (img/s = batch / seconds per run). */
  readonly batch: number;
  /** One step. */
  run(): Promise<unknown>;
  stats(): ExecStats;
  dispose(): void;
}

const SEED = 1;

/** Deterministic pseudo-random values in [0, 1) (no RNG state: cheap and identical everywhere). */
function pixels(n: number): Float32Array {
  return new Float32Array(n).map((_, i) => (i * 0.618) % 1);
}

/** A traced case: its graph and what feeding it needs. */
export interface Traced {
  graph: Graph;
  record: BuildRecord;
  batch: number;
  classes: number;
  adamw: AdamWConfig | null;
}

function traceModel(c: ModelCase): Traced {
  const config = resolveConfig({
    out: "/tmp/unused",
    model: c.model,
    activation: c.activation,
    batchSize: c.batch,
    evalBatchSize: c.batch,
    seed: SEED,
  });
  const task = imageTaskForShape({
    inputShape: c.image,
    numClasses: c.classes,
    mean: new Array(c.image[0]).fill(0.5),
    std: new Array(c.image[0]).fill(0.25),
  });
  // The run core's own graph builder: the step measured is the step trained.
  const { step, adamw } = stepGraphForRun(config, task, c.phase, c.batch);
  return { graph: step.graph, record: step.record, batch: c.batch, classes: c.classes, adamw };
}

/** Trace a case's graph without compiling it (for plan-only figures). */
export function traceCase(c: BenchCase): Traced {
  if (c.kind === "model") return traceModel(c);
  const a = activationGraph(c);
  return { ...a, classes: ACTIVATION_CLASSES, adamw: null };
}

/**
 * Compile `c` on `backend` and initialise its state; the caller disposes it.
 * `traced` (from `traceCase(c)`) lets a caller keep host-side tracing out of a measurement.
 */
export async function compileCase(
  backend: Backend,
  c: BenchCase,
  traced?: Traced,
): Promise<CaseRunner> {
  const t = traced ?? traceCase(c);
  const executable = await backend.compile(t.graph);
  await executable.writeState(initialState(t.record, SEED));
  const feeds: Record<string, HostTensor> = {};
  for (const [name, id] of t.graph.inputs) {
    const shape = [...t.graph.nodes[id].shape];
    if (name === "labels") {
      const data = Int32Array.from({ length: t.batch }, (_, i) => i % t.classes);
      feeds.labels = { dtype: "i32", shape, data };
    } else if (name === "x" || name === "dy") {
      // Images in [0, 1); activation inputs in [-2, 2) and dy of both signs.
      const scale = c.kind === "model"
        ? (v: number) => v
        : name === "dy"
        ? (v: number) => 0.5 - v
        : (v: number) => v * 4 - 2;
      const data = pixels(sizeOf(shape)).map(scale);
      feeds[name] = { dtype: "f32", shape, data };
    }
  }
  let n = 0;
  const run = () => {
    const labels = feeds.labels?.data as Int32Array | undefined ?? new Int32Array(t.batch);
    const info = { labels, step: n, numClasses: t.classes, seed: SEED };
    Object.assign(feeds, hostFeedValues(t.record, info));
    if (t.adamw) {
      const o = adamwFeedValues(t.adamw, n, 1e-3);
      feeds[OPT_FEEDS.lr] = { dtype: "f32", shape: [], data: Float32Array.of(o.lr) };
      feeds[OPT_FEEDS.bc1] = { dtype: "f32", shape: [], data: Float32Array.of(o.bc1) };
      feeds[OPT_FEEDS.bc2] = { dtype: "f32", shape: [], data: Float32Array.of(o.bc2) };
    }
    n++;
    return executable.run(feeds);
  };
  return {
    graph: t.graph,
    executable,
    batch: t.batch,
    run,
    stats: () => executable.stats(),
    dispose: () => executable.dispose(),
  };
}
