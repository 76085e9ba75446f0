/**
 * The reference executable: interprets a planned graph with Float32Array
 * (or Float64Array) kernels, reusing pooled buffers as `core/plan` assigns.
 * @module
 */
import type { Graph, Node } from "../../core/graph.ts";
import {
  allocData,
  type DType,
  type HostTensor,
  sizeOf,
  type TensorData,
} from "../../core/host_tensor.ts";
import { attrsOf } from "../../core/ops/attrs.ts";
import type { CompileOptions } from "../backend.ts";
import { ExecutableBase, type Feed, type StateEntry } from "../executable_base.ts";
import { getKernel, type Kernel, type KernelRun } from "./kernel.ts";

/**
 * Which kernel prepares a node: the reference table by default; another
 * host backend (onednn-cpu) passes its own lookup to reuse this executor —
 * the plan, the pooled buffers and the per-node prepared runs — with some
 * ops on its own kernels.
 */
export type KernelLookup = (op: string) => Kernel;

function elemBytes(dtype: DType, f64: boolean): number {
  return dtype === "bool" ? 1 : dtype === "f32" && f64 ? 8 : 4;
}

/** Where one buffer lives: its own ArrayBuffer, or a region of the executable's backing store. */
interface Region {
  readonly buffer: ArrayBuffer;
  readonly offset: number;
}

function view(at: Region, dtype: DType, n: number, f64: boolean): TensorData {
  const { buffer, offset } = at;
  if (dtype === "f32") {
    return f64 ? new Float64Array(buffer, offset, n) : new Float32Array(buffer, offset, n);
  }
  if (dtype === "i32") return new Int32Array(buffer, offset, n);
  return new Uint8Array(buffer, offset, n);
}

/**
 * One block of memory for all of an executable's buffers, state, constants
 * and feeds (copied in at each run), asked for once with its size in bytes
 * (onednn-cpu: a WebAssembly memory, so that its WASM kernels can address
 * every tensor).
 */
export type BackingStore = (bytes: number) => ArrayBuffer;

/** Regions are 64-byte aligned in a backing store (a cache line; oneDNN's vector loads). */
const REGION_ALIGN = 64;

/** Regions of `sizes` bytes: one ArrayBuffer each, or consecutive aligned regions of `backing`. */
function regions(sizes: readonly number[], backing?: BackingStore): Region[] {
  if (!backing) return sizes.map((b) => ({ buffer: new ArrayBuffer(Math.max(b, 8)), offset: 0 }));
  const offsets: number[] = [];
  let total = 0;
  for (const b of sizes) {
    offsets.push(total);
    total += Math.ceil(Math.max(b, 8) / REGION_ALIGN) * REGION_ALIGN;
  }
  const buffer = backing(total);
  return offsets.map((offset) => ({ buffer, offset }));
}

/** Copy `src` into fresh storage of the executable's precision. */
function convert(src: TensorData, dtype: DType, f64: boolean): TensorData {
  const out = allocData(dtype, src.length, f64);
  out.set(src);
  return out;
}

/**
 * Ops whose output shares its input's buffer (the planner's `aliasOps`): a
 * reshape is the same row-major bytes, so it costs no copy and no buffer.
 */
const ALIAS_OPS: ReadonlySet<string> = new Set(["reshape"]);

/**
 * Node pairs an executor fuses (onednn-cpu: a matmul and its bias add): the
 * consumer shares its producer's buffer and runs nothing, and the producer's
 * kernel receives extra inputs (after its own) and computes both.
 */
export interface Fusions {
  /** Consumer → the producer whose buffer it shares. */
  readonly aliasNodes: ReadonlyMap<number, number>;
  /** Producer → the extra input nodes its fused kernel reads. */
  readonly extraInputs: ReadonlyMap<number, readonly number[]>;
  /**
   * Node → the earlier node whose kernel writes it (the planner's
   * `siblings`): the node runs nothing, and its buffer is passed to that
   * kernel after its inputs and extra inputs, to be written.
   */
  readonly siblings?: ReadonlyMap<number, number>;
}

