/**
 * Lowering of source ops: constants become initializers, `full` a small
 * initializer or ConstantOfShape, identity and stop_gradient plain aliases.
 * (`input` and `state` are graph inputs, handled by `lower_graph.ts`.)
 * @module
 */
import type { DType } from "../../core/host_tensor.ts";
import { sizeOf } from "../../core/host_tensor.ts";
import { attrsOf } from "../../core/ops/attrs.ts";
import { registerLowering } from "./lowering.ts";

/** Beyond this many elements `full` becomes ConstantOfShape instead of a stored tensor. */
const INLINE_FULL_LIMIT = 64;

registerLowering("constant", ({ b, node }) => b.constant(attrsOf(node, "constant").value));

registerLowering("full", ({ b, node }) => {
  const value = attrsOf(node, "full").value;
  const dtype = node.dtype as DType;
  if (sizeOf(node.shape) <= INLINE_FULL_LIMIT) return b.scalar(value, dtype, node.shape);
  return b.fill(node.shape, value, dtype);
});

// Gradient blocking is an autodiff concept; at run time both are the identity.
registerLowering("identity", ({ x }) => x[0]);
registerLowering("stop_gradient", ({ x }) => x[0]);
