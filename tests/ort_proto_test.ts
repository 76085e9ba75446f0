/**
 * The hand-written ONNX encoder, decoded by an independent implementation
 * (`@bufbuild/protobuf` with the generated `onnx-buf` schema) and compared
 * field by field; then a lowered graph is checked for versions and types.
 */
import assert from "node:assert/strict";
import { fromBinary } from "@bufbuild/protobuf";
import {
  AttributeProto_AttributeType as AT,
  type GraphProto,
  ModelProtoSchema,
  type TensorProto,
  TensorProto_DataType as DT,
  type ValueInfoProto,
} from "onnx-buf";
import { lowerGraph } from "../backends/ort/lower_graph.ts";
import {
  aFloat,
  aFloats,
  aInt,
  aInts,
  aString,
  aTensor,
  DataType,
  encodeModel,
  IR_VERSION,
  type OnnxModel,
  OPSET_VERSION,
  tensorOf,
} from "../backends/ort/onnx_proto.ts";
import { ProtoWriter } from "../backends/ort/proto_writer.ts";
import * as o from "../core/ops.ts";

const ints = (xs: readonly bigint[]) => xs.map(Number);

function dims(v: ValueInfoProto): number[] {
  assert.equal(v.type?.value.case, "tensorType", `${v.name}: tensor type`);
  const t = v.type!.value.value as {
    elemType: number;
    shape?: { dim: { value: { case?: string; value?: unknown } }[] };
  };
  return (t.shape?.dim ?? []).map((d) => {
    assert.equal(d.value.case, "dimValue");
    return Number(d.value.value as bigint);
  });
}

function elemType(v: ValueInfoProto): number {
  return (v.type!.value.value as { elemType: number }).elemType;
}

const weights = tensorOf("w", DataType.FLOAT, [2, 3], [1.5, -2, 0, 3.25, -0, 1e-8]);
const model: OnnxModel = {
  producerName: "actlab-test",
  graph: {
    name: "g",
    nodes: [
      {
        opType: "Conv",
        inputs: ["x", "w", ""],
        outputs: ["y"],
        name: "conv",
        attrs: {
          pads: aInts([0, 1, -1, 300000]),
          group: aInt(-5),
          alpha: aFloat(0.125),
          scales: aFloats([1.5, -2.25]),
          mode: aString("constant-ü"),
          value: aTensor(tensorOf("", DataType.INT32, [1], [-7])),
          big: aInt(2 ** 40 + 3),
        },
      },
      { opType: "Identity", inputs: ["y"], outputs: ["z", ""], name: "id", attrs: {} },
    ],
    initializers: [
      weights,
      tensorOf("i64", DataType.INT64, [3], [-1, 0, 2 ** 33]),
      tensorOf("i32", DataType.INT32, [2], [-2147483648, 2147483647]),
      tensorOf("b", DataType.BOOL, [3], [1, 0, 5]),
      tensorOf("s", DataType.FLOAT, [], [42]),
    ],
    inputs: [{ name: "x", elemType: DataType.FLOAT, shape: [1, 2, 0, 7] }],
    outputs: [
      { name: "y", elemType: DataType.FLOAT, shape: [] },
      { name: "z", elemType: DataType.BOOL, shape: [3] },
    ],
  },
};

