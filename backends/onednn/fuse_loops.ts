/**
 * Loop fusion on onednn-cpu: chains of cheap elementwise ops become one
 * generated host loop (`host/fused.ts`), as XLA's and TorchInductor's loop
 * fusion do. A training graph is mostly such chains around the big kernels:
 * a ReLU's backward is `mul(g, cast(ge(x, 0), f32))`, every site's sparsity
 * metric `mean(cast(eq(y, 0), f32))`, batch norm's statistics and their
 * gradients `sum(mul(g, sub(x, broadcast_to(μ))))`, AdamW's update a dozen
 * ops per parameter. Unfused, each op is a full pass over memory and an
 * intermediate buffer (convnet + DPA, batch 128: ≈ 60 ms of its 228 ms step
 * in `eq`, `ge`, `cast`, `threshold` and `broadcast_to` alone).
 *
 * A group has a root — a fusible elementwise op, or a `sum` / `mean` whose
 * input is one — and the fusible nodes it reads that nothing else reads (no
 * other node, output or state update) and whose shape is the root's domain
 * (the root's shape, or a reduction's input shape), found from the root
 * backwards. Everything else a group reads is a leaf, read in place with
 * broadcast strides (so `broadcast_to` inside a group costs nothing); scalar
 * constants become literals. The root is rewritten into a node of op `fused`
 * whose inputs are the leaves and whose attrs hold the program; the absorbed
 * nodes are no longer read and the planner drops them with their buffers.
 * Fused maps, and reductions, over one domain then merge into one loop with
 * several outputs where their leaves allow (`mergeMaps`).
 *
 * Fusible ops are those a SIMD loop runs at memory speed: arithmetic,
 * comparisons, selects, casts, `sqrt`, and the index-only `broadcast_to` and
 * `stop_gradient`; transcendental ops stay on oneDNN's vectorised kernels,
 * and `erf` on its own float32 kernel (kernels/erf.ts: WASM f64x2 lanes,
 * compute-bound on two long polynomials, ≈ 10 ns per element).
 * Every f32 intermediate is rounded to float32 (`Math.fround`) where the
 * reference stores it, and a fused `sum` / `mean` accumulates in float64 in
 * ascending input order as the reference does, so a fused group's result is
 * the reference's bit for bit. `ACTLAB_ONEDNN_FUSE=bias` keeps only the
 * matmul + bias fusion, `off` none (to measure them).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { AttrValue, Graph, Node } from "../../core/graph.ts";
import { Graph as GraphClass } from "../../core/graph.ts";
import { type DType, sizeOf } from "../../core/host_tensor.ts";
import { attrsOf } from "../../core/ops/attrs.ts";
import { sameShape } from "../../core/shape.ts";
import { liveNodes } from "../../core/plan.ts";
import { readerCounts } from "./fuse.ts";
import { fusedNest, mergedReductions, reducedOutputs } from "./fused_nest.ts";

/** One step of a fused program: `const t<k> = <op>(args)`. */
export interface FusedStep {
  /** The catalogue op. */
  readonly op: string;
  /** Operands as code: `l<k>` (leaf k), `t<k>` (step k) or a number literal. */
  readonly args: readonly string[];
  /** Operand dtypes, in order. */
  readonly argDtypes: readonly DType[];
  /** The result's dtype. */
  readonly dtype: DType;
  /** The op's scalar parameter (`threshold`'s τ; 0 otherwise). */
  readonly p: number;
  /** `threshold`'s inclusiveness (false otherwise). */
  readonly inclusive: boolean;
}

