/**
 * Typed attribute access. Every op family file exports the attribute type of
 * each op it defines; `OpAttrMap` collects them by op name, and `attrsOf` is
 * the one way backends read a node's attributes: `attrsOf(node, "conv2d")` is
 * a `Conv2dAttrs`, checked against the node's op instead of cast on trust.
 * @module
 */
import { ActlabError } from "../errors.ts";
import type { Node } from "../graph.ts";
import type { BatchNormAttrs } from "./batch_norm.ts";
import type { Conv2dAttrs, Conv2dFilterGradAttrs, Conv2dInputGradAttrs } from "./conv.ts";
import type { CastAttrs, PowAttrs, ThresholdAttrs } from "./elementwise.ts";
import type {
  AxisAttrs,
  OneHotAttrs,
  PadAttrs,
  ScatterAddAttrs,
  SliceAttrs,
  SliceGradAttrs,
} from "./indexing.ts";
import type { MatmulAttrs } from "./matmul.ts";
import type { ShapeAttrs, TransposeAttrs } from "./movement.ts";
import type { LayerNormAttrs, SoftmaxAttrs } from "./norm.ts";
import type { AvgPool2dAttrs, AvgPool2dGradAttrs, Pool2dAttrs } from "./pool.ts";
import type { ReduceAttrs } from "./reduce.ts";
import type { ConstantAttrs, FullAttrs, SourceAttrs } from "./source.ts";

/** The validated attributes of every catalogue op that has attributes, by op name. */
export interface OpAttrMap {
  /** A feed. */
  readonly input: SourceAttrs;
  /** A state read. */
  readonly state: SourceAttrs;
  /** A host constant. */
  readonly constant: ConstantAttrs;
  /** A filled tensor. */
  readonly full: FullAttrs;
  /** ReLU-family select. */
  readonly threshold: ThresholdAttrs;
  /** Dtype conversion. */
  readonly cast: CastAttrs;
  /** Scalar power. */
  readonly pow: PowAttrs;
  /** Sum reduction. */
  readonly sum: ReduceAttrs;
  /** Mean reduction. */
  readonly mean: ReduceAttrs;
  /** Max reduction. */
  readonly max: ReduceAttrs;
  /** Reshape. */
  readonly reshape: ShapeAttrs;
  /** Numpy broadcast. */
  readonly broadcast_to: ShapeAttrs;
  /** Axis permutation. */
  readonly transpose: TransposeAttrs;
  /** Strided slice. */
  readonly slice: SliceAttrs;
  /** Transpose of a slice. */
  readonly slice_grad: SliceGradAttrs;
  /** Join along an axis. */
  readonly concat: AxisAttrs;
  /** Constant padding. */
  readonly pad: PadAttrs;
  /** Select along an axis. */
  readonly gather: AxisAttrs;
  /** Transpose of gather. */
  readonly scatter_add: ScatterAddAttrs;
  /** One-hot encoding. */
  readonly one_hot: OneHotAttrs;
  /** Batched matrix product. */
  readonly matmul: MatmulAttrs;
  /** 2-D convolution. */
  readonly conv2d: Conv2dAttrs;
  /** Its input gradient. */
  readonly conv2d_input_grad: Conv2dInputGradAttrs;
  /** Its filter gradient. */
  readonly conv2d_filter_grad: Conv2dFilterGradAttrs;
  /** Max pooling. */
  readonly max_pool2d: Pool2dAttrs;
  /** Its gradient. */
  readonly max_pool2d_grad: Pool2dAttrs;
  /** The gradient's adjoint. */
  readonly max_pool2d_gather: Pool2dAttrs;
  /** Average pooling. */
  readonly avg_pool2d: AvgPool2dAttrs;
  /** Its gradient. */
  readonly avg_pool2d_grad: AvgPool2dGradAttrs;
  /** Softmax along an axis. */
  readonly softmax: SoftmaxAttrs;
  /** Log-softmax along an axis. */
  readonly log_softmax: SoftmaxAttrs;
  /** Layer normalisation. */
  readonly layer_norm: LayerNormAttrs;
  /** Its gradient. */
  readonly layer_norm_grad: LayerNormAttrs;
  /** Batch normalisation with the batch's own statistics. */
  readonly batch_norm: BatchNormAttrs;
  /** Its input's gradient. */
  readonly batch_norm_grad: BatchNormAttrs;
  /** Its weight's and bias's gradients. */
  readonly batch_norm_param_grad: BatchNormAttrs;
}

/** Names of the ops that have attributes. */
export type AttrOp = keyof OpAttrMap;

/**
 * The attributes of `node`, typed by its op. `op` names the op the caller
 * handles (or the ops, for a kernel shared by a family such as the
 * reductions); a node of any other op is a bug in the caller and throws.
 */
export function attrsOf<K extends AttrOp>(node: Node, op: K | readonly K[]): OpAttrMap[K] {
  const expected: readonly string[] = typeof op === "string" ? [op] : op;
  if (!expected.includes(node.op)) {
    throw new ActlabError(
      `node #${node.id} is a "${node.op}" node, read as ${expected.map((o) => `"${o}"`).join("/")}`,
      "this is a bug in the backend that read it: pass the node's own op to attrsOf",
    );
  }
  // The op's definition validated these attributes when the node was built.
  return node.attrs as OpAttrMap[K];
}