Deno.test("encoded ModelProto decodes field by field with an independent decoder", () => {
  const m = fromBinary(ModelProtoSchema, encodeModel(model));
  assert.equal(Number(m.irVersion), IR_VERSION);
  assert.equal(m.producerName, "actlab-test");
  assert.equal(m.opsetImport.length, 1);
  assert.equal(m.opsetImport[0].domain, "");
  assert.equal(Number(m.opsetImport[0].version), OPSET_VERSION);
  const g = m.graph as GraphProto;
  assert.equal(g.name, "g");

  assert.equal(g.node.length, 2);
  const [conv, id] = g.node;
  assert.equal(conv.opType, "Conv");
  assert.equal(conv.name, "conv");
  assert.deepEqual(conv.input, ["x", "w", ""]);
  assert.deepEqual(conv.output, ["y"]);
  assert.deepEqual(id.output, ["z", ""]);
  const attr = Object.fromEntries(conv.attribute.map((a) => [a.name, a]));
  assert.deepEqual(Object.keys(attr), ["pads", "group", "alpha", "scales", "mode", "value", "big"]);
  assert.equal(attr.pads.type, AT.INTS);
  assert.deepEqual(ints(attr.pads.ints), [0, 1, -1, 300000]);
  assert.equal(attr.group.type, AT.INT);
  assert.equal(Number(attr.group.i), -5);
  assert.equal(attr.big.type, AT.INT);
  assert.equal(attr.big.i, BigInt(2 ** 40 + 3));
  assert.equal(attr.alpha.type, AT.FLOAT);
  assert.equal(attr.alpha.f, 0.125);
  assert.equal(attr.scales.type, AT.FLOATS);
  assert.deepEqual(attr.scales.floats, [1.5, -2.25]);
  assert.equal(attr.mode.type, AT.STRING);
  assert.equal(new TextDecoder().decode(attr.mode.s), "constant-ü");
  assert.equal(attr.value.type, AT.TENSOR);
  const at = attr.value.t as TensorProto;
  assert.equal(at.dataType, DT.INT32);
  assert.deepEqual(ints(at.dims), [1]);
  assert.deepEqual([...new Int32Array(at.rawData.slice().buffer)], [-7]);

  const init = Object.fromEntries(g.initializer.map((t) => [t.name, t]));
  assert.deepEqual(Object.keys(init), ["w", "i64", "i32", "b", "s"]);
  assert.equal(init.w.dataType, DT.FLOAT);
  assert.deepEqual(ints(init.w.dims), [2, 3]);
  assert.deepEqual(
    [...new Float32Array(init.w.rawData.slice().buffer)],
    [...Float32Array.from([1.5, -2, 0, 3.25, -0, 1e-8])],
  );
  assert.equal(init.i64.dataType, DT.INT64);
  assert.deepEqual([...new BigInt64Array(init.i64.rawData.slice().buffer)], [-1n, 0n, 2n ** 33n]);
  assert.equal(init.i32.dataType, DT.INT32);
  assert.deepEqual([...new Int32Array(init.i32.rawData.slice().buffer)], [-2147483648, 2147483647]);
  assert.equal(init.b.dataType, DT.BOOL);
  assert.deepEqual([...init.b.rawData], [1, 0, 1]);
  assert.equal(init.s.dataType, DT.FLOAT);
  assert.deepEqual(ints(init.s.dims), []);
  assert.deepEqual([...new Float32Array(init.s.rawData.slice().buffer)], [42]);

  assert.equal(g.input.length, 1);
  assert.equal(g.input[0].name, "x");
  assert.equal(elemType(g.input[0]), DT.FLOAT);
  assert.deepEqual(dims(g.input[0]), [1, 2, 0, 7]);
  assert.deepEqual(g.output.map((v) => v.name), ["y", "z"]);
  assert.deepEqual(g.output.map(elemType), [DT.FLOAT, DT.BOOL]);
  assert.deepEqual(dims(g.output[0]), []);
  // A scalar still carries an (empty) shape: without one the rank would be unknown.
  const yType = g.output[0].type!.value.value as { shape?: unknown };
  assert.ok(yType.shape !== undefined, "scalar output has a shape message");
});

Deno.test("varints: negatives take 10 bytes, large values stay exact", () => {
  const w = new ProtoWriter();
  w.varint(-1);
  assert.equal(w.finish().length, 10);
  const v = new ProtoWriter();
  v.varint(2 ** 53 - 1);
  const bytes = [...v.finish()];
  let x = 0n;
  bytes.forEach((b, i) => (x |= BigInt(b & 0x7f) << BigInt(7 * i)));
  assert.equal(x, BigInt(2 ** 53 - 1));
  assert.throws(() => v.varint(0.5), RangeError);
});

Deno.test("a lowered graph: every graph input and output has its real element type", () => {
  const g = new o.Graph();
  const x = g.input("x", [2, 3]);
  const labels = g.input("labels", [2], "i32");
  const w = g.state("w", [3, 4]);
  const y = o.matmul(x, w);
  g.output("logits", y);
  g.output("mask", o.gt(y, 0));
  g.output("hit", o.cast(o.eq(labels, 1), "i32"));
  g.output("same", y); // the same value twice: the second goes through Identity
  g.setStateUpdate("w", o.mul(w, 0.5));
  const lowered = lowerGraph(g);
  const m = fromBinary(ModelProtoSchema, encodeModel(lowered.model));
  const gp = m.graph!;
  const types = Object.fromEntries([...gp.input, ...gp.output].map((v) => [v.name, elemType(v)]));
  assert.deepEqual(types, {
    "feed:x": DT.FLOAT,
    "feed:labels": DT.INT32,
    "state:w": DT.FLOAT,
    "out:logits": DT.FLOAT,
    "out:mask": DT.BOOL,
    "out:hit": DT.INT32,
    "out:same": DT.FLOAT,
    "next:w": DT.FLOAT,
  });
  assert.deepEqual(dims(gp.output.find((v) => v.name === "out:mask")!), [2, 4]);
  const produced = new Set(gp.node.flatMap((n) => n.output));
  for (const out of gp.output) assert.ok(produced.has(out.name), `${out.name} is produced`);
  assert.ok(gp.node.every((n) => n.domain === ""), "default domain only");
});