/** What a `fused` node computes over its domain. */
export interface FusedProgram {
  /** `map` writes the last step per element; `sum` / `mean` reduce it over `axes`. */
  readonly kind: "map" | "sum" | "mean";
  /** The shape the steps run over (the output's, or a reduction's input shape). */
  readonly domain: readonly number[];
  /** The reduced axes of the domain (empty for `map`). */
  readonly axes: readonly number[];
  /** The steps in order; the last is the value stored or accumulated. */
  readonly steps: readonly FusedStep[];
  /**
   * A `map` that computes other fused maps' outputs too (see `mergeMaps`):
   * the step each output stores — this node's first, then each sibling's,
   * whose buffers follow the leaves in the kernel's inputs. Absent: the last
   * step, one output.
   */
  readonly stores?: readonly number[];
  /**
   * Per output in `stores`: null where the output stores its step per
   * element, or the reduction a merged `sum` / `mean` sibling accumulates its
   * step into (see `mergeMaps`; the host's own entry is null). Absent: every
   * output is stored per element.
   */
  readonly reductions?: readonly (FusedReduction | null)[];
  /** Per leaf: null, or the part of the domain it covers (`FusedSpread`; at most one). */
  readonly spreads?: readonly (FusedSpread | null)[];
}

/**
 * A leaf read through the `slice_grad` it feeds (`spreadOf`): over `count`
 * indices from `start` along `axis` of the domain the leaf's values, +0
 * everywhere else — a gradient into a slice (DPA's class token) added to the
 * whole tensor's without the zero-filled tensor.
 */
export interface FusedSpread {
  /** The axis of the domain the leaf covers part of. */
  readonly axis: number;
  /** The first index it covers along `axis`. */
  readonly start: number;
  /** How many indices it covers (the leaf's extent along `axis`). */
  readonly count: number;
}

/** A reduction a merged map also computes: a sibling `sum` / `mean` over `axes` of the domain. */
export interface FusedReduction {
  /** Whether the sibling divides by the reduced count. */
  readonly kind: "sum" | "mean";
  /** The reduced axes of the domain. */
  readonly axes: readonly number[];
}

/**
 * How many sibling outputs fused `node` (program `p`) writes, checked against
 * what the executor passes after its leaves (`inputs`): a merged map must
 * get every sibling's buffer — the pass and the plan see the same outputs.
 */
export function checkedSiblings(node: Node, p: FusedProgram, inputs: readonly Node[]): number {
  const e = storesOf(p).length - 1;
  if (inputs.length !== node.inputs.length + e) {
    throw new ActlabError(
      `fused node ${node.id}: stores ${e} sibling output(s) but is given ${
        inputs.length - node.inputs.length
      }`,
      "fuse with the outputs the executable computes (a bug in onednn-cpu's loop fusion)",
    );
  }
  return e;
}

/** The step each output of `p` stores (this node's first). */
export function storesOf(p: FusedProgram): readonly number[] {
  return p.stores ?? [p.steps.length - 1];
}

/** Per output of `p` (`storesOf`), the reduction it accumulates into, or null (stored per element). */
export function reductionsOf(p: FusedProgram): readonly (FusedReduction | null)[] {
  return p.reductions ?? storesOf(p).map(() => null);
}

/**
 * Which steps change along a row: those reading, directly or through other
 * steps, a leaf whose column stride is 1 (`leafColStrides[k]` is leaf k's).
 * The rest are computed once per row by both loop generators.
 */
export function varyingSteps(
  steps: readonly FusedStep[],
  leafColStrides: readonly number[],
): boolean[] {
  const varying = new Set<string>();
  leafColStrides.forEach((s, k) => s === 1 && varying.add(`l${k}`));
  return steps.map((s, j) => {
    const v = s.args.some((a) => varying.has(a));
    if (v) varying.add(`t${j}`);
    return v;
  });
}

/** The op of a rewritten root. */
export const FUSED_OP = "fused";

/** Ops a fused loop computes (their reference formulas are in host/fused.ts). */
export const FUSIBLE_OPS: ReadonlySet<string> = new Set([
  "add",
  "sub",
  "mul",
  "div",
  "maximum",
  "minimum",
  "lt",
  "le",
  "gt",
  "ge",
  "eq",
  "neg",
  "abs",
  "sign",
  "square",
  "sqrt",
  "rsqrt",
  "where",
  "cast",
  "threshold",
  "broadcast_to",
  "stop_gradient",
]);