/** Executable produced by the reference backend. */
export class ReferenceExecutable extends ExecutableBase {
  private readonly f64: boolean;
  private readonly values: TensorData[] = [];
  private readonly runs: (KernelRun | null)[] = [];
  private readonly state = new Map<string, TensorData>();
  /** Aliases of a source (feed, state, constant): [node, source], re-pointed every run. */
  private readonly sourceAliases: [number, number][] = [];
  /** The ArrayBuffers this executable allocated, detached on dispose (none with a backing store). */
  private readonly ownBuffers: ArrayBuffer[];
  /** Feed node → its region of the backing store, where each run's feed is copied. */
  private readonly feedCopies = new Map<number, TensorData>();
  /** The input nodes each node's kernel reads (its own, plus a fusion's extras). */
  private readonly inputIds: (readonly number[])[] = [];

  /**
   * Plan the graph, allocate pooled buffers (in `backing` when given) and
   * prepare every node's kernel, taken from `kernelFor` (the reference
   * kernels unless given).
   */
  constructor(
    graph: Graph,
    options: CompileOptions = {},
    kernelFor: KernelLookup = getKernel,
    fusions?: Fusions,
    backing?: BackingStore,
  ) {
    super(graph, options, {
      aliasOps: ALIAS_OPS,
      aliasNodes: fusions?.aliasNodes,
      siblings: fusions?.siblings,
    });
    // The pairs the plan kept (it drops those whose computing node these outputs do not need).
    const written = new Map<number, number[]>();
    for (const [node, by] of this.plan.siblings) {
      written.set(by, [...written.get(by) ?? [], node]);
    }
    this.f64 = options.precision === "f64";
    const slotBytes = new Array<number>(this.plan.bufferBytes.length).fill(0);
    for (const [id, b] of this.plan.bufferOf) {
      const n = graph.nodes[id];
      slotBytes[b] = Math.max(slotBytes[b], sizeOf(n.shape) * elemBytes(n.dtype, this.f64));
    }
    const bytesOf = (n: Node) => sizeOf(n.shape) * elemBytes(n.dtype, this.f64);
    const stateNodes = [...this.states.values()].map((s) => s.node);
    const constants = this.plan.order.map((id) => graph.nodes[id])
      .filter((n) => n.op === "constant");
    // With a backing store, feeds are copied into it each run (kernels there address every tensor).
    const feedsIn = backing ? this.feedNodes : [];
    const all = regions([
      ...slotBytes,
      ...stateNodes.map(bytesOf),
      ...constants.map(bytesOf),
      ...feedsIn.map(bytesOf),
    ], backing);
    this.ownBuffers = backing ? [] : all.map((r) => r.buffer);
    const slots = all.slice(0, slotBytes.length);
    const stateAt = all.slice(slotBytes.length, slotBytes.length + stateNodes.length);
    const constantAt = new Map(
      constants.map((n, k) => [n.id, all[slotBytes.length + stateNodes.length + k]]),
    );
    const feedsAt = slotBytes.length + stateNodes.length + constants.length;
    feedsIn.forEach((n, k) => {
      this.feedCopies.set(n.id, view(all[feedsAt + k], n.dtype, sizeOf(n.shape), this.f64));
    });
    [...this.states.values()].forEach(({ name, node }, k) => {
      this.state.set(name, view(stateAt[k], node.dtype, sizeOf(node.shape), this.f64));
    });
    for (const id of this.plan.order) {
      const node = graph.nodes[id];
      const buf = this.plan.bufferOf.get(id);
      const root = this.plan.aliasOf.get(id);
      if (root !== undefined) {
        // Same bytes as its storage: a view of the same buffer, or the source's array each run.
        if (buf !== undefined) {
          this.values[id] = view(slots[buf], node.dtype, sizeOf(node.shape), this.f64);
        } else this.sourceAliases.push([id, root]);
      } else if (buf !== undefined && this.plan.siblings.has(id)) {
        this.values[id] = view(slots[buf], node.dtype, sizeOf(node.shape), this.f64);
      } else if (buf !== undefined) {
        this.values[id] = view(slots[buf], node.dtype, sizeOf(node.shape), this.f64);
        this.inputIds[id] = [
          ...node.inputs,
          ...fusions?.extraInputs.get(id) ?? [],
          ...written.get(id) ?? [],
        ];
        const inputs = this.inputIds[id].map((i) => graph.nodes[i]);
        this.runs[id] = kernelFor(node.op)(node, inputs, this.f64);
      } else if (node.op === "constant") {
        const data = view(constantAt.get(id)!, node.dtype, sizeOf(node.shape), this.f64);
        data.set(attrsOf(node, "constant").value.data);
        this.values[id] = data;
      } else if (node.op === "state") {
        this.values[id] = this.state.get(attrsOf(node, "state").name)!;
      }
    }
    this.compiled();
  }

