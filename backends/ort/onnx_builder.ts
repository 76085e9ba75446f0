/**
 * An incremental ONNX graph builder used by the lowering rules: unique value
 * names, node emission, and deduplicated constant initializers.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { DType, HostTensor } from "../../core/host_tensor.ts";
import {
  DataType,
  type DataTypeCode,
  type OnnxAttrValue,
  type OnnxNode,
  type OnnxTensor,
  tensorOf,
} from "./onnx_proto.ts";

/** The ONNX element type of an actlab dtype (f32 → FLOAT, i32 → INT32, bool → BOOL). */
export function onnxType(dtype: DType): DataTypeCode {
  return dtype === "f32" ? DataType.FLOAT : dtype === "i32" ? DataType.INT32 : DataType.BOOL;
}

/** Builds the node list and initializers of one ONNX graph. */
export class OnnxBuilder {
  /** Nodes in emission (topological) order. */
  readonly nodes: OnnxNode[] = [];
  /** Constant tensors. */
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();
  private readonly constCache = new Map<string, string>();
  private counter = 0;
  /** Prefix of emitted node names (the actlab op being lowered), for ORT's error messages. */
  scope = "graph";

  /** Reserve an external name (feed, state, output) so generated names never collide with it. */
  reserve(name: string): void {
    if (this.used.has(name)) {
      throw new ActlabError(
        `ONNX value name "${name}" is used twice`,
        "give feeds, state and outputs distinct names",
      );
    }
    this.used.add(name);
  }

  /** A fresh value name starting with `hint`. */
  fresh(hint: string): string {
    let name: string;
    do name = `${hint}_${this.counter++}`; while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  /** Emit a node with `nOut` outputs; returns the output names. */
  opN(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, OnnxAttrValue> = {},
    nOut = 1,
  ): string[] {
    const outputs = Array.from({ length: nOut }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({ opType, inputs: [...inputs], outputs, name: this.nodeName(), attrs });
    return outputs;
  }

  /** Emit a single-output node; returns its output name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, OnnxAttrValue> = {}): string {
    return this.opN(opType, inputs, attrs, 1)[0];
  }

  /** Emit a node writing to given output names (graph outputs). */
  opInto(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, OnnxAttrValue> = {},
  ): void {
    this.nodes.push({
      opType,
      inputs: [...inputs],
      outputs: [...outputs],
      name: this.nodeName(),
      attrs,
    });
  }

  private nodeName(): string {
    return `${this.scope}/${this.nodes.length}`;
  }

  /** Add an initializer under a fresh name (or `name` when given and free). */
  initializer(dataType: DataTypeCode, dims: readonly number[], values: ArrayLike<number>): string {
    const name = this.fresh("c");
    this.initializers.push(tensorOf(name, dataType, dims, values));
    return name;
  }

  /** Add an initializer with a fixed name (export: state baked in as weights). */
  namedInitializer(name: string, t: HostTensor): string {
    this.reserve(name);
    this.initializers.push(tensorOf(name, onnxType(t.dtype), t.shape, t.data));
    return name;
  }

  /** A constant shared between every use with the same `key`. */
  private cached(key: string, make: () => string): string {
    let name = this.constCache.get(key);
    if (!name) {
      name = make();
      this.constCache.set(key, name);
    }
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, pads, slice bounds). */
  i64(values: readonly number[]): string {
    return this.cached(
      `i64|${values.join(",")}`,
      () => this.initializer(DataType.INT64, [values.length], values),
    );
  }

  /** A constant of `dtype` and shape `dims` (default scalar) filled with `value`. */
  scalar(value: number, dtype: DType, dims: readonly number[] = []): string {
    return this.cached(`${dtype}|${dims.join(",")}|${value}`, () => {
      const n = dims.reduce((a, c) => a * c, 1);
      return this.initializer(onnxType(dtype), dims, new Array<number>(n).fill(value));
    });
  }

  /** A constant from a host tensor (not cached: it may be large). */
  constant(t: HostTensor): string {
    return this.initializer(onnxType(t.dtype), t.shape, t.data);
  }

  /** A tensor of `shape` filled with `value` (ConstantOfShape; folded by ORT at load time). */
  fill(shape: readonly number[], value: number, dtype: DType): string {
    return this.op("ConstantOfShape", [this.i64(shape)], {
      value: { kind: "tensor", value: tensorOf("", onnxType(dtype), [1], [value]) },
    });
  }

  /** Reshape `x` to a static `shape` (allowzero so that 0 means an empty axis). */
  reshape(x: string, shape: readonly number[]): string {
    return this.op("Reshape", [x, this.i64(shape)], { allowzero: { kind: "int", value: 1 } });
  }
}