/**
 * Fusible ops that become a one-step loop even alone: oneDNN has no kernel
 * for them with actlab's semantics (NaN in comparisons and selects, a bool
 * result), so alone they would run a JavaScript host kernel; as a fused node
 * they run the WASM one. The oneDNN-native ops (add, mul, sqrt, …) alone
 * stay on oneDNN's two-thread kernels.
 */
const SOLO_OPS: ReadonlySet<string> = new Set([
  "threshold",
  "lt",
  "le",
  "gt",
  "ge",
  "eq",
  "maximum",
  "minimum",
  "sign",
  "rsqrt",
  "where",
  "cast",
]);

/**
 * Whether a lone `sum` / `mean` over `axes` of `domain` is fused too (a
 * loop with no steps): when it keeps more than one output. The WASM loop
 * adds a kept innermost axis into a row of accumulators two lanes at a time
 * (bias gradients, sums over the batch), and a reduced innermost axis four
 * rows — four outputs — at a time (pooling over H×W, batch-norm-style sums);
 * a reduction to one value is one serial add chain either way, and stays on
 * oneDNN's reduction (long rows) or the host kernel.
 */
function keepsOutputs(domain: readonly number[], axes: readonly number[]): boolean {
  return domain.some((d, i) => d > 1 && !axes.includes(i));
}

/** Bounds on one generated loop (a larger group is cut at its leaves). */
const MAX_STEPS = 48;
const MAX_LEAVES = 12;

function fusible(n: Node): boolean {
  if (!FUSIBLE_OPS.has(n.op)) return false;
  // i32 arithmetic has its own integer formulas; a loop mixing them gains little.
  return n.dtype === "f32" || n.dtype === "bool";
}

/**
 * A one-element f32 or bool constant, or f32 fill (`scalar()`'s), as a
 * literal — its float32 value — else null.
 */
function literal(n: Node): string | null {
  if (sizeOf(n.shape) !== 1 || n.dtype === "i32") return null;
  let v: number;
  if (n.op === "constant") v = attrsOf(n, "constant").value.data[0];
  else if (n.op === "full" && n.dtype === "f32") v = Math.fround(attrsOf(n, "full").value);
  else return null;
  if (Object.is(v, -0)) return "(-0)";
  return Number.isFinite(v) ? `(${v})` : null;
}

/**
 * When `x` is a reshape that only merges adjacent axes of its f32 input (each
 * of its axes the product of a run of the input's), a reduction over `axes`
 * of `x` as one over the input: its id, shape and the axes the reduced axes
 * cover. The kept axes keep their order, so the reduction's output is the
 * same. Else null.
 */
function unreshaped(
  graph: Graph,
  x: Node,
  axes: readonly number[],
): { id: number; domain: readonly number[]; axes: number[] } | null {
  if (x.op !== "reshape") return null;
  const src = graph.nodes[x.inputs[0]];
  if (src.dtype !== "f32") return null;
  const runs: number[][] = [];
  let i = 0;
  for (const d of x.shape) {
    const run: number[] = [];
    let p = 1;
    while (p < d && i < src.shape.length) {
      p *= src.shape[i];
      run.push(i++);
    }
    if (p !== d) return null;
    runs.push(run);
  }
  // Size-1 axes left over carry nothing: they join the last run (or none, for a scalar).
  while (i < src.shape.length) {
    if (src.shape[i] !== 1) return null;
    runs[runs.length - 1]?.push(i);
    i++;
  }
  return { id: src.id, domain: src.shape, axes: axes.flatMap((a) => runs[a]) };
}

/** A group found from its root: the absorbed nodes (root last) and the leaves. */
interface Group {
  readonly members: number[];
  /** The nodes the members read, a `slice_grad` included (the kernel reads its input). */
  readonly leaves: number[];
  /** Per leaf: null, or the spread of a `slice_grad` read (`spreadOf`). */
  readonly spreads?: (FusedSpread | null)[];
}

/**
 * What a `slice_grad` leaf `n` of a loop contributes as a spread (its input
 * read where the slice lies, +0 elsewhere), or null: an f32 `slice_grad`
 * that is partial along exactly one axis, with step 1, followed by an axis
 * with more than one element (so the covered part is whole rows of the loop).
 */
