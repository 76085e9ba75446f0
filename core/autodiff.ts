/**
 * Reverse-mode automatic differentiation over the graph IR. `grad` appends
 * the backward graph to the same graph, using each op's VJP rule, so the
 * gradients are ordinary graph tensors that any backend can run.
 * @module
 */
import { ActlabError } from "./errors.ts";
import type { Graph, Tensor } from "./graph.ts";
import { getOp } from "./op_def.ts";
import { add } from "./ops/elementwise.ts";
import { concat } from "./ops/indexing.ts";
import { full } from "./ops/source.ts";
import { fmtShape, sameShape } from "./shape.ts";

/** Result of `grad`. */
export interface GradResult {
  /** d loss / d wrt[i] (zeros when the loss does not depend on it). */
  readonly grads: Tensor[];
  /** d loss / d taps[i]: the gradient reaching each tapped forward node. */
  readonly taps: Tensor[];
}

/** Options of `grad`. */
export interface GradOptions {
  /** Forward nodes whose incoming gradient should be returned as well. */
  readonly taps?: readonly Tensor[];
  /** Seed gradient for a non-scalar `loss` (defaults to ones for scalars). */
  readonly seed?: Tensor;
}

/**
 * Append the backward graph of `loss` and return its gradients with respect
 * to `wrt` and to the tapped nodes. Only f32 nodes carry gradients; integer
 * and bool inputs (labels, masks) never receive one.
 */
export function grad(
  graph: Graph,
  loss: Tensor,
  wrt: readonly Tensor[],
  options: GradOptions = {},
): GradResult {
  const taps = options.taps ?? [];
  for (const t of [loss, ...wrt, ...taps]) {
    if (t.graph !== graph) {
      throw new ActlabError(
        "grad: a tensor belongs to a different graph",
        "differentiate within one Graph",
      );
    }
  }
  if (loss.dtype !== "f32") {
    throw new ActlabError(`grad: the loss must be f32, got ${loss.dtype}`, "cast the loss to f32");
  }
  if (!options.seed && loss.rank !== 0) {
    throw new ActlabError(
      `grad: the loss must be a scalar, got shape ${fmtShape(loss.shape)}`,
      "reduce it with sum()/mean() or pass a seed gradient",
    );
  }
  if (options.seed && !sameShape(options.seed.shape, loss.shape)) {
    throw new ActlabError(
      `grad: seed shape ${fmtShape(options.seed.shape)} differs from loss shape ${
        fmtShape(loss.shape)
      }`,
      "give the seed the loss's shape",
    );
  }
  const lossId = loss.id;
  const nodes = graph.nodes.slice(0, lossId + 1);
  const targets = new Set<number>([...wrt, ...taps].map((t) => t.id));

  // Nodes on a path from a target to the loss: only they need gradients.
  const fromTarget = new Array<boolean>(nodes.length).fill(false);
  for (const n of nodes) {
    fromTarget[n.id] = targets.has(n.id) || n.inputs.some((i) => fromTarget[i]);
  }
  const toLoss = new Array<boolean>(nodes.length).fill(false);
  toLoss[lossId] = true;
  for (let id = lossId; id >= 0; id--) {
    if (!toLoss[id]) continue;
    for (const i of nodes[id].inputs) toLoss[i] = true;
  }
  const active = (id: number) => fromTarget[id] && toLoss[id] && nodes[id].dtype === "f32";

  // Contributions are kept apart until a node's adjoint is first read, so
  // that slice gradients tiling their input can become one concat.
  const parts = new Map<number, Tensor[]>();
  const adj = new Map<number, Tensor>();
  const accumulate = (id: number, g: Tensor) => {
    const list = parts.get(id);
    if (list) list.push(g);
    else parts.set(id, [g]);
  };
  const adjoint = (id: number): Tensor | undefined => {
    let g = adj.get(id);
    const list = parts.get(id);
    if (g === undefined && list) {
      g = tilingConcat(graph, list) ?? list.reduce((a, b) => add(a, b));
      adj.set(id, g);
    }
    return g;
  };
  if (active(lossId)) accumulate(lossId, options.seed ?? full(loss, [], 1));

  for (let id = lossId; id >= 0; id--) {
    const g = adjoint(id);
    const node = nodes[id];
    if (!g || node.inputs.length === 0 || !active(id)) continue;
    const def = getOp(node.op);
    if (!def.vjp) continue;
    const inputs = node.inputs.map((i) => graph.tensor(i));
    const needs = node.inputs.map((i) => active(i));
    if (!needs.some(Boolean)) continue;
    const gs = def.vjp({ inputs, output: graph.tensor(id), grad: g, attrs: node.attrs, needs });
    gs.forEach((gi, k) => {
      if (!gi || !needs[k]) return;
      const inp = nodes[node.inputs[k]];
      if (!sameShape(gi.shape, inp.shape)) {
        throw new ActlabError(
          `grad: the VJP of "${node.op}" returned shape ${
            fmtShape(gi.shape)
          } for an input of shape ${fmtShape(inp.shape)}`,
          "fix that op's vjp rule in the catalogue",
        );
      }
      accumulate(node.inputs[k], gi);
    });
  }
  const pick = (t: Tensor) => adjoint(t.id) ?? full(loss, t.shape, 0, "f32");
  return { grads: wrt.map(pick), taps: taps.map(pick) };
}

/**
 * When every contribution is a unit-step `slice_grad` and together they tile
 * the sliced tensor along one axis (the backward of splitting a tensor into
 * pieces, e.g. attention's q, k, v), their sum is exactly the concat of the
 * incoming gradients: one copy instead of a zero-padded tensor per piece and
 * the adds between them. Undefined when the pattern does not hold.
 */
function tilingConcat(graph: Graph, contributions: readonly Tensor[]): Tensor | undefined {
  if (contributions.length < 2) return undefined;
  const nodes = contributions.map((t) => graph.nodes[t.id]);
  if (nodes.some((n) => n.op !== "slice_grad")) return undefined;
  const shape = nodes[0].shape;
  const pieces = nodes.map((n) => ({
    dy: graph.nodes[n.inputs[0]],
    starts: n.attrs.starts as readonly number[],
    steps: n.attrs.steps as readonly number[],
  }));
  const rank = shape.length;
  // The one axis along which the pieces differ from the whole tensor.
  let axis = -1;
  for (const p of pieces) {
    for (let ax = 0; ax < rank; ax++) {
      if (p.steps[ax] !== 1 && p.dy.shape[ax] > 1) return undefined;
      if (p.dy.shape[ax] === shape[ax]) continue;
      if (axis !== -1 && axis !== ax) return undefined;
      axis = ax;
    }
  }
  if (axis === -1) return undefined;
  for (const p of pieces) {
    for (let ax = 0; ax < rank; ax++) if (ax !== axis && p.starts[ax] !== 0) return undefined;
  }
  const sorted = [...pieces].sort((a, b) => a.starts[axis] - b.starts[axis]);
  let next = 0;
  for (const p of sorted) {
    if (p.starts[axis] !== next) return undefined;
    next += p.dy.shape[axis];
  }
  if (next !== shape[axis]) return undefined;
  return concat(sorted.map((p) => graph.tensor(p.dy.id)), axis);
}
