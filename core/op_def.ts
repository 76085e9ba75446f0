/**
 * The op-definition interface and the catalogue registry. Every op declares
 * attribute validation, shape/dtype inference and (when differentiable) its
 * VJP written in catalogue ops. Backends implement one kernel per op — or,
 * for a composite op (one with `decompose`), run its decomposition instead
 * (core/expand.ts) where they have no faster kernel of their own.
 * @module
 */
import { ActlabError } from "./errors.ts";
import type { Attrs, AttrValue, Tensor } from "./graph.ts";
import type { DType, Shape } from "./host_tensor.ts";

/** Shape and dtype of a tensor, as seen by shape inference. */
export interface TensorInfo {
  /** Shape. */
  readonly shape: Shape;
  /** Element type. */
  readonly dtype: DType;
}

/** What a VJP rule receives. */
export interface VjpArgs<A extends Attrs = Attrs> {
  /** The op's input tensors. */
  readonly inputs: readonly Tensor[];
  /** The op's output tensor (reuse it instead of recomputing, e.g. `exp`). */
  readonly output: Tensor;
  /** Gradient of the loss with respect to the output. */
  readonly grad: Tensor;
  /** The node's validated attributes. */
  readonly attrs: A;
  /** `needs[i]` is false when no gradient is wanted for input i (skip building it). */
  readonly needs: readonly boolean[];
}

/** A catalogue entry. */
export interface OpDef<A extends Attrs = Attrs> {
  /** Unique op name (snake_case). */
  readonly name: string;
  /** Number of inputs; undefined for variadic ops (concat). */
  readonly arity?: number;
  /** Validate raw attributes and fill defaults; throw `ActlabError` on bad values. */
  attrs?(raw: Record<string, AttrValue>, inputs: readonly TensorInfo[]): A;
  /** Infer the output shape and dtype; throw `ActlabError` on incompatible inputs. */
  infer(inputs: readonly TensorInfo[], attrs: A): { shape: Shape; dtype: DType };
  /**
   * Gradients of the loss with respect to each input (null = no gradient),
   * written in catalogue ops. Absent for non-differentiable ops.
   */
  vjp?(args: VjpArgs<A>): (Tensor | null)[];
  /**
   * A composite op's meaning in simpler catalogue ops, built on `inputs` in
   * their graph: a backend without its own kernel for the op runs this
   * (core/expand.ts), so only a backend with a fused kernel implements it.
   */
  decompose?(inputs: readonly Tensor[], attrs: A): Tensor;
}

const catalogue = new Map<string, OpDef>();

/** Add an op to the catalogue. */
export function defineOp<A extends Attrs>(def: OpDef<A>): OpDef<A> {
  if (catalogue.has(def.name)) {
    throw new ActlabError(`op "${def.name}" is defined twice`, "pick a unique op name");
  }
  catalogue.set(def.name, def as unknown as OpDef);
  return def;
}

/** Look up an op; unknown names give an error listing the catalogue. */
export function getOp(name: string): OpDef {
  const def = catalogue.get(name);
  if (!def) {
    throw new ActlabError(
      `unknown op "${name}"`,
      `use one of: ${[...catalogue.keys()].sort().join(", ")}`,
    );
  }
  return def;
}

/** Names of every op in the catalogue, sorted. */
export function listOps(): string[] {
  return [...catalogue.keys()].sort();
}

/** Throw a uniform attribute error for op `op`. */
export function attrError(op: string, msg: string, hint: string): never {
  throw new ActlabError(`${op}: ${msg}`, hint);
}

/** Read an integer-array attribute of fixed length, with a clear error. */
export function intList(op: string, key: string, v: AttrValue | undefined, len?: number): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) {
    return attrError(
      op,
      `attribute "${key}" must be a list of integers, got ${JSON.stringify(v)}`,
      `pass ${key}: [..integers..]`,
    );
  }
  if (len !== undefined && v.length !== len) {
    return attrError(
      op,
      `attribute "${key}" needs ${len} values, got ${v.length}`,
      `pass ${len} integers`,
    );
  }
  return [...v];
}

/** Whether op `name` is a composite (has a decomposition backends may run instead of a kernel). */
export function isComposite(name: string): boolean {
  return getOp(name).decompose !== undefined;
}
