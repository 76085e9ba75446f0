/**
 * An in-memory ONNX model (the subset actlab emits) and its protobuf
 * encoding. Field numbers follow onnx/onnx.proto (IR version 10).
 * @module
 */
import { ProtoWriter } from "./proto_writer.ts";

/** IR version written into every model (well within what onnxruntime-node 1.30 reads). */
export const IR_VERSION = 10;

/**
 * The default-domain opset every model imports. 18 is the first opset where
 * every reduction takes its axes as an input and Pad takes `axes`; it is
 * well inside what onnxruntime 1.30 implements.
 */
export const OPSET_VERSION = 18;

/** ONNX `TensorProto.DataType` values actlab uses. */
export const DataType: {
  readonly FLOAT: 1;
  readonly UINT8: 2;
  readonly INT32: 6;
  readonly INT64: 7;
  readonly BOOL: 9;
} = {
  FLOAT: 1,
  UINT8: 2,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
} as const;

/** One of the `DataType` values. */
export type DataTypeCode = typeof DataType[keyof typeof DataType];

/** A tensor constant: dims plus little-endian raw bytes. */
export interface OnnxTensor {
  /** Value name (initializers) or empty (attribute tensors). */
  readonly name: string;
  /** Element type. */
  readonly dataType: DataTypeCode;
  /** Shape. */
  readonly dims: readonly number[];
  /** Elements, little-endian, row-major. */
  readonly raw: Uint8Array;
}

/** An attribute value, tagged with its ONNX attribute type. */
export type OnnxAttrValue =
  | { readonly kind: "int"; readonly value: number }
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "ints"; readonly value: readonly number[] }
  | { readonly kind: "floats"; readonly value: readonly number[] }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "tensor"; readonly value: OnnxTensor };

/** A graph node. */
export interface OnnxNode {
  /** Operator type in the default domain, e.g. `"MatMul"`. */
  readonly opType: string;
  /** Input value names ("" for an omitted optional input). */
  readonly inputs: readonly string[];
  /** Output value names ("" for an omitted optional output). */
  readonly outputs: readonly string[];
  /** Unique node name (helps ORT error messages). */
  readonly name: string;
  /** Attributes by name. */
  readonly attrs: Readonly<Record<string, OnnxAttrValue>>;
}

/** A graph input or output: name, element type and static shape. */
export interface OnnxValueInfo {
  /** Value name. */
  readonly name: string;
  /** Element type (never 0: ORT rejects undefined output types). */
  readonly elemType: DataTypeCode;
  /** Static shape. */
  readonly shape: readonly number[];
}

/** A graph. */
export interface OnnxGraph {
  /** Graph name. */
  readonly name: string;
  /** Nodes in topological order. */
  readonly nodes: readonly OnnxNode[];
  /** Constant tensors. */
  readonly initializers: readonly OnnxTensor[];
  /** Graph inputs (feeds). */
  readonly inputs: readonly OnnxValueInfo[];
  /** Graph outputs. */
  readonly outputs: readonly OnnxValueInfo[];
}

/** A model: one graph plus version information. */
export interface OnnxModel {
  /** The graph. */
  readonly graph: OnnxGraph;
  /** Producer name written into the model. */
  readonly producerName?: string;
  /** Default-domain opset (defaults to `OPSET_VERSION`). */
  readonly opsetVersion?: number;
}

// ModelProto
const MODEL_IR_VERSION = 1;
const MODEL_PRODUCER_NAME = 2;
const MODEL_PRODUCER_VERSION = 3;
const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
// OperatorSetIdProto
const OPSET_DOMAIN = 1;
const OPSET_VERSION_FIELD = 2;
// GraphProto
const GRAPH_NODE = 1;
const GRAPH_NAME = 2;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
// NodeProto
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
// AttributeProto
const ATTR_NAME = 1;
const ATTR_F = 2;
const ATTR_I = 3;
const ATTR_S = 4;
const ATTR_T = 5;
const ATTR_FLOATS = 7;
const ATTR_INTS = 8;
const ATTR_TYPE = 20;
const ATTR_TYPE_CODE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;
// TensorProto
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
// ValueInfoProto / TypeProto / TypeProto.Tensor / TensorShapeProto / Dimension
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR_TYPE = 1;
const TENSOR_TYPE_ELEM_TYPE = 1;
const TENSOR_TYPE_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  w.packedInts(TENSOR_DIMS, t.dims);
  w.int(TENSOR_DATA_TYPE, t.dataType);
  if (t.name) w.string(TENSOR_NAME, t.name);
  w.bytes(TENSOR_RAW_DATA, t.raw);
}