  // deno-lint-ignore require-await -- async so that errors reject instead of throwing
  protected async execute(feeds: readonly Feed[]): Promise<Record<string, HostTensor>> {
    const g = this.graph;
    for (const { node, value } of feeds) {
      const copy = this.feedCopies.get(node.id);
      if (copy) {
        copy.set(value.data);
        this.values[node.id] = copy;
        continue;
      }
      this.values[node.id] = this.f64 && node.dtype === "f32" &&
          !(value.data instanceof Float64Array)
        ? convert(value.data, "f32", true)
        : value.data;
    }
    for (const [id, root] of this.sourceAliases) this.values[id] = this.values[root];
    for (const id of this.plan.order) {
      const run = this.runs[id];
      if (run) run(this.values[id], this.inputIds[id].map((i) => this.values[i]));
    }
    const out: Record<string, HostTensor> = {};
    for (const name of this.outputNames) {
      const node = g.nodes[g.outputs.get(name)!];
      out[name] = { dtype: node.dtype, shape: node.shape, data: this.values[node.id].slice() };
    }
    // State updates are written after every output is computed (reads saw the old state).
    // An update whose storage is another state's array (a swap) is copied first, since that
    // array may be overwritten before it is read; every other update is copied straight in.
    const pending: [TensorData, TensorData][] = [];
    for (const { name, update } of this.states.values()) {
      if (update === undefined) continue;
      const src = this.values[update];
      pending.push([this.state.get(name)!, this.readsState(update) ? src.slice() : src]);
    }
    for (const [dst, src] of pending) dst.set(src);
    return out;
  }

  /** Whether node `id`'s value is a state's own array (the state, or an alias of it). */
  private readsState(id: number): boolean {
    return this.graph.nodes[this.plan.aliasOf.get(id) ?? id].op === "state";
  }

  protected readStateData(entries: readonly StateEntry[]): TensorData[] {
    return entries.map(({ name }) => this.state.get(name)!.slice());
  }

  protected writeStateData(values: readonly (readonly [StateEntry, HostTensor])[]): void {
    for (const [{ name }, v] of values) this.state.get(name)!.set(v.data);
  }

  /**
   * Drop the buffers now: detaching an ArrayBuffer (`transfer(0)`) frees its
   * memory at once, where dropping the references waits for V8's garbage
   * collector — which let a disposed executable's buffers linger beside the
   * next one (`--backend auto` times two backends, then trains on one).
   * A backing store cannot be detached (a WebAssembly memory's buffer):
   * dropping the views leaves it to the collector. Feeds are the caller's
   * arrays and are left alone.
   */
  protected release(): void {
    for (const buffer of this.ownBuffers) buffer.transfer(0);
    this.ownBuffers.length = 0;
    this.state.clear();
    this.values.length = 0;
  }
}
