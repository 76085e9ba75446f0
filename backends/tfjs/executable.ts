/**
 * The tfjs executable: runs a planned graph op by op with TF.js kernels.
 * Tensor lifetimes are explicit: each kernel runs in `tf.tidy` (its
 * temporaries die with it), each value is disposed right after the last
 * node that reads it (`core/plan` liveness), outputs are copied to the host
 * and disposed, and state tensors are swapped for their updates at the end
 * of the run. A run therefore leaves exactly the tensors it found
 * (`tf.memory().numTensors` is flat across runs: tests/tfjs_backend_test.ts).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph } from "../../core/graph.ts";
import type { HostTensor, TensorData } from "../../core/host_tensor.ts";
import { attrsOf } from "../../core/ops/attrs.ts";
import type { CompileOptions } from "../backend.ts";
import { ExecutableBase, type Feed, type StateEntry } from "../executable_base.ts";
import { getTfKernel, type T, tfDtype, type TfKernelRun } from "./kernel.ts";
import { activate, type TfjsFlavour, type TfModule } from "./loader.ts";
import "./kernels/mod.ts";

/** Executable produced by the tfjs backends. */
export class TfjsExecutable extends ExecutableBase {
  private readonly tf: TfModule;
  private readonly flavour: TfjsFlavour;
  private readonly runs: (TfKernelRun | null)[] = [];
  private readonly kept: T[] = [];
  private readonly constants = new Map<number, T>();
  private readonly state = new Map<string, T>();
  /** Feeds whose indices are checked on the host (gather/scatter_add index operands). */
  private readonly indexFeeds: { name: string; dim: number; op: string }[] = [];
  /** Ids whose tensors a run must not dispose (state and constants: owned across runs). */
  private readonly owned = new Set<number>();

  private constructor(tf: TfModule, flavour: TfjsFlavour, graph: Graph, options: CompileOptions) {
    super(graph, options);
    this.tf = tf;
    this.flavour = flavour;
    const ctx = {
      tf,
      flavour,
      keep: <X extends T>(t: X): X => {
        this.kept.push(tf.keep(t));
        return t;
      },
    };
    for (const { name, node } of this.states.values()) {
      this.state.set(name, tf.zeros([...node.shape], tfDtype(node.dtype)));
    }
    for (const id of this.plan.order) {
      const node = graph.nodes[id];
      if (node.op === "input") continue;
      if (node.op === "state") {
        this.owned.add(id);
        continue;
      }
      if (node.op === "constant") {
        this.constants.set(id, ctx.keep(hostToTf(tf, attrsOf(node, "constant").value)));
        this.owned.add(id);
        continue;
      }
      const inputs = node.inputs.map((i) => graph.nodes[i]);
      this.runs[id] = getTfKernel(node.op)(ctx, node, inputs);
      if (node.op === "gather" || node.op === "scatter_add") {
        const idx = graph.nodes[node.inputs[1]];
        if (idx.op === "input") {
          const dim = node.op === "gather"
            ? inputs[0].shape[attrsOf(node, "gather").axis]
            : attrsOf(node, "scatter_add").size;
          this.indexFeeds.push({ name: attrsOf(idx, "input").name, dim, op: node.op });
        }
      }
    }
    this.compiled();
  }

  /** Compile `graph` on the TF.js `flavour` (already loaded). */
  static async create(
    tf: TfModule,
    flavour: TfjsFlavour,
    graph: Graph,
    options: CompileOptions = {},
  ): Promise<TfjsExecutable> {
    if (options.precision === "f64") {
      throw new ActlabError(
        `the tfjs-${flavour} backend computes in float32 only`,
        'use the reference backend for precision "f64"',
      );
    }
    await activate(tf, flavour);
    return new TfjsExecutable(tf, flavour, graph, options);
  }

  private checkIndices(feeds: ReadonlyMap<string, HostTensor>): void {
    for (const { name, dim, op } of this.indexFeeds) {
      const ids = feeds.get(name)!.data;
      for (let j = 0; j < ids.length; j++) {
        if (ids[j] < 0 || ids[j] >= dim) {
          throw new ActlabError(
            `${op}: index ${ids[j]} at flat position ${j} of feed "${name}" is out of range ` +
              `for an axis of size ${dim}`,
            `indices must lie in [0, ${dim - 1}]; check labels/token ids against the table size`,
          );
        }
      }
    }
  }

