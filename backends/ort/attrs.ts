/** Short names for the ONNX attribute constructors used throughout the lowering rules. @module */
export { aFloat as float, aInt as int, aInts as ints, aString as str } from "./onnx_proto.ts";