function spreadOf(graph: Graph, n: Node): FusedSpread | null {
  if (n.op !== "slice_grad" || n.dtype !== "f32") return null;
  const dy = graph.nodes[n.inputs[0]];
  const { starts, steps } = attrsOf(n, "slice_grad");
  let axis = -1;
  for (let ax = 0; ax < n.shape.length; ax++) {
    if (steps[ax] !== 1) return null;
    if (dy.shape[ax] === n.shape[ax]) continue;
    if (axis >= 0) return null;
    axis = ax;
  }
  if (axis < 0 || !n.shape.slice(axis + 1).some((d) => d > 1)) return null;
  return { axis, start: starts[axis], count: dy.shape[axis] };
}

/**
 * The group of `root` over `domain`: grown backwards through single-reader
 * fusible nodes of the domain's shape; null when nothing joins the root or
 * the loop would read too many leaves.
 */
function grow(
  graph: Graph,
  root: Node,
  domain: readonly number[],
  readers: Int32Array,
  taken: ReadonlySet<number>,
): Group | null {
  const inGroup = new Set<number>([root.id]);
  const stack = [...root.inputs];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const n = graph.nodes[id];
    if (
      inGroup.has(id) || taken.has(id) || readers[id] !== 1 || !fusible(n) ||
      !sameShape(n.shape, domain) || inGroup.size >= MAX_STEPS
    ) continue;
    inGroup.add(id);
    for (const i of n.inputs) stack.push(i);
  }
  if (inGroup.size < 2 && !SOLO_OPS.has(root.op)) return null;
  const members = [...inGroup].sort((a, b) => a - b); // ids are topological: the root is last
  const leaves: number[] = [];
  for (const id of members) {
    for (const i of graph.nodes[id].inputs) {
      if (!inGroup.has(i) && !leaves.includes(i) && literal(graph.nodes[i]) === null) {
        leaves.push(i);
      }
    }
  }
  if (leaves.length > MAX_LEAVES) return null;
  // One `slice_grad` only this loop reads is read through (`spreadOf`), not computed.
  const k = leaves.findIndex((id) =>
    readers[id] === 1 && !taken.has(id) && spreadOf(graph, graph.nodes[id]) !== null
  );
  if (k < 0) return { members, leaves };
  return {
    members,
    leaves,
    spreads: leaves.map((id, j) => (j === k ? spreadOf(graph, graph.nodes[id]) : null)),
  };
}

function programOf(
  graph: Graph,
  group: Group,
  kind: FusedProgram["kind"],
  domain: readonly number[],
  axes: readonly number[],
): FusedProgram {
  const ref = new Map<number, string>();
  group.leaves.forEach((id, k) => ref.set(id, `l${k}`));
  const steps: FusedStep[] = [];
  for (const id of group.members) {
    const n = graph.nodes[id];
    if (kind !== "map" && id === group.members[group.members.length - 1]) break; // the reduction
    const args = n.inputs.map((i) => ref.get(i) ?? literal(graph.nodes[i])!);
    const th = n.op === "threshold" ? attrsOf(n, "threshold") : null;
    steps.push({
      op: n.op,
      args,
      argDtypes: n.inputs.map((i) => graph.nodes[i].dtype),
      dtype: n.dtype,
      p: th?.tau ?? 0,
      inclusive: th?.inclusive ?? false,
    });
    ref.set(id, `t${steps.length - 1}`);
  }
  return { kind, domain, axes, steps, ...(group.spreads ? { spreads: group.spreads } : {}) };
}

/** `graph` with fused roots rewritten (the same object when nothing fuses). */
export interface LoopFusion {
  /** The graph to plan and run. */
  readonly graph: Graph;
  /** How many groups were fused, and how many nodes they absorbed. */
  readonly groups: number;
  /** Nodes absorbed into groups (roots excluded). */
  readonly absorbed: number;
  /** Fused maps computed by an earlier fused map's loop (the planner's siblings). */
  readonly siblings: ReadonlyMap<number, number>;
}