  protected async execute(feeds: readonly Feed[]): Promise<Record<string, HostTensor>> {
    const tf = this.tf;
    const g = this.graph;
    const byName = new Map(feeds.map((f) => [f.name, f.value]));
    this.checkIndices(byName);
    await activate(tf, this.flavour);
    const values: (T | undefined)[] = [];
    const roots = new Set(this.plan.roots);
    let produced: T[] = [];
    try {
      this.plan.order.forEach((id, pos) => {
        const node = g.nodes[id];
        if (node.op === "input") {
          values[id] = hostToTf(tf, byName.get(attrsOf(node, "input").name)!);
        } else if (node.op === "state") {
          values[id] = this.state.get(attrsOf(node, "state").name)!;
        } else if (node.op === "constant") {
          values[id] = this.constants.get(id)!;
        } else {
          const ins = node.inputs.map((i) => values[i]!);
          const run = this.runs[id]!;
          values[id] = tf.tidy(() => {
            const r = run(ins);
            return ins.includes(r) ? tf.clone(r) : r;
          });
        }
        // Free every input this node was the last reader of (outputs/updates survive).
        for (const i of new Set(node.inputs)) {
          if (this.plan.lastUse.get(i) === pos && !roots.has(i) && !this.owned.has(i)) {
            values[i]!.dispose();
            values[i] = undefined;
          }
        }
      });
      const out: Record<string, HostTensor> = {};
      for (const name of this.outputNames) {
        const node = g.nodes[g.outputs.get(name)!];
        const data = await values[node.id]!.data();
        out[name] = { dtype: node.dtype, shape: node.shape, data: copy(data, node.dtype) };
      }
      // Swap state after every output is read (reads saw the old state).
      const next = new Map<string, T>();
      for (const { name, update } of this.states.values()) {
        if (update !== undefined) next.set(name, tf.clone(values[update]!));
      }
      for (const [name, t] of next) {
        this.state.get(name)!.dispose();
        this.state.set(name, t);
      }
      produced = values.filter((v, id): v is T => v !== undefined && !this.owned.has(id));
      return out;
    } catch (e) {
      produced = values.filter((v, id): v is T => v !== undefined && !this.owned.has(id));
      throw e;
    } finally {
      for (const t of produced) if (!t.isDisposed) t.dispose();
    }
  }

  protected async readStateData(entries: readonly StateEntry[]): Promise<TensorData[]> {
    const out: TensorData[] = [];
    for (const { name, node } of entries) {
      out.push(copy(await this.state.get(name)!.data(), node.dtype));
    }
    return out;
  }

  protected async writeStateData(
    values: readonly (readonly [StateEntry, HostTensor])[],
  ): Promise<void> {
    await activate(this.tf, this.flavour);
    for (const [{ name }, v] of values) {
      const t = hostToTf(this.tf, v);
      this.state.get(name)!.dispose();
      this.state.set(name, t);
    }
  }

  protected release(): void {
    for (const t of this.state.values()) t.dispose();
    for (const t of this.kept) t.dispose();
    this.state.clear();
    this.constants.clear();
    this.kept.length = 0;
  }
}

/** A TF.js tensor of a host tensor (TF.js takes Float32Array, not Float64Array). */
function hostToTf(tf: TfModule, v: HostTensor): T {
  const data = v.dtype === "f32" && !(v.data instanceof Float32Array)
    ? Float32Array.from(v.data)
    : v.data as Float32Array | Int32Array | Uint8Array;
  return tf.tensor(data, [...v.shape], tfDtype(v.dtype));
}

/** A host copy of TF.js data in actlab's storage type (bool as Uint8Array). */
function copy(data: ArrayLike<number> | unknown, dtype: HostTensor["dtype"]): TensorData {
  const src = data as ArrayLike<number>;
  if (dtype === "f32") return Float32Array.from(src);
  if (dtype === "i32") return Int32Array.from(src);
  return Uint8Array.from(src);
}
