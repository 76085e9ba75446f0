/**
 * Device memory of one executable, allocated once at compile time: the
 * planner's pooled buffers (bools widened to 4 bytes), one buffer per feed,
 * constant and state, the staging buffer outputs are read back through, and
 * the end-of-run copies that install state updates.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Graph, Node } from "../../core/graph.ts";
import { sizeOf } from "../../core/host_tensor.ts";
import { attrsOf } from "../../core/ops/attrs.ts";
import type { Plan } from "../../core/plan.ts";
import { fmtShape } from "../../core/shape.ts";
import type { StateEntry } from "../executable_base.ts";
import { DIAG_BYTES } from "./diagnostics.ts";
import { hostValue, toDevice } from "./transfer.ts";

/** Ops whose values the host provides: feeds, state, constants and `full` (uploaded once). */
export const HOST_OPS: ReadonlySet<string> = new Set(["input", "state", "constant", "full"]);

/** Usage of every tensor buffer: bound as storage, copied from and to. */
export function storageUsage(): number {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
}

/** The buffers an executable owns: allocated through it, destroyed together. */
export class GpuBuffers {
  private readonly owned: GPUBuffer[] = [];
  /** Bytes allocated so far. */
  bytes = 0;

  /** Allocate on `device`. */
  constructor(readonly device: GPUDevice) {}

  /** A buffer of at least `bytes` (≥ 16, rounded up to 16: zero-sized bindings are invalid). */
  alloc(bytes: number, usage: number, label: string): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const b = this.device.createBuffer({ size, usage, label });
    this.owned.push(b);
    this.bytes += size;
    return b;
  }

  /** Destroy every buffer. */
  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
  }
}

/** Where each node's value lives on the device. */
export interface NodeBuffers {
  /** Buffer of each scheduled node, by node id (state nodes: their state's buffer). */
  readonly node: GPUBuffer[];
  /** Buffer of each state, by name. */
  readonly state: ReadonlyMap<string, GPUBuffer>;
}

/**
 * Allocate every node's buffer and upload constants. Throws when a tensor
 * exceeds what one storage binding may cover.
 */
export function allocateNodes(
  graph: Graph,
  plan: Plan,
  states: Iterable<StateEntry>,
  mem: GpuBuffers,
  maxBinding: number,
): NodeBuffers {
  for (const id of plan.order) {
    const n = graph.nodes[id];
    const bytes = sizeOf(n.shape) * 4;
    if (bytes > maxBinding) {
      throw new ActlabError(
        `webgpu: node #${id} (${n.op}, ${n.dtype}${fmtShape(n.shape)}) needs ${bytes} bytes, ` +
          `but this device binds at most ${maxBinding} bytes per storage buffer`,
        "use a smaller batch or layer, or a device with a larger maxStorageBufferBindingSize",
      );
    }
  }
  const STORE = storageUsage();
  // Pooled buffers: the plan's slots, resized for 4-byte bools.
  const slotBytes = new Array<number>(plan.bufferBytes.length).fill(0);
  for (const [id, b] of plan.bufferOf) {
    if (HOST_OPS.has(graph.nodes[id].op)) continue;
    slotBytes[b] = Math.max(slotBytes[b], sizeOf(graph.nodes[id].shape) * 4);
  }
  const slots = slotBytes.map((b, i) => mem.alloc(b, STORE, `pool${i}`));
  const node: GPUBuffer[] = [];
  for (const id of plan.order) {
    const n = graph.nodes[id];
    const bytes = sizeOf(n.shape) * 4;
    if (n.op === "input") {
      node[id] = mem.alloc(bytes, STORE, `feed ${attrsOf(n, "input").name}`);
    } else if (n.op === "constant" || n.op === "full") {
      const buf = mem.alloc(bytes, STORE, `${n.op}#${id}`);
      if (bytes) mem.device.queue.writeBuffer(buf, 0, toDevice(n.dtype, hostValue(n).data));
      node[id] = buf;
    } else if (n.op !== "state") {
      node[id] = slots[plan.bufferOf.get(id)!];
    }
  }
  const state = new Map<string, GPUBuffer>();
  for (const { name, node: n } of states) {
    const buf = mem.alloc(sizeOf(n.shape) * 4, STORE, `state ${name}`);
    state.set(name, buf);
    node[n.id] = buf;
  }
  return { node, state };
}

/** Where each output (and the diagnostics record) lands in the staging buffer. */
export interface OutputLayout {
  /** Requested outputs with their byte offsets. */
  readonly outputs: readonly { name: string; node: Node; offset: number }[];
  /** Byte offset of the diagnostics record (when there is one). */
  readonly diagOffset: number;
  /** The mappable buffer, or null when a run has nothing to read back. */
  readonly staging: GPUBuffer | null;
}

/** Lay the requested outputs (and diagnostics) out in one staging buffer. */
export function layoutOutputs(
  graph: Graph,
  names: readonly string[],
  withDiag: boolean,
  mem: GpuBuffers,
): OutputLayout {
  let offset = 0;
  const outputs = names.map((name) => {
    const node = graph.nodes[graph.outputs.get(name)!];
    const o = { name, node, offset };
    offset += sizeOf(node.shape) * 4;
    return o;
  });
  const diagOffset = offset;
  if (withDiag) offset += DIAG_BYTES;
  const usage = GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST;
  return { outputs, diagOffset, staging: offset > 0 ? mem.alloc(offset, usage, "outputs") : null };
}

/** A buffer-to-buffer copy of whole tensors. */
export interface Copy {
  /** Source. */
  readonly src: GPUBuffer;
  /** Destination. */
  readonly dst: GPUBuffer;
  /** Bytes. */
  readonly bytes: number;
}

/** The end-of-run copies that replace each updated state with its new value. */
export interface StateCopies {
  /** Updates that are another state's old value: snapshot to `tmp` first, then copy. */
  readonly swaps: readonly (Copy & { readonly tmp: GPUBuffer })[];
  /** Updates computed by the run: copied straight in. */
  readonly direct: readonly Copy[];
}

/** Plan the end-of-run copies of state updates into the state buffers. */
export function planStateCopies(
  states: Iterable<StateEntry>,
  buffers: NodeBuffers,
  mem: GpuBuffers,
): StateCopies {
  const entries = [...states];
  const stateIds = new Set(entries.map((s) => s.node.id));
  const swaps: (Copy & { tmp: GPUBuffer })[] = [];
  const direct: Copy[] = [];
  for (const { name, node, update } of entries) {
    if (update === undefined || update === node.id) continue;
    const bytes = sizeOf(node.shape) * 4;
    if (!bytes) continue;
    const src = buffers.node[update];
    const dst = buffers.state.get(name)!;
    if (stateIds.has(update)) {
      // Another state's old value: snapshot it first, since that state may be overwritten too.
      const usage = GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
      swaps.push({ src, dst, bytes, tmp: mem.alloc(bytes, usage, `swap ${name}`) });
    } else {
      direct.push({ src, dst, bytes });
    }
  }
  return { swaps, direct };
}

/** Record the state copies: snapshots, direct updates, then the snapshots into place. */
export function encodeStateCopies(enc: GPUCommandEncoder, c: StateCopies): void {
  for (const s of c.swaps) enc.copyBufferToBuffer(s.src, 0, s.tmp, 0, s.bytes);
  for (const s of c.direct) enc.copyBufferToBuffer(s.src, 0, s.dst, 0, s.bytes);
  for (const s of c.swaps) enc.copyBufferToBuffer(s.tmp, 0, s.dst, 0, s.bytes);
}
