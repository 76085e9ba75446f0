/** A one-node model used to check that an execution provider can create a session. @module */
import { DataType, encodeModel } from "./onnx_proto.ts";

/** `y = x + x` on a float [1] tensor, encoded. */
export function probeModel(): Uint8Array {
  const info = { elemType: DataType.FLOAT, shape: [1] };
  return encodeModel({
    graph: {
      name: "probe",
      nodes: [{ opType: "Add", inputs: ["x", "x"], outputs: ["y"], name: "add", attrs: {} }],
      initializers: [],
      inputs: [{ name: "x", ...info }],
      outputs: [{ name: "y", ...info }],
    },
  });
}
