/**
 * The lowering registry: one rule per catalogue op, turning a graph node into
 * standard (default-domain) ONNX nodes. Rules live in `lower_<family>.ts`,
 * mirroring `core/ops/<family>.ts`.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Node } from "../../core/graph.ts";
import type { OnnxBuilder } from "./onnx_builder.ts";

/** What a lowering rule receives. */
export interface LowerArgs {
  /** The builder to emit nodes and constants into. */
  readonly b: OnnxBuilder;
  /** The node being lowered (attrs, output shape and dtype). */
  readonly node: Node;
  /** ONNX value names of the node's inputs. */
  readonly x: readonly string[];
  /** The input nodes (their shapes and dtypes). */
  readonly ins: readonly Node[];
  /**
   * The ONNX value of any node lowered before this one (inputs of inputs, for
   * rules that fuse a pattern). A node bypassed this way costs nothing:
   * ONNX nodes whose results nobody reads are pruned after lowering.
   */
  readonly valueOf: (id: number) => string;
  /** Any node of the graph by id (to look through an input to its own inputs). */
  readonly nodeOf: (id: number) => Node;
}

/** A lowering rule: emits ONNX nodes and returns the value name holding the node's output. */
export type LowerFn = (args: LowerArgs) => string;

const rules = new Map<string, LowerFn>();

/** Register the lowering of catalogue op `op` (once per op). */
export function registerLowering(op: string, fn: LowerFn): void {
  if (rules.has(op)) {
    throw new ActlabError(`ONNX lowering for "${op}" is registered twice`, "register it once");
  }
  rules.set(op, fn);
}

/** The lowering rule of `op`; a clear error when the ORT backend cannot express it. */
export function getLowering(op: string): LowerFn {
  const fn = rules.get(op);
  if (!fn) {
    throw new ActlabError(
      `the ONNX Runtime backend has no lowering for op "${op}"`,
      "run this graph on the reference backend, or add a rule in backends/ort/lower_*.ts",
    );
  }
  return fn;
}

/** Ops with a registered lowering, sorted (for coverage tests). */
export function loweredOps(): string[] {
  return [...rules.keys()].sort();
}