/**
 * Fuse the elementwise chains of `graph` into `fused` nodes; `keep` are
 * nodes that must stay as they are (another fusion's members); `outputs`
 * (default all) are the outputs the executable computes — the planner's
 * liveness, which merged maps must agree with.
 */
export function fuseLoops(
  graph: Graph,
  keep: ReadonlySet<number> = new Set(),
  outputs?: readonly string[],
): LoopFusion {
  const taken = new Set<number>(keep);
  const rewritten = new Map<number, Node>();
  let absorbed = 0;
  // Only nodes the outputs and state updates need (the planner drops the rest anyway).
  const live = liveNodes(graph, outputs);
  const readers = readerCounts(graph, live);
  for (let id = graph.nodes.length - 1; id >= 0; id--) {
    const n = graph.nodes[id];
    if (taken.has(id) || !live[id]) continue;
    let kind: FusedProgram["kind"];
    let domain: readonly number[];
    let axes: readonly number[] = [];
    if ((n.op === "sum" || n.op === "mean") && n.dtype === "f32") {
      const x = graph.nodes[n.inputs[0]];
      if (x.dtype !== "f32") continue;
      kind = n.op;
      domain = x.shape;
      axes = attrsOf(n, n.op).axes;
    } else if (fusible(n)) {
      kind = "map";
      domain = n.shape;
    } else continue;
    if (sizeOf(domain) === 0) continue;
    let group = grow(graph, n, domain, readers, taken);
    if (!group && kind !== "map") {
      // A lone reduction: over the tensor a reshape regroups, when it can (so it can join the
      // loop computing that tensor — a linear layer's bias gradient sums the 2-D view of it).
      const whole = unreshaped(graph, graph.nodes[n.inputs[0]], axes);
      if (whole) [domain, axes] = [whole.domain, whole.axes];
      if (keepsOutputs(domain, axes)) group = { members: [id], leaves: [whole?.id ?? n.inputs[0]] };
    }
    if (!group) continue;
    for (const m of group.members) taken.add(m);
    absorbed += group.members.length - 1;
    const program = programOf(graph, group, kind, domain, axes);
    // A spread leaf's `slice_grad` is read by no one now: the kernel reads its input.
    const inputs = group.leaves.map((l, k) => {
      if (!group.spreads?.[k]) return l;
      taken.add(l);
      absorbed++;
      return graph.nodes[l].inputs[0];
    });
    rewritten.set(id, {
      id,
      op: FUSED_OP,
      inputs,
      attrs: Object.freeze({ program: JSON.stringify(program) as AttrValue, kind }),
      shape: n.shape,
      dtype: n.dtype,
    });
  }
  if (rewritten.size === 0) return { graph, groups: 0, absorbed: 0, siblings: new Map() };
  const joined = mergeMaps(graph, rewritten);
  const out = new GraphClass();
  for (const n of graph.nodes) out.nodes.push(rewritten.get(n.id) ?? n);
  for (const [k, v] of graph.inputs) out.inputs.set(k, v);
  for (const [k, v] of graph.states) out.states.set(k, { ...v });
  for (const [k, v] of graph.outputs) out.outputs.set(k, v);
  const siblings = pruneSiblings(out, joined, outputs);
  let merged = 0;
  for (const list of joined.values()) merged += list.length;
  return { graph: out, groups: rewritten.size - merged, absorbed, siblings };
}

/**
 * Merge fused f32 maps over one domain into one loop with several outputs:
 * a later map or reduction B joins an earlier map A when every leaf of B is
 * computed before A runs, or is A, or another map (not a reduction: its
 * value is complete only after the loop) already joined to A. Then
 * A's loop computes B's steps too and stores B's value into B's buffer, or
 * (a reduction) accumulates it into B's outputs — B becomes A's sibling:
 * allocated with A, running nothing — reading each shared leaf once.
 * AdamW's moment, variance and parameter updates of one tensor become one
 * pass over its gradient, moments and parameter instead of three; an
 * activation's output, its sparsity count and DPA's pooling of its input
 * (the mean over H×W) one pass over the input instead of three.
 * A reduction joins only when the merged loop keeps rows as long as A's
 * (or 16 elements): its accumulators' strides can split A's flat loop.
 * Rewrites the merged nodes in `fused` (A's program and leaves; B with A as
 * its one input, so that whatever needs B needs A) and returns each host's
 * joined maps, in the order of its stores.
 */
