/**
 * A graph compiled to one ONNX Runtime `InferenceSession`. State lives in
 * two host buffers per state tensor: the current value is fed as a graph
 * input, the update is written by ORT straight into the other buffer
 * (pre-allocated outputs passed as `fetches`), and the two swap after each
 * run — no per-step allocation for state.
 * @module
 */
import type * as Ort from "onnxruntime-node";
import { ActlabError } from "../../core/errors.ts";
import type { Graph, Node } from "../../core/graph.ts";
import { allocData, type DType, type HostTensor, sizeOf } from "../../core/host_tensor.ts";
import { plan } from "../../core/plan.ts";
import type { ExecStats, Executable } from "../backend.ts";
import { checkValue } from "../reference/executable.ts";
import type { LoweredGraph } from "./lower_graph.ts";
import type { OrtModule } from "./ort_loader.ts";

type OrtType = "float32" | "int32" | "bool";

function ortType(dtype: DType): OrtType {
  return dtype === "f32" ? "float32" : dtype === "i32" ? "int32" : "bool";
}

/** Wrap host data as an ORT tensor without copying (f64 feeds are narrowed to f32). */
function toOrt(ort: OrtModule, dtype: DType, shape: readonly number[], data: HostTensor["data"]) {
  const d = dtype === "f32" && !(data instanceof Float32Array) ? Float32Array.from(data) : data;
  return new ort.Tensor(ortType(dtype), d as Float32Array, [...shape]);
}

interface StateBuffers {
  readonly node: Node;
  cur: Ort.Tensor;
  next: Ort.Tensor;
}

/** Executable produced by the `ort-cpu` / `ort-cuda` backends. */
export class OrtExecutable implements Executable {
  private readonly ort: OrtModule;
  private readonly session: Ort.InferenceSession;
  private readonly lowered: LoweredGraph;
  private readonly graph: Graph;
  private readonly state = new Map<string, StateBuffers>();
  private readonly peakBytes: number;
  private counters = { runs: 0, compileMs: 0, lastRunMs: 0, totalRunMs: 0 };
  private disposed = false;
  private busy = false;

  /** Wrap a created session; allocates both buffers of every state tensor (zeros). */
  constructor(
    ort: OrtModule,
    session: Ort.InferenceSession,
    graph: Graph,
    lowered: LoweredGraph,
    compileMs: number,
    /** Whether the session was created with ORT's profiler on. */
    private readonly profiling = false,
  ) {
    this.ort = ort;
    this.session = session;
    this.graph = graph;
    this.lowered = lowered;
    for (const [name, slot] of graph.states) {
      const node = graph.nodes[slot.id];
      const n = sizeOf(node.shape);
      this.state.set(name, {
        node,
        cur: toOrt(ort, node.dtype, node.shape, allocData(node.dtype, n)),
        next: toOrt(ort, node.dtype, node.shape, allocData(node.dtype, n)),
      });
    }
    this.peakBytes = plan(graph, { outputs: lowered.outputs.map((o) => o.name) }).peakBytes;
    this.counters.compileMs = compileMs;
  }

  async run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    if (this.disposed) {
      throw new ActlabError("run() on a disposed executable", "compile the graph again");
    }
    if (this.busy) {
      throw new ActlabError(
        "run() called while a previous run of the same executable is still in flight",
        "await each run before starting the next (state is updated in place)",
      );
    }
    const t0 = performance.now();
    const inputs: Record<string, Ort.Tensor> = {};
    for (const f of this.lowered.feeds) {
      const v = checkValue("feed", f.name, f.node, feeds[f.name]);
      inputs[f.onnxName] = toOrt(this.ort, v.dtype, v.shape, v.data);
    }
    for (const s of this.lowered.stateInputs) inputs[s.onnxName] = this.state.get(s.name)!.cur;
    const fetches: Record<string, Ort.Tensor | null> = {};
    for (const o of this.lowered.outputs) fetches[o.onnxName] = null;
    for (const u of this.lowered.updates) fetches[u.onnxName] = this.state.get(u.name)!.next;
    this.busy = true;
    let res: Ort.InferenceSession.ReturnType;
    try {
      res = await this.session.run(inputs, fetches);
    } catch (e) {
      throw new ActlabError(
        `ONNX Runtime failed to run the graph: ${e instanceof Error ? e.message : e}`,
        "check the feeds (gather/scatter indices must be in range); otherwise run on the " +
          "reference backend and report the graph",
      );
    } finally {
      this.busy = false;
    }
    const out: Record<string, HostTensor> = {};
    for (const o of this.lowered.outputs) {
      out[o.name] = {
        dtype: o.node.dtype,
        shape: o.node.shape,
        data: res[o.onnxName].data as HostTensor["data"],
      };
    }
    // Outputs were computed from the old state; only now does the new state become current.
    for (const u of this.lowered.updates) {
      const s = this.state.get(u.name)!;
      [s.cur, s.next] = [s.next, s.cur];
    }
    const ms = performance.now() - t0;
    this.counters.runs++;
    this.counters.lastRunMs = ms;
    this.counters.totalRunMs += ms;
    return out;
  }

  // deno-lint-ignore require-await
  async readState(names?: readonly string[]): Promise<Record<string, HostTensor>> {
    const out: Record<string, HostTensor> = {};
    for (const name of names ?? [...this.state.keys()]) {
      const s = this.buffers(name);
      out[name] = {
        dtype: s.node.dtype,
        shape: s.node.shape,
        data: (s.cur.data as HostTensor["data"]).slice(),
      };
    }
    return out;
  }

  // deno-lint-ignore require-await
  async writeState(values: Readonly<Record<string, HostTensor>>): Promise<void> {
    for (const [name, v] of Object.entries(values)) {
      const s = this.buffers(name);
      checkValue("state", name, s.node, v);
      (s.cur.data as HostTensor["data"]).set(v.data);
    }
  }

  stats(): ExecStats {
    return { ...this.counters, peakBytes: this.peakBytes };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // With ACTLAB_ORT_PROFILE set, ending the profile is what writes its JSON file.
    if (this.profiling) this.session.endProfiling();
    void this.session.release();
    this.state.clear();
  }

  private buffers(name: string): StateBuffers {
    const s = this.state.get(name);
    if (!s) {
      throw new ActlabError(
        `unknown state "${name}"`,
        `use one of: ${[...this.graph.states.keys()].join(", ") || "(the graph has no state)"}`,
      );
    }
    return s;
  }
}
