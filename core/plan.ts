/**
 * Execution planning: dead-code elimination, topological schedule, liveness,
 * buffer reuse and the peak-memory estimate used in benchmark tables.
 * @module
 */
import { ActlabError } from "./errors.ts";
import type { Graph } from "./graph.ts";
import { bytesPerElement, sizeOf } from "./host_tensor.ts";

/** Ops whose values are supplied from outside the schedule (no pooled buffer). */
export const SOURCE_OPS: ReadonlySet<string> = new Set(["input", "state", "constant"]);

/** A schedule with buffer assignments. */
export interface Plan {
  /** Node ids to evaluate, in order (sources included, dead nodes removed). */
  readonly order: readonly number[];
  /** Node id → position in `order` after which its value is no longer read. */
  readonly lastUse: ReadonlyMap<number, number>;
  /**
   * Node id → pooled buffer index, for every computed (non-source) node; a
   * node in `aliasOf` whose storage is pooled has its storage's buffer.
   */
  readonly bufferOf: ReadonlyMap<number, number>;
  /**
   * Node id → the node whose storage it shares, for nodes of `aliasOps` (empty
   * without that option). The storage is a computed node (then the alias has
   * the same pooled buffer, kept until the last of them is read) or a source.
   */
  readonly aliasOf: ReadonlyMap<number, number>;
  /** The `siblings` pairs kept (node → the node whose kernel computes it); both are needed. */
  readonly siblings: ReadonlyMap<number, number>;
  /** Size in bytes of each pooled buffer (4 bytes per f32/i32 element, 1 per bool). */
  readonly bufferBytes: readonly number[];
  /** Node ids that must survive the run (outputs and state updates). */
  readonly roots: readonly number[];
  /** Bytes held by sources: feeds, state and constants. */
  readonly sourceBytes: number;
  /** Largest total of simultaneously live pooled bytes during the schedule. */
  readonly peakPooledBytes: number;
  /** `sourceBytes + peakPooledBytes`: the memory figure reported by benchmarks. */
  readonly peakBytes: number;
}

/** Options of `plan`. */
export interface PlanOptions {
  /** Output names to compute (all declared outputs when omitted). State updates are always kept. */
  readonly outputs?: readonly string[];
  /** Disable buffer reuse (every node gets its own buffer); for debugging and tests. */
  readonly noReuse?: boolean;
  /**
   * Ops whose output is their first input's bytes unchanged (`reshape`): the
   * node shares its input's storage instead of getting a buffer and a copy.
   * Only for executors that read such a node's value from `aliasOf`.
   */
  readonly aliasOps?: ReadonlySet<string>;
  /**
   * Nodes that share the storage of one of their inputs (node → that input),
   * chosen by an executor that fuses the pair: the input's kernel computes
   * both and the node itself runs nothing.
   */
  readonly aliasNodes?: ReadonlyMap<number, number>;
  /**
   * Nodes another node's kernel computes (node → that node, which comes
   * earlier in the schedule and reads what the node reads): the node's
   * buffer is allocated when its computing node runs, and the node itself
   * runs nothing — one kernel with several results (onednn-cpu: a batch-norm
   * gradient with its scale and shift gradients).
   */
  readonly siblings?: ReadonlyMap<number, number>;
}

function nodeBytes(graph: Graph, id: number): number {
  const n = graph.nodes[id];
  return sizeOf(n.shape) * bytesPerElement(n.dtype);
}

/** Which nodes `roots` depend on (themselves included). Ids are topological. */
export function liveFrom(graph: Graph, roots: Iterable<number>): boolean[] {
  const live = new Array<boolean>(graph.nodes.length).fill(false);
  for (const r of roots) live[r] = true;
  for (let id = graph.nodes.length - 1; id >= 0; id--) {
    if (live[id]) { for (const i of graph.nodes[id].inputs) live[i] = true; }
  }
  return live;
}

/** Which nodes the outputs `names` (default all) and every state update of `graph` depend on. */
export function liveNodes(graph: Graph, names?: readonly string[]): boolean[] {
  const roots = names ? names.map((n) => graph.outputs.get(n)!) : [...graph.outputs.values()];
  for (const slot of graph.states.values()) if (slot.update !== undefined) roots.push(slot.update);
  return liveFrom(graph, roots);
}

