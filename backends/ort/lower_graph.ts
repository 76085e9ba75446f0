/**
 * Lower a whole actlab graph to one ONNX model: feeds and state become graph
 * inputs (or, for export, state becomes initializers), requested outputs and
 * state updates become graph outputs with their real element types.
 * @module
 */
import { expandComposites } from "../../core/expand.ts";
import { ActlabError } from "../../core/errors.ts";
import type { Graph, Node } from "../../core/graph.ts";
import type { HostTensor } from "../../core/host_tensor.ts";
import { attrsOf } from "../../core/ops/attrs.ts";
import { fmtShape, sameShape } from "../../core/shape.ts";
import { OnnxBuilder, onnxType } from "./onnx_builder.ts";
import type { OnnxModel, OnnxValueInfo } from "./onnx_proto.ts";
import { getLowering } from "./lowering.ts";
import "./lower_mod.ts";

/** How graph-level names map to ONNX value names. */
export interface Naming {
  /** ONNX input name of feed `name`. */
  feed(name: string): string;
  /** ONNX input name of state `name`. */
  state(name: string): string;
  /** ONNX output name of output `name`. */
  output(name: string): string;
  /** ONNX output name of the update of state `name`. */
  update(name: string): string;
}

/** Names used by compiled executables: prefixes keep feeds, state and outputs apart. */
export const PREFIXED: Naming = {
  feed: (n) => `feed:${n}`,
  state: (n) => `state:${n}`,
  output: (n) => `out:${n}`,
  update: (n) => `next:${n}`,
};

/** Names used by exported models: the graph's own names. */
export const PLAIN: Naming = {
  feed: (n) => n,
  state: (n) => n,
  output: (n) => n,
  update: (n) => `${n}:next`,
};

/** Options of `lowerGraph`. */
export interface LowerGraphOptions {
  /** Outputs to produce (all declared outputs when omitted). */
  readonly outputs?: readonly string[];
  /** Value naming (default `PREFIXED`). */
  readonly naming?: Naming;
  /**
   * State baked in as initializers (export). When given, state is not a graph
   * input and state updates are not produced.
   */
  readonly stateValues?: Readonly<Record<string, HostTensor>>;
  /** Graph name written into the model. */
  readonly name?: string;
}

/** One graph input or output of the lowered model, with the graph-level name it serves. */
export interface LoweredValue {
  /** Name in the actlab graph (feed, state or output name). */
  readonly name: string;
  /** ONNX value name. */
  readonly onnxName: string;
  /** The actlab node that declares or produces it. */
  readonly node: Node;
}

/** A lowered graph and the correspondence between its ONNX values and the actlab graph. */
export interface LoweredGraph {
  /** The model. */
  readonly model: OnnxModel;
  /** Feeds the model reads (only those the outputs depend on). */
  readonly feeds: readonly LoweredValue[];
  /** State the model reads as inputs. */
  readonly stateInputs: readonly LoweredValue[];
  /** Requested outputs. */
  readonly outputs: readonly LoweredValue[];
  /** State updates produced as outputs (`name` is the state's name). */
  readonly updates: readonly LoweredValue[];
}

function valueInfo(name: string, node: Node): OnnxValueInfo {
  return { name, elemType: onnxType(node.dtype), shape: [...node.shape] };
}

/**
 * Lower `graph` to an ONNX model; composite ops are lowered through their
 * decompositions (the returned nodes belong to the expanded graph).
 */
