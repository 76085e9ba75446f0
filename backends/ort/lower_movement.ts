/** Lowering of reshape, transpose and broadcast_to. @module */
import { attrsOf } from "../../core/ops/attrs.ts";
import { ints } from "./attrs.ts";
import { registerLowering } from "./lowering.ts";

registerLowering("reshape", ({ b, node, x }) => b.reshape(x[0], node.shape));
registerLowering(
  "transpose",
  ({ b, node, x }) => b.op("Transpose", x, { perm: ints(attrsOf(node, "transpose").perm) }),
);
registerLowering("broadcast_to", ({ b, node, x }) => b.op("Expand", [x[0], b.i64(node.shape)]));