function mergeMaps(graph: Graph, fused: Map<number, Node>): Map<number, number[]> {
  const siblings = new Map<number, number>();
  const joined = new Map<number, number[]>(); // host → its siblings
  const reductions = new Set<number>(); // the siblings that are reductions
  const ids = [...fused.keys()].sort((a, b) => a - b);
  // Each node's program, parsed once (a host's is replaced as maps join it).
  const programs = new Map(
    ids.map((id) => [id, JSON.parse(fused.get(id)!.attrs.program as string) as FusedProgram]),
  );
  for (let i = 0; i < ids.length; i++) {
    const b = ids[i];
    const nb = fused.get(b)!;
    const pb = programs.get(b)!;
    if (nb.dtype !== "f32" || pb.spreads) continue;
    for (let k = i - 1; k >= 0; k--) {
      const a = ids[k];
      const na = fused.get(a)!;
      if (siblings.has(a) || na.dtype !== "f32") continue;
      const pa = programs.get(a)!;
      if (pa.kind !== "map" || !sameShape(pa.domain, pb.domain)) continue;
      // A joined reduction's value is complete only after the loop: no joiner may read it.
      const mine = new Set([a, ...(joined.get(a) ?? []).filter((s) => !reductions.has(s))]);
      if (!nb.inputs.every((l) => l < a || mine.has(l))) continue;
      const merged = appendMap(pa, na.inputs, pb, nb.inputs, a, joined.get(a) ?? []);
      if (!merged || (pb.kind !== "map" && !keepsRows(graph, pa, na.inputs, merged))) continue;
      fused.set(a, {
        ...na,
        inputs: merged.leaves,
        attrs: Object.freeze({ program: JSON.stringify(merged.program) as AttrValue, kind: "map" }),
      });
      programs.set(a, merged.program);
      // B reads only A now: needed whenever B is, A runs first and computes it.
      fused.set(b, { ...nb, inputs: [a] });
      siblings.set(b, a);
      if (pb.kind !== "map") reductions.add(b);
      joined.set(a, [...joined.get(a) ?? [], b]);
      break;
    }
  }
  return joined;
}

/**
 * The siblings of the merged maps in `graph` (host → joined maps, in the
 * order of its stores), less those no output needs any more — a map read
 * only by maps merged into the same loop — whose stores are dropped from
 * the host's program. Returns the siblings kept (map → host).
 */
function pruneSiblings(
  graph: Graph,
  joined: ReadonlyMap<number, readonly number[]>,
  outputs: readonly string[] | undefined,
): Map<number, number> {
  const live = liveNodes(graph, outputs);
  const siblings = new Map<number, number>();
  for (const [a, list] of joined) {
    const host = graph.nodes[a];
    const p = JSON.parse(host.attrs.program as string) as FusedProgram;
    const stores = storesOf(p);
    const kept = list.filter((b) => live[b]);
    for (const b of kept) siblings.set(b, a);
    if (kept.length === list.length) continue;
    const reductions = reductionsOf(p);
    const index = [0, ...kept.map((b) => 1 + list.indexOf(b))];
    const program: FusedProgram = {
      ...p,
      stores: index.map((k) => stores[k]),
      reductions: p.reductions && index.map((k) => reductions[k]),
    };
    graph.nodes[a] = {
      ...host,
      attrs: Object.freeze({ program: JSON.stringify(program) as AttrValue, kind: "map" }),
    };
  }
  return siblings;
}

/**
 * Host program `pa` (leaves `la`, node `a`, siblings `sibs`) with map `pb`
 * (leaves `lb`) appended; null when the loop would grow past its bounds.
 */