/** Plan the evaluation of `graph`'s outputs and state updates. */
export function plan(graph: Graph, options: PlanOptions = {}): Plan {
  const names = options.outputs ?? [...graph.outputs.keys()];
  const roots: number[] = [];
  for (const name of names) {
    const id = graph.outputs.get(name);
    if (id === undefined) {
      throw new ActlabError(
        `unknown output "${name}"`,
        `request one of: ${[...graph.outputs.keys()].join(", ") || "(no outputs declared)"}`,
      );
    }
    roots.push(id);
  }
  for (const slot of graph.states.values()) if (slot.update !== undefined) roots.push(slot.update);

  // Dead-code elimination: keep what the roots depend on.
  const live = liveFrom(graph, roots);
  const order: number[] = [];
  for (let id = 0; id < graph.nodes.length; id++) if (live[id]) order.push(id);

  const lastUse = new Map<number, number>();
  order.forEach((id, pos) => {
    for (const i of graph.nodes[id].inputs) lastUse.set(i, pos);
  });
  const rootSet = new Set(roots);
  for (const r of rootSet) lastUse.set(r, Infinity);
  const aliasOf = aliasStorage(graph, order, options.aliasOps, options.aliasNodes);
  // A storage lives until the last read of any node sharing it.
  const storageEnd = new Map<number, number>();
  for (const [id, root] of aliasOf) {
    const end = Math.max(storageEnd.get(root) ?? lastUse.get(root) ?? -1, lastUse.get(id) ?? -1);
    storageEnd.set(root, end);
  }

  const bufferOf = new Map<number, number>();
  const bufferBytes: number[] = [];
  const free: number[] = [];
  const releaseAt = new Map<number, number[]>();
  let liveBytes = 0;
  let peakPooled = 0;
  let sourceBytes = 0;
  // A pair whose computing node is not needed for these outputs is dropped: the node then
  // runs its own kernel (the executor reads the pairs kept from `Plan.siblings`).
  const siblings = new Map<number, number>();
  const siblingsOf = new Map<number, number[]>();
  for (const [s, a] of options.siblings ?? []) {
    if (!(a < s)) {
      throw new ActlabError(
        `plan: node ${s} cannot be computed by node ${a}, which comes after it`,
        "pair a node only with an earlier node (a bug in the executor's fusion pass)",
      );
    }
    if (!live[s] || !live[a]) continue;
    siblings.set(s, a);
    siblingsOf.set(a, [...siblingsOf.get(a) ?? [], s]);
  }
  const allocate = (id: number, pos: number) => {
    const bytes = nodeBytes(graph, id);
    // Best fit among free buffers; the output is allocated before this node's
    // inputs are released, so an op never writes over a buffer it reads.
    let best = -1;
    if (!options.noReuse) {
      for (let k = 0; k < free.length; k++) {
        const b = free[k];
        if (bufferBytes[b] >= bytes && (best < 0 || bufferBytes[b] < bufferBytes[free[best]])) {
          best = k;
        }
      }
    }
    let buf: number;
    if (best >= 0) {
      buf = free.splice(best, 1)[0];
    } else {
      buf = bufferBytes.length;
      bufferBytes.push(bytes);
    }
    bufferOf.set(id, buf);
    liveBytes += bytes;
    peakPooled = Math.max(peakPooled, liveBytes);
    const end = storageEnd.get(id) ?? lastUse.get(id) ?? pos; // unused values die right away
    if (end !== Infinity) {
      const list = releaseAt.get(end) ?? [];
      list.push(id);
      releaseAt.set(end, list);
    }
  };
  order.forEach((id, pos) => {
    const node = graph.nodes[id];
    const bytes = nodeBytes(graph, id);
    const root = aliasOf.get(id);
    if (SOURCE_OPS.has(node.op)) {
      sourceBytes += bytes;
    } else if (root !== undefined) {
      const buf = bufferOf.get(root);
      if (buf !== undefined) bufferOf.set(id, buf);
    } else if (siblings.has(id)) {
      // Allocated with the node that computes it.
    } else {
      allocate(id, pos);
      for (const s of siblingsOf.get(id) ?? []) allocate(s, pos);
    }
    for (const dead of releaseAt.get(pos) ?? []) {
      free.push(bufferOf.get(dead)!);
      liveBytes -= nodeBytes(graph, dead);
    }
  });
  return {
    order,
    lastUse,
    bufferOf,
    aliasOf,
    siblings,
    bufferBytes,
    roots: [...rootSet],
    sourceBytes,
    peakPooledBytes: peakPooled,
    peakBytes: sourceBytes + peakPooled,
  };
}

/** Each `aliasOps` or `aliasNodes` node in `order` → the node that owns the storage it shares. */
function aliasStorage(
  graph: Graph,
  order: readonly number[],
  aliasOps: ReadonlySet<string> | undefined,
  aliasNodes: ReadonlyMap<number, number> | undefined,
): Map<number, number> {
  const aliasOf = new Map<number, number>();
  for (const id of order) {
    const node = graph.nodes[id];
    const input = aliasNodes?.get(id) ??
      (aliasOps?.has(node.op) && node.inputs.length > 0 ? node.inputs[0] : undefined);
    if (input === undefined) continue;
    if (!node.inputs.includes(input)) {
      throw new ActlabError(
        `plan: node ${id} (${node.op}) cannot share the storage of node ${input}, not one of its inputs`,
        "alias a node only to one of its inputs (a bug in the executor's fusion pass)",
      );
    }
    aliasOf.set(id, aliasOf.get(input) ?? input);
  }
  return aliasOf;
}

/** Peak bytes needed to run `graph` (sources plus the largest live set of intermediates). */
export function peakBytes(graph: Graph, options: PlanOptions = {}): number {
  return plan(graph, options).peakBytes;
}
