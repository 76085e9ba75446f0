/**
 * The static-shape graph IR. A model is traced into a `Graph` by calling the
 * builder functions of `core/ops`; every node has exactly one output tensor.
 * Node ids are assigned in creation order, which is always a valid
 * topological order (a node can only use nodes that already exist).
 * @module
 */
import { ActlabError } from "./errors.ts";
import type { DType, HostTensor, Shape } from "./host_tensor.ts";
import { getOp } from "./op_def.ts";
import { fmtShape } from "./shape.ts";

/** One attribute value. */
export type AttrValue = number | boolean | string | readonly number[] | HostTensor | null;

/** Attributes of a node: plain data, validated by the op's definition. */
export type Attrs = Readonly<Record<string, AttrValue>>;

/** A node of the graph: one op applied to earlier nodes, producing one tensor. */
export interface Node {
  /** Index of the node in `Graph.nodes`. */
  readonly id: number;
  /** Name of the catalogue op. */
  readonly op: string;
  /** Ids of input nodes. */
  readonly inputs: readonly number[];
  /** Validated attributes (defaults filled in). */
  readonly attrs: Attrs;
  /** Output shape. */
  readonly shape: Shape;
  /** Output dtype. */
  readonly dtype: DType;
}

/** A handle to a node's output while tracing. */
export class Tensor {
  /** The graph the tensor belongs to. */
  readonly graph: Graph;
  /** The node id. */
  readonly id: number;

  /** Wrap node `id` of `graph`. */
  constructor(graph: Graph, id: number) {
    this.graph = graph;
    this.id = id;
  }

  /** The node producing this tensor. */
  get node(): Node {
    return this.graph.nodes[this.id];
  }

  /** Shape of the tensor. */
  get shape(): Shape {
    return this.graph.nodes[this.id].shape;
  }

  /** Dtype of the tensor. */
  get dtype(): DType {
    return this.graph.nodes[this.id].dtype;
  }

  /** Number of axes. */
  get rank(): number {
    return this.graph.nodes[this.id].shape.length;
  }
}

/** Declaration of a piece of state: read at `id`, replaced each run by `update`. */
export interface StateSlot {
  /** Node id of the `state` node that reads the current value. */
  readonly id: number;
  /** Node id of the new value written after each run, if any. */
  update?: number;
}

/**
 * A static-shape computation graph with named feeds, named state (read at the
 * start of a run, replaced by its update at the end) and named outputs.
 */
export class Graph {
  /** All nodes in creation (topological) order. */
  readonly nodes: Node[] = [];
  /** Feed name → node id. */
  readonly inputs: Map<string, number> = new Map();
  /** State name → slot. */
  readonly states: Map<string, StateSlot> = new Map();
  /** Output name → node id. */
  readonly outputs: Map<string, number> = new Map();

  /** Apply catalogue op `op` to `inputs`; validates attrs and infers the output shape. */
  apply(op: string, inputs: readonly Tensor[], attrs: Record<string, AttrValue> = {}): Tensor {
    const def = getOp(op);
    for (const t of inputs) {
      if (t.graph !== this) {
        throw new ActlabError(
          `${op}: an input tensor belongs to a different graph`,
          "build every tensor of one computation in the same Graph",
        );
      }
    }
    if (def.arity !== undefined && inputs.length !== def.arity) {
      throw new ActlabError(
        `${op}: expects ${def.arity} input(s), got ${inputs.length}`,
        `pass exactly ${def.arity} tensor(s)`,
      );
    }
    const infos = inputs.map((t) => ({ shape: t.shape, dtype: t.dtype }));
    const norm = def.attrs ? def.attrs(attrs, infos) : attrs;
    const { shape, dtype } = def.infer(infos, norm);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new ActlabError(
          `${op}: inferred an invalid output shape ${fmtShape(shape)}`,
          "check the op's attributes against its input shapes",
        );
      }
    }
    const node: Node = {
      id: this.nodes.length,
      op,
      inputs: inputs.map((t) => t.id),
      attrs: Object.freeze({ ...norm }),
      shape: Object.freeze([...shape]),
      dtype,
    };
    this.nodes.push(node);
    return new Tensor(this, node.id);
  }

  /** Declare a named feed (supplied on every run). */
  input(name: string, shape: Shape, dtype: DType = "f32"): Tensor {
    this.checkFreeName(name);
    const t = this.apply("input", [], { name, shape: [...shape], dtype });
    this.inputs.set(name, t.id);
    return t;
  }

  /** Declare named state: kept by the executable between runs (zeros until written). */
  state(name: string, shape: Shape, dtype: DType = "f32"): Tensor {
    this.checkFreeName(name);
    const t = this.apply("state", [], { name, shape: [...shape], dtype });
    this.states.set(name, { id: t.id });
    return t;
  }

  /** Set the value that state `name` takes after each run. */
  setStateUpdate(name: string, value: Tensor): void {
    const slot = this.states.get(name);
    if (!slot) {
      throw new ActlabError(`unknown state "${name}"`, "declare it with graph.state() first");
    }
    const s = this.nodes[slot.id];
    if (
      value.graph !== this || value.dtype !== s.dtype || fmtShape(value.shape) !== fmtShape(s.shape)
    ) {
      throw new ActlabError(
        `state "${name}" is ${s.dtype}${fmtShape(s.shape)} but its update is ${value.dtype}${
          fmtShape(value.shape)
        }`,
        "the update must have the state's shape and dtype",
      );
    }
    slot.update = value.id;
  }

  /** Mark `value` as a named output of every run. */
  output(name: string, value: Tensor): void {
    if (this.outputs.has(name)) {
      throw new ActlabError(`output "${name}" is declared twice`, "give each output its own name");
    }
    this.outputs.set(name, value.id);
  }

  /** Handle for node `id`. */
  tensor(id: number): Tensor {
    return new Tensor(this, id);
  }

  /** Throw when `name` is already a feed or state. */
  private checkFreeName(name: string): void {
    if (this.inputs.has(name) || this.states.has(name)) {
      throw new ActlabError(
        `the name "${name}" is already used by a feed or state`,
        "give every feed and state its own name",
      );
    }
  }
}
