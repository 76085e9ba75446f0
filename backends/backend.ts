/**
 * The backend plugin interface (DESIGN §1): a backend compiles a graph once
 * and runs it every step. Executables own the graph's state between runs.
 * @module
 */
import type { Graph } from "../core/graph.ts";
import type { HostTensor } from "../core/host_tensor.ts";

/** Whether a backend can run here; when not, why and how to fix it. */
export interface Availability {
  /** True when `compile` can be called. */
  readonly available: boolean;
  /** One line: why it is unavailable (or which device it found). */
  readonly reason: string;
  /** How to make it available (empty when available). */
  readonly fix: string;
}

/** Options for `Backend.compile`. */
export interface CompileOptions {
  /** Output names to compute (all declared outputs when omitted). */
  readonly outputs?: readonly string[];
  /**
   * Arithmetic precision of f32 tensors. `"f64"` is offered by the reference
   * backend for gradient checks; other backends reject it.
   */
  readonly precision?: "f32" | "f64";
}

/** Counters an executable keeps about itself. */
export interface ExecStats {
  /** Completed runs. */
  readonly runs: number;
  /** Milliseconds spent in `compile`. */
  readonly compileMs: number;
  /** Milliseconds of the most recent run. */
  readonly lastRunMs: number;
  /** Milliseconds of all runs together. */
  readonly totalRunMs: number;
  /** Planned peak bytes of one run (see `core/plan`). */
  readonly peakBytes: number;
  /**
   * Bytes the backend holds on its device for this executable, where it can
   * tell (WebGPU buffers, TF.js `tf.memory()`); absent on host backends,
   * whose memory is measured as process RSS instead.
   */
  readonly deviceBytes?: number;
}

/** A compiled graph. */
export interface Executable {
  /** Run once: feeds by name in, requested outputs by name out; state is updated in place. */
  run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>>;
  /** Copy state to the host (all state when `names` is omitted). */
  readState(names?: readonly string[]): Promise<Record<string, HostTensor>>;
  /** Overwrite state values (initialisation, checkpoint restore). */
  writeState(values: Readonly<Record<string, HostTensor>>): Promise<void>;
  /** Counters. */
  stats(): ExecStats;
  /** Release resources; the executable cannot run afterwards. */
  dispose(): void;
}

/** A compute backend plugin. */
export interface Backend {
  /** Registry name, e.g. `"reference"`, `"ort-cpu"`, `"webgpu"`. */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /** Expected speed order for `--backend auto`: lower is faster. */
  readonly speedRank: number;
  /** Check availability without side effects beyond loading libraries. */
  probe(): Promise<Availability>;
  /** Compile `graph` into an executable. */
  compile(graph: Graph, options?: CompileOptions): Promise<Executable>;
}