export function lowerGraph(composite: Graph, options: LowerGraphOptions = {}): LoweredGraph {
  const graph = expandComposites(composite);
  const naming = options.naming ?? PREFIXED;
  const baked = options.stateValues;
  const outNames = [...(options.outputs ?? graph.outputs.keys())];
  const roots: { name: string; id: number; update: boolean }[] = [];
  for (const name of outNames) {
    const id = graph.outputs.get(name);
    if (id === undefined) {
      throw new ActlabError(
        `unknown output "${name}"`,
        `request one of: ${[...graph.outputs.keys()].join(", ") || "(no outputs declared)"}`,
      );
    }
    roots.push({ name, id, update: false });
  }
  if (!baked) {
    for (const [name, slot] of graph.states) {
      if (slot.update !== undefined) roots.push({ name, id: slot.update, update: true });
    }
  }

  if (roots.length === 0) {
    throw new ActlabError(
      "the graph has nothing to compute: no outputs requested and no state updates",
      "declare outputs with graph.output() or request some in compile options",
    );
  }
  // Dead-code elimination (ids are topological).
  const live = new Array<boolean>(graph.nodes.length).fill(false);
  for (const r of roots) live[r.id] = true;
  for (let id = graph.nodes.length - 1; id >= 0; id--) {
    if (live[id]) { for (const i of graph.nodes[id].inputs) live[i] = true; }
  }

  const b = new OnnxBuilder();
  const external = roots.map((r) => (r.update ? naming.update(r.name) : naming.output(r.name)));
  for (const n of external) b.reserve(n);

  const vals: string[] = [];
  const valueOf = (id: number) => {
    const v = vals[id];
    if (v === undefined) throw new Error(`lowering: node ${id} is not lowered yet`);
    return v;
  };
  const feeds: LoweredValue[] = [];
  const stateInputs: LoweredValue[] = [];
  const inputs: OnnxValueInfo[] = [];
  for (let id = 0; id < graph.nodes.length; id++) {
    if (!live[id]) continue;
    const node = graph.nodes[id];
    if (node.op === "input") {
      const name = attrsOf(node, "input").name;
      const onnxName = naming.feed(name);
      b.reserve(onnxName);
      inputs.push(valueInfo(onnxName, node));
      feeds.push({ name, onnxName, node });
      vals[id] = onnxName;
    } else if (node.op === "state" && baked) {
      const name = attrsOf(node, "state").name;
      const v = baked[name];
      if (!v || v.dtype !== node.dtype || !sameShape(v.shape, node.shape)) {
        throw new ActlabError(
          `state "${name}" (${node.dtype}${fmtShape(node.shape)}) has ${
            v ? `a ${v.dtype}${fmtShape(v.shape)} value` : "no value"
          } to bake into the model`,
          `pass initializers["${name}"] with the state's shape and dtype`,
        );
      }
      vals[id] = b.namedInitializer(naming.state(name), v);
    } else if (node.op === "state") {
      const name = attrsOf(node, "state").name;
      const onnxName = naming.state(name);
      b.reserve(onnxName);
      inputs.push(valueInfo(onnxName, node));
      stateInputs.push({ name, onnxName, node });
      vals[id] = onnxName;
    } else {
      b.scope = `${node.op}#${id}`;
      vals[id] = getLowering(node.op)({
        b,
        node,
        x: node.inputs.map((i) => vals[i]),
        ins: node.inputs.map((i) => graph.nodes[i]),
        valueOf,
        nodeOf: (i) => graph.nodes[i],
      });
    }
  }

  // Give each root value its external name: rename the producing node's output
  // when it is free to take it, otherwise copy through Identity (graph inputs,
  // initializers, and values already claimed by another output).
  b.scope = "output";
  const produced = new Map<string, number>();
  b.nodes.forEach((n, k) => n.outputs.forEach((o) => produced.set(o, k)));
  const renames = new Map<string, string>();
  const claimed = new Set<string>();
  const outputs: LoweredValue[] = [];
  const updates: LoweredValue[] = [];
  const outInfos: OnnxValueInfo[] = [];
  roots.forEach((r, k) => {
    const target = external[k];
    const v = vals[r.id];
    if (produced.has(v) && !claimed.has(v)) {
      claimed.add(v);
      renames.set(v, target);
    } else {
      b.opInto("Identity", [renames.get(v) ?? v], [target]);
    }
    const node = graph.nodes[r.id];
    outInfos.push(valueInfo(target, node));
    (r.update ? updates : outputs).push({ name: r.name, onnxName: target, node });
  });
  const rn = (s: string) => renames.get(s) ?? s;
  const nodes = pruneUnread(
    b.nodes.map((n) => ({ ...n, inputs: n.inputs.map(rn), outputs: n.outputs.map(rn) })),
    new Set(external),
  );

  return {
    model: {
      graph: {
        name: options.name ?? "actlab",
        nodes,
        initializers: b.initializers,
        inputs,
        outputs: outInfos,
      },
    },
    feeds,
    stateInputs,
    outputs,
    updates,
  };
}

/**
 * Drop ONNX nodes none of whose outputs reaches a graph output: what a fusing
 * lowering rule bypassed (e.g. the Pad of a slice gradient scattered instead).
 * `nodes` carry their final (renamed) value names; `outputs` are the graph's.
 */
function pruneUnread<N extends { inputs: readonly string[]; outputs: readonly string[] }>(
  nodes: readonly N[],
  outputs: ReadonlySet<string>,
): N[] {
  const needed = new Set<string>(outputs);
  const keep = new Array<boolean>(nodes.length).fill(false);
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    if (!n.outputs.some((o) => needed.has(o))) continue;
    keep[k] = true;
    for (const i of n.inputs) needed.add(i);
  }
  return nodes.filter((_, k) => keep[k]);
}