function writeAttr(w: ProtoWriter, name: string, a: OnnxAttrValue): void {
  w.string(ATTR_NAME, name);
  w.int(ATTR_TYPE, ATTR_TYPE_CODE[a.kind]);
  switch (a.kind) {
    case "int":
      w.int(ATTR_I, a.value);
      break;
    case "float":
      w.float(ATTR_F, a.value);
      break;
    case "ints":
      w.packedInts(ATTR_INTS, a.value);
      break;
    case "floats":
      w.packedFloats(ATTR_FLOATS, a.value);
      break;
    case "string":
      w.string(ATTR_S, a.value);
      break;
    case "tensor":
      w.message(ATTR_T, (m) => writeTensor(m, a.value));
      break;
  }
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(NODE_INPUT, i);
  for (const o of n.outputs) w.string(NODE_OUTPUT, o);
  w.string(NODE_NAME, n.name);
  w.string(NODE_OP_TYPE, n.opType);
  for (const [k, a] of Object.entries(n.attrs)) {
    w.message(NODE_ATTRIBUTE, (m) => writeAttr(m, k, a));
  }
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(VALUE_INFO_NAME, v.name);
  w.message(VALUE_INFO_TYPE, (tp) =>
    tp.message(TYPE_TENSOR_TYPE, (tt) => {
      tt.int(TENSOR_TYPE_ELEM_TYPE, v.elemType);
      // A scalar still needs an (empty) shape message: no shape means "unknown rank".
      tt.message(TENSOR_TYPE_SHAPE, (s) => {
        for (const d of v.shape) s.message(SHAPE_DIM, (dim) => dim.int(DIM_VALUE, d));
      });
    }));
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(GRAPH_NODE, (m) => writeNode(m, n));
  w.string(GRAPH_NAME, g.name);
  for (const t of g.initializers) w.message(GRAPH_INITIALIZER, (m) => writeTensor(m, t));
  for (const v of g.inputs) w.message(GRAPH_INPUT, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(GRAPH_OUTPUT, (m) => writeValueInfo(m, v));
}

/** Encode `model` as a serialized ONNX ModelProto. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(MODEL_IR_VERSION, IR_VERSION);
  w.string(MODEL_PRODUCER_NAME, model.producerName ?? "actlab");
  w.string(MODEL_PRODUCER_VERSION, "0.1.0");
  w.message(MODEL_GRAPH, (m) => writeGraph(m, model.graph));
  w.message(MODEL_OPSET_IMPORT, (m) => {
    // The default domain is the empty string; written explicitly for readers that require it.
    m.string(OPSET_DOMAIN, "");
    m.int(OPSET_VERSION_FIELD, model.opsetVersion ?? OPSET_VERSION);
  });
  return w.finish().slice();
}

// ---- attribute and tensor helpers ------------------------------------------------------

/** An INT attribute. */
export function aInt(value: number): OnnxAttrValue {
  return { kind: "int", value };
}
/** A FLOAT attribute. */
export function aFloat(value: number): OnnxAttrValue {
  return { kind: "float", value };
}
/** An INTS attribute. */
export function aInts(value: readonly number[]): OnnxAttrValue {
  return { kind: "ints", value: [...value] };
}
/** A FLOATS attribute. */
export function aFloats(value: readonly number[]): OnnxAttrValue {
  return { kind: "floats", value: [...value] };
}
/** A STRING attribute. */
export function aString(value: string): OnnxAttrValue {
  return { kind: "string", value };
}
/** A TENSOR attribute. */
export function aTensor(value: OnnxTensor): OnnxAttrValue {
  return { kind: "tensor", value };
}

/** A tensor from numbers, stored in `dataType`'s little-endian layout. */
export function tensorOf(
  name: string,
  dataType: DataTypeCode,
  dims: readonly number[],
  values: ArrayLike<number>,
): OnnxTensor {
  const n = values.length;
  let raw: Uint8Array;
  switch (dataType) {
    case DataType.FLOAT: {
      raw = new Uint8Array(n * 4);
      const dv = new DataView(raw.buffer);
      for (let i = 0; i < n; i++) dv.setFloat32(i * 4, values[i], true);
      break;
    }
    case DataType.INT32: {
      raw = new Uint8Array(n * 4);
      const dv = new DataView(raw.buffer);
      for (let i = 0; i < n; i++) dv.setInt32(i * 4, values[i], true);
      break;
    }
    case DataType.INT64: {
      raw = new Uint8Array(n * 8);
      const dv = new DataView(raw.buffer);
      for (let i = 0; i < n; i++) dv.setBigInt64(i * 8, BigInt(values[i]), true);
      break;
    }
    default: {
      raw = new Uint8Array(n);
      const bool = dataType === DataType.BOOL;
      for (let i = 0; i < n; i++) raw[i] = bool ? (values[i] ? 1 : 0) : values[i];
    }
  }
  return { name, dataType, dims: [...dims], raw };
}
