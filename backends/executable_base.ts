/**
 * What every executable shares, written once: the plan, the state table
 * (state by name; values written are checked against the graph's shape and
 * dtype), feed validation, run counters and dispose bookkeeping. A backend
 * extends `ExecutableBase` and supplies only what is its own — where values
 * live and how a run computes them: `execute`, `readStateData`,
 * `writeStateData` and `release`.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Graph, Node } from "../core/graph.ts";
import { type HostTensor, sizeOf, type TensorData } from "../core/host_tensor.ts";
import { attrsOf } from "../core/ops/attrs.ts";
import { type Plan, plan as makePlan, type PlanOptions } from "../core/plan.ts";
import { fmtShape, sameShape } from "../core/shape.ts";
import type { CompileOptions, ExecStats, Executable } from "./backend.ts";

/** Check a host tensor against the node that declares it (a feed or a state). */
export function checkValue(
  kind: "feed" | "state",
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

/** A feed of one run, validated against its `input` node. */
export interface Feed {
  /** Feed name. */
  readonly name: string;
  /** The `input` node. */
  readonly node: Node;
  /** The value (declared shape and dtype). */
  readonly value: HostTensor;
}

/** One entry of the state table. */
export interface StateEntry {
  /** State name. */
  readonly name: string;
  /** The `state` node (shape and dtype of the value). */
  readonly node: Node;
  /** Node id of the value that replaces the state after each run, if any. */
  readonly update?: number;
}

/** The common counters; backends with more extend `ExecStats`. */
interface Counters {
  runs: number;
  compileMs: number;
  lastRunMs: number;
  totalRunMs: number;
}

/**
 * The shared half of an executable. Feeds and state values reach the
 * backend's hooks already checked; the hooks never see unknown names.
 */
export abstract class ExecutableBase implements Executable {
  /** The compiled graph. */
  protected readonly graph: Graph;
  /** Outputs each run returns, in order. */
  protected readonly outputNames: readonly string[];
  /** The planner's schedule, liveness and buffer assignment for those outputs. */
  protected readonly plan: Plan;
  /** Feeds the outputs and state updates depend on, in schedule order. */
  protected readonly feedNodes: readonly Node[];
  /** Every state of the graph by name, in declaration order. */
  protected readonly states: ReadonlyMap<string, StateEntry>;
  /** When construction began (`performance.now()`). */
  protected readonly createdAt: number = performance.now();
  private readonly counters: Counters = { runs: 0, compileMs: 0, lastRunMs: 0, totalRunMs: 0 };
  private disposed = false;
  private running = false;

  /**
   * Plan `graph` for the requested outputs (with `planOptions`, e.g. the ops
   * this executor aliases) and build the feed and state tables.
   */
  protected constructor(
    graph: Graph,
    options: CompileOptions = {},
    planOptions: Omit<PlanOptions, "outputs"> = {},
  ) {
    this.graph = graph;
    this.outputNames = [...(options.outputs ?? graph.outputs.keys())];
    this.plan = makePlan(graph, { ...planOptions, outputs: this.outputNames });
    this.feedNodes = this.plan.order.map((id) => graph.nodes[id]).filter((n) => n.op === "input");
    const states = new Map<string, StateEntry>();
    for (const [name, slot] of graph.states) {
      states.set(name, { name, node: graph.nodes[slot.id], update: slot.update });
    }
    this.states = states;
  }

  /** Compute the requested outputs from checked feeds; update state in place. */
  protected abstract execute(feeds: readonly Feed[]): Promise<Record<string, HostTensor>>;

  /** Copy the current values of `entries` to the host, in order. */
  protected abstract readStateData(
    entries: readonly StateEntry[],
  ): TensorData[] | Promise<TensorData[]>;

  /** Overwrite states with checked values. */
  protected abstract writeStateData(
    values: readonly (readonly [StateEntry, HostTensor])[],
  ): void | Promise<void>;

  /** Free the backend's resources (called once, by `dispose`). */
  protected abstract release(): void;

  /** Record how long compilation took (default: since construction began). */
  protected compiled(ms: number = performance.now() - this.createdAt): void {
    this.counters.compileMs = ms;
  }

  /** Throw unless the executable can still be used (backends add their own checks). */
  protected checkUsable(method: string): void {
    if (this.disposed) {
      throw new ActlabError(`${method} on a disposed executable`, "compile the graph again");
    }
  }

  /** Check `feeds` against every feed a run reads. */
  protected checkFeeds(feeds: Readonly<Record<string, HostTensor>>): Feed[] {
    return this.feedNodes.map((node) => {
      const name = attrsOf(node, "input").name;
      return { name, node, value: checkValue("feed", name, node, feeds[name]) };
    });
  }

  async run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    this.checkUsable("run()");
    if (this.running) {
      throw new ActlabError(
        "run() called while a previous run of the same executable is still in flight",
        "await each run before starting the next (state is updated in place)",
      );
    }
    const t0 = performance.now();
    this.running = true;
    try {
      const out = await this.execute(this.checkFeeds(feeds));
      const ms = performance.now() - t0;
      this.counters.runs++;
      this.counters.lastRunMs = ms;
      this.counters.totalRunMs += ms;
      return out;
    } finally {
      this.running = false;
    }
  }

  async readState(names?: readonly string[]): Promise<Record<string, HostTensor>> {
    this.checkUsable("readState()");
    const entries = (names ?? [...this.states.keys()]).map((name) => this.stateEntry(name));
    const data = await this.readStateData(entries);
    const out: Record<string, HostTensor> = {};
    entries.forEach(({ name, node }, k) => {
      out[name] = { dtype: node.dtype, shape: node.shape, data: data[k] };
    });
    return out;
  }

  async writeState(values: Readonly<Record<string, HostTensor>>): Promise<void> {
    this.checkUsable("writeState()");
    // Every value is checked before any is written: a bad one leaves the state as it was.
    const checked = Object.entries(values).map(([name, v]) => {
      const entry = this.stateEntry(name);
      return [entry, checkValue("state", name, entry.node, v)] as const;
    });
    await this.writeStateData(checked);
  }

  stats(): ExecStats {
    return { ...this.counters, peakBytes: this.plan.peakBytes };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.release();
  }

  private stateEntry(name: string): StateEntry {
    const entry = this.states.get(name);
    if (!entry) {
      throw new ActlabError(
        `unknown state "${name}"`,
        `use one of: ${[...this.states.keys()].join(", ") || "(the graph has no state)"}`,
      );
    }
    return entry;
  }
}
