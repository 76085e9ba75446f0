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
import type { Graph } from "../../core/graph.ts";
import {
  allocData,
  type DType,
  type HostTensor,
  sizeOf,
  type TensorData,
} from "../../core/host_tensor.ts";
import { ExecutableBase, type Feed, type StateEntry } from "../executable_base.ts";
import type { LoweredGraph } from "./lower_graph.ts";
import type { OrtModule } from "./ort_loader.ts";

type OrtType = "float32" | "int32" | "bool";

function ortType(dtype: DType): OrtType {
  return dtype === "f32" ? "float32" : dtype === "i32" ? "int32" : "bool";
}

/** Wrap host data as an ORT tensor without copying (f64 feeds are narrowed to f32). */
function toOrt(ort: OrtModule, dtype: DType, shape: readonly number[], data: TensorData) {
  const d = dtype === "f32" && !(data instanceof Float32Array) ? Float32Array.from(data) : data;
  return new ort.Tensor(ortType(dtype), d as Float32Array, [...shape]);
}

interface StateBuffers {
  cur: Ort.Tensor;
  next: Ort.Tensor;
}

/** Executable produced by the `ort-cpu` / `ort-cuda` backends. */
export class OrtExecutable extends ExecutableBase {
  private readonly ort: OrtModule;
  private readonly session: Ort.InferenceSession;
  private readonly lowered: LoweredGraph;
  /** ONNX input name of each feed. */
  private readonly feedNames: ReadonlyMap<string, string>;
  private readonly buffers = new Map<string, StateBuffers>();

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
    super(graph, { outputs: lowered.outputs.map((o) => o.name) });
    this.ort = ort;
    this.session = session;
    this.lowered = lowered;
    this.feedNames = new Map(lowered.feeds.map((f) => [f.name, f.onnxName]));
    for (const { name, node } of this.states.values()) {
      const n = sizeOf(node.shape);
      this.buffers.set(name, {
        cur: toOrt(ort, node.dtype, node.shape, allocData(node.dtype, n)),
        next: toOrt(ort, node.dtype, node.shape, allocData(node.dtype, n)),
      });
    }
    this.compiled(compileMs);
  }

  protected async execute(feeds: readonly Feed[]): Promise<Record<string, HostTensor>> {
    const inputs: Record<string, Ort.Tensor> = {};
    for (const { name, value: v } of feeds) {
      inputs[this.feedNames.get(name)!] = toOrt(this.ort, v.dtype, v.shape, v.data);
    }
    for (const s of this.lowered.stateInputs) inputs[s.onnxName] = this.buffers.get(s.name)!.cur;
    const fetches: Record<string, Ort.Tensor | null> = {};
    for (const o of this.lowered.outputs) fetches[o.onnxName] = null;
    for (const u of this.lowered.updates) fetches[u.onnxName] = this.buffers.get(u.name)!.next;
    let res: Ort.InferenceSession.ReturnType;
    try {
      res = await this.session.run(inputs, fetches);
    } catch (e) {
      throw new ActlabError(
        `ONNX Runtime failed to run the graph: ${e instanceof Error ? e.message : e}`,
        "check the feeds (gather/scatter indices must be in range); otherwise run on the " +
          "reference backend and report the graph",
      );
    }
    const out: Record<string, HostTensor> = {};
    for (const o of this.lowered.outputs) {
      out[o.name] = {
        dtype: o.node.dtype,
        shape: o.node.shape,
        data: res[o.onnxName].data as TensorData,
      };
    }
    // Outputs were computed from the old state; only now does the new state become current.
    for (const u of this.lowered.updates) {
      const s = this.buffers.get(u.name)!;
      [s.cur, s.next] = [s.next, s.cur];
    }
    return out;
  }

  protected readStateData(entries: readonly StateEntry[]): TensorData[] {
    return entries.map(({ name }) => (this.buffers.get(name)!.cur.data as TensorData).slice());
  }

  protected writeStateData(values: readonly (readonly [StateEntry, HostTensor])[]): void {
    for (const [{ name }, v] of values) {
      (this.buffers.get(name)!.cur.data as TensorData).set(v.data);
    }
  }

  protected release(): void {
    // With ACTLAB_ORT_PROFILE set, ending the profile is what writes its JSON file.
    if (this.profiling) this.session.endProfiling();
    void this.session.release();
    this.buffers.clear();
  }
}
