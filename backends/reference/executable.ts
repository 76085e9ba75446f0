/**
 * The reference executable: interprets a planned graph with Float32Array
 * (or Float64Array) kernels, reusing pooled buffers as `core/plan` assigns.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph, Node } from "../../core/graph.ts";
import {
  allocData,
  type DType,
  type HostTensor,
  sizeOf,
  type TensorData,
} from "../../core/host_tensor.ts";
import { attrsOf } from "../../core/ops/attrs.ts";
import { type Plan, plan as makePlan } from "../../core/plan.ts";
import { fmtShape, sameShape } from "../../core/shape.ts";
import type { CompileOptions, ExecStats, Executable } from "../backend.ts";
import { getKernel, type KernelRun } from "./kernel.ts";

function elemBytes(dtype: DType, f64: boolean): number {
  return dtype === "bool" ? 1 : dtype === "f32" && f64 ? 8 : 4;
}

function view(buf: ArrayBuffer, dtype: DType, n: number, f64: boolean): TensorData {
  if (dtype === "f32") return f64 ? new Float64Array(buf, 0, n) : new Float32Array(buf, 0, n);
  if (dtype === "i32") return new Int32Array(buf, 0, n);
  return new Uint8Array(buf, 0, n);
}

/** Copy `src` into fresh storage of the executable's precision. */
function convert(src: TensorData, dtype: DType, f64: boolean): TensorData {
  const out = allocData(dtype, src.length, f64);
  out.set(src);
  return out;
}

/** Check a host tensor against a node's declared shape/dtype. */
export function checkValue(
  kind: string,
  name: string,
  node: Node,
  v: HostTensor | undefined,
): HostTensor {
  if (!v) {
    throw new ActlabError(
      `missing ${kind} "${name}" (${node.dtype}${fmtShape(node.shape)})`,
      `supply "${name}" in the run's feeds`,
    );
  }
  if (
    v.dtype !== node.dtype || !sameShape(v.shape, node.shape) ||
    v.data.length !== sizeOf(node.shape)
  ) {
    throw new ActlabError(
      `${kind} "${name}" is ${v.dtype}${fmtShape(v.shape)} but the graph declares ${node.dtype}${
        fmtShape(node.shape)
      }`,
      "pass a tensor of the declared shape and dtype",
    );
  }
  return v;
}

/** Executable produced by the reference backend. */
export class ReferenceExecutable implements Executable {
  private readonly graph: Graph;
  private readonly f64: boolean;
  private readonly plan: Plan;
  private readonly values: TensorData[] = [];
  private readonly runs: (KernelRun | null)[] = [];
  private readonly state = new Map<string, TensorData>();
  private readonly outputNames: string[];
  private counters = { runs: 0, compileMs: 0, lastRunMs: 0, totalRunMs: 0 };
  private disposed = false;

  /** Plan the graph, allocate pooled buffers and prepare every kernel. */
  constructor(graph: Graph, options: CompileOptions = {}) {
    const t0 = performance.now();
    this.graph = graph;
    this.f64 = options.precision === "f64";
    this.outputNames = [...(options.outputs ?? graph.outputs.keys())];
    this.plan = makePlan(graph, { outputs: this.outputNames });
    const slotBytes = new Array<number>(this.plan.bufferBytes.length).fill(0);
    for (const [id, b] of this.plan.bufferOf) {
      const n = graph.nodes[id];
      slotBytes[b] = Math.max(slotBytes[b], sizeOf(n.shape) * elemBytes(n.dtype, this.f64));
    }
    const slots = slotBytes.map((b) => new ArrayBuffer(Math.max(b, 8)));
    for (const [name, slot] of graph.states) {
      const n = graph.nodes[slot.id];
      this.state.set(name, allocData(n.dtype, sizeOf(n.shape), this.f64));
    }
    for (const id of this.plan.order) {
      const node = graph.nodes[id];
      const buf = this.plan.bufferOf.get(id);
      if (buf !== undefined) {
        this.values[id] = view(slots[buf], node.dtype, sizeOf(node.shape), this.f64);
        const inputs = node.inputs.map((i) => graph.nodes[i]);
        this.runs[id] = getKernel(node.op)(node, inputs, this.f64);
      } else if (node.op === "constant") {
        const v = attrsOf(node, "constant").value;
        this.values[id] = convert(v.data, node.dtype, this.f64);
      } else if (node.op === "state") {
        this.values[id] = this.state.get(attrsOf(node, "state").name)!;
      }
    }
    this.counters.compileMs = performance.now() - t0;
  }

  // deno-lint-ignore require-await -- async so that errors reject instead of throwing
  async run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    if (this.disposed) {
      throw new ActlabError("run() on a disposed executable", "compile the graph again");
    }
    const t0 = performance.now();
    const g = this.graph;
    for (const id of this.plan.order) {
      const node = g.nodes[id];
      if (node.op === "input") {
        const name = attrsOf(node, "input").name;
        const v = checkValue("feed", name, node, feeds[name]);
        this.values[id] = this.f64 && node.dtype === "f32" && !(v.data instanceof Float64Array)
          ? convert(v.data, "f32", true)
          : v.data;
        continue;
      }
      const run = this.runs[id];
      if (run) run(this.values[id], node.inputs.map((i) => this.values[i]));
    }
    const out: Record<string, HostTensor> = {};
    for (const name of this.outputNames) {
      const node = g.nodes[g.outputs.get(name)!];
      out[name] = { dtype: node.dtype, shape: node.shape, data: this.values[node.id].slice() };
    }
    // State updates are written after every output is computed (reads saw the old state).
    const pending: [TensorData, TensorData][] = [];
    for (const [name, slot] of g.states) {
      if (slot.update !== undefined) {
        pending.push([this.state.get(name)!, this.values[slot.update].slice()]);
      }
    }
    for (const [dst, src] of pending) dst.set(src);
    const ms = performance.now() - t0;
    this.counters.runs++;
    this.counters.lastRunMs = ms;
    this.counters.totalRunMs += ms;
    return out;
  }

  // deno-lint-ignore require-await -- async so that errors reject instead of throwing
  async readState(names?: readonly string[]): Promise<Record<string, HostTensor>> {
    const out: Record<string, HostTensor> = {};
    for (const name of names ?? [...this.state.keys()]) {
      const data = this.state.get(name);
      if (!data) {
        throw new ActlabError(
          `unknown state "${name}"`,
          `use one of: ${[...this.state.keys()].join(", ")}`,
        );
      }
      const node = this.graph.nodes[this.graph.states.get(name)!.id];
      out[name] = { dtype: node.dtype, shape: node.shape, data: data.slice() };
    }
    return out;
  }

  // deno-lint-ignore require-await -- async so that errors reject instead of throwing
  async writeState(values: Readonly<Record<string, HostTensor>>): Promise<void> {
    for (const [name, v] of Object.entries(values)) {
      const slot = this.graph.states.get(name);
      if (!slot) {
        throw new ActlabError(
          `unknown state "${name}"`,
          `use one of: ${[...this.state.keys()].join(", ")}`,
        );
      }
      checkValue("state", name, this.graph.nodes[slot.id], v);
      this.state.get(name)!.set(v.data);
    }
  }

  stats(): ExecStats {
    return { ...this.counters, peakBytes: this.plan.peakBytes };
  }

  dispose(): void {
    this.disposed = true;
    this.values.length = 0;
  }
}