function appendMap(
  pa: FusedProgram,
  la: readonly number[],
  pb: FusedProgram,
  lb: readonly number[],
  a: number,
  sibs: readonly number[],
): { program: FusedProgram; leaves: number[] } | null {
  const stores = storesOf(pa);
  const leaves = [...la];
  const base = pa.steps.length;
  // The value of a leaf of B that the host computes: the step storing it.
  const computed = new Map<number, number>([[a, stores[0]]]);
  const reductions = reductionsOf(pa);
  sibs.forEach((s, k) => reductions[k + 1] === null && computed.set(s, stores[k + 1]));
  const refOf = (arg: string): string => {
    if (arg.startsWith("t")) return `t${base + Number(arg.slice(1))}`;
    if (!arg.startsWith("l")) return arg; // a literal
    const leaf = lb[Number(arg.slice(1))];
    const step = computed.get(leaf);
    if (step !== undefined) return `t${step}`;
    // (A spread leaf reads its node only where it covers the domain: not the same leaf.)
    let k = leaves.findIndex((l, j) => l === leaf && !pa.spreads?.[j]);
    if (k < 0) k = leaves.push(leaf) - 1;
    return `l${k}`;
  };
  const added = pb.steps.map((st) => ({ ...st, args: st.args.map(refOf) }));
  // A lone reduction sums its leaf: the loop reads it through a step that passes it on.
  if (added.length === 0) {
    added.push({
      op: "stop_gradient",
      args: [refOf("l0")],
      argDtypes: ["f32"],
      dtype: "f32",
      p: 0,
      inclusive: false,
    });
  }
  const steps = [...pa.steps, ...added];
  if (steps.length > MAX_STEPS || leaves.length > MAX_LEAVES) return null;
  const reduction = pb.kind === "map" ? null : { kind: pb.kind, axes: pb.axes };
  return {
    program: {
      ...pa,
      steps,
      stores: [...stores, steps.length - 1],
      ...(reduction || pa.reductions ? { reductions: [...reductionsOf(pa), reduction] } : {}),
      ...(pa.spreads ? { spreads: leaves.map((_, j) => pa.spreads![j] ?? null) } : {}),
    },
    leaves,
  };
}

/**
 * Whether the loop of `merged` (host program `pa` over `leaves` with a
 * reduction joined) has rows as long as `pa`'s own loop, or at least 16
 * elements — the vector loop's length.
 */
function keepsRows(
  graph: Graph,
  pa: FusedProgram,
  leaves: readonly number[],
  merged: { program: FusedProgram; leaves: readonly number[] },
): boolean {
  const cols = (p: FusedProgram, ls: readonly number[]) =>
    fusedNest(p, ls.map((id) => graph.nodes[id].shape)).cols;
  const after = cols(merged.program, merged.leaves);
  return after >= 16 || after >= cols(pa, leaves);
}

/**
 * Bytes of the row of zeros a loop with a spread leaf reads outside its
 * cover (at most the elements after the covered axis, the loop's row; 16
 * more for alignment), or 0.
 */
export function zeroRowBytes(p: FusedProgram): number {
  const sp = p.spreads?.find((s) => s !== null);
  return sp ? 4 * sizeOf(p.domain.slice(sp.axis + 1)) + 16 : 0;
}

/**
 * Bytes of kernel scratch the largest fused loop of `graph` needs: float64
 * accumulators (a reduction's, or a merged map's reductions') and a spread
 * leaf's row of zeros.
 */
export function fusedScratchBytes(graph: Graph): number {
  let most = 0;
  for (const n of graph.nodes) {
    if (n.op !== FUSED_OP) continue;
    const p = JSON.parse(n.attrs.program as string) as FusedProgram;
    const parts = p.kind === "map"
      ? mergedReductions(p).map((r) => reducedOutputs({ domain: p.domain, axes: r.axes }))
      : [sizeOf(n.shape)];
    most = Math.max(most, 8 * parts.reduce((a, b) => a + b, 0) + zeroRowBytes(p));
  }
  return most;
}
