/**
 * `conv2d`, `conv2d_input_grad` and `conv2d_filter_grad` on oneDNN's
 * convolution forward, backward-data and backward-weights primitives
 * (algorithm `convolution_direct`; oneDNN picks its implementation for the
 * plain NCHW / OIHW layouts given). Groups use the 5-D `goihw` weights view
 * `[G, Cout/G, Cin/G, kh, kw]`, the same bytes as actlab's
 * `[Cout, Cin/G, kh, kw]`. oneDNN counts dilation from 0 (actlab's 1 = none).
 * The backward primitives are created with a forward descriptor as their hint,
 * as the oneDNN API requires; it is kept alive with them.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { type Conv2dGeometry, conv2dGeometry } from "../../../core/ops/conv.ts";
import type { DnnlContext } from "../engine.ts";
import { type OnednnEnv, registerOnednnKernel } from "../kernel.ts";
import { dims, memoryDesc } from "../memory.ts";
import {
  ARG,
  DnnlPrimitive,
  opDescBuffer,
  type PrimitiveArg,
  primitiveDesc,
} from "../primitive.ts";
import { check } from "../status.ts";

const FORWARD_TRAINING = 64; // dnnl_prop_kind_t dnnl_forward_training
const CONVOLUTION_DIRECT = 1; // dnnl_alg_kind_t dnnl_convolution_direct

/** The three tensors' descriptors and the window parameters of one geometry. */
interface ConvDescs {
  readonly src: Uint8Array;
  readonly wei: Uint8Array;
  readonly dst: Uint8Array;
  readonly strides: BigInt64Array;
  readonly dilates: BigInt64Array;
  readonly padL: BigInt64Array;
  readonly padR: BigInt64Array;
}

function descs(ctx: DnnlContext, g: Conv2dGeometry): ConvDescs {
  const wShape = g.groups === 1
    ? [g.cout, g.cinG, g.kh, g.kw]
    : [g.groups, g.coutG, g.cinG, g.kh, g.kw];
  return {
    src: memoryDesc(ctx, [g.n, g.cin, g.h, g.w]),
    wei: memoryDesc(ctx, wShape),
    dst: memoryDesc(ctx, [g.n, g.cout, g.ho, g.wo]),
    strides: dims([g.sh, g.sw]),
    dilates: dims([g.dh - 1, g.dw - 1]),
    padL: dims([g.pt, g.pl]),
    padR: dims([g.pb, g.pr]),
  };
}

/** A forward descriptor of `d` (the forward op's, or a backward op's hint). */
function forwardDesc(ctx: DnnlContext, d: ConvDescs, what: string): Uint8Array {
  const desc = opDescBuffer();
  check(
    ctx.lib.symbols.dnnl_dilated_convolution_forward_desc_init(
      desc,
      FORWARD_TRAINING,
      CONVOLUTION_DIRECT,
      d.src,
      d.wei,
      null,
      d.dst,
      d.strides,
      d.dilates,
      d.padL,
      d.padR,
    ),
    "dnnl_dilated_convolution_forward_desc_init",
    what,
  );
  return desc;
}

function label(op: string, node: Node, g: Conv2dGeometry): string {
  return `${op} node ${node.id}: x [${g.n},${g.cin},${g.h},${g.w}], w [${g.cout},${g.cinG},${g.kh},${g.kw}], ` +
    `stride [${g.sh},${g.sw}], dilation [${g.dh},${g.dw}], padding [${g.pt},${g.pl},${g.pb},${g.pr}], ` +
    `groups ${g.groups}`;
}

registerOnednnKernel("conv2d", (env: OnednnEnv, node: Node, [xn, wn]: readonly Node[]) => {
  const g = conv2dGeometry("conv2d", xn.shape, wn.shape, attrsOf(node, "conv2d"));
  const what = label("conv2d", node, g);
  const d = descs(env.ctx, g);
  const p = new DnnlPrimitive(env.ctx, forwardDesc(env.ctx, d, what), [
    { arg: ARG.SRC, md: d.src },
    { arg: ARG.WEIGHTS, md: d.wei },
    { arg: ARG.DST, md: d.dst },
  ], what);
  env.own(p);
  return (out, [x, w]) => p.run([x, w, out]);
});

/**
 * A backward primitive: oneDNN needs the forward primitive descriptor as a
 * hint, released here if the backward descriptor cannot be initialised
 * (`init` fills `desc` and returns the status and the C function's name).
 */
function backwardPrimitive(
  env: OnednnEnv,
  d: ConvDescs,
  what: string,
  init: (desc: Uint8Array) => [status: number, fn: string],
  args: readonly PrimitiveArg[],
): DnnlPrimitive {
  const hint = primitiveDesc(env.ctx, forwardDesc(env.ctx, d, what), `${what} (forward hint)`);
  const desc = opDescBuffer();
  try {
    const [status, fn] = init(desc);
    check(status, fn, what);
  } catch (e) {
    env.ctx.lib.symbols.dnnl_primitive_desc_destroy(hint);
    throw e;
  }
  const p = new DnnlPrimitive(env.ctx, desc, args, what, hint);
  env.own(p);
  return p;
}

registerOnednnKernel("conv2d_input_grad", (env: OnednnEnv, node: Node, [, wn]: readonly Node[]) => {
  const a = attrsOf(node, "conv2d_input_grad");
  const g = conv2dGeometry("conv2d_input_grad", a.inputShape, wn.shape, a);
  const what = label("conv2d_input_grad", node, g);
  const d = descs(env.ctx, g);
  const sym = env.ctx.lib.symbols;
  const p = backwardPrimitive(env, d, what, (desc) => [
    sym.dnnl_dilated_convolution_backward_data_desc_init(
      desc,
      CONVOLUTION_DIRECT,
      d.src,
      d.wei,
      d.dst,
      d.strides,
      d.dilates,
      d.padL,
      d.padR,
    ),
    "dnnl_dilated_convolution_backward_data_desc_init",
  ], [
    { arg: ARG.DIFF_DST, md: d.dst },
    { arg: ARG.WEIGHTS, md: d.wei },
    { arg: ARG.DIFF_SRC, md: d.src },
  ]);
  return (out, [dy, w]) => p.run([dy, w, out]);
});

registerOnednnKernel("conv2d_filter_grad", (env: OnednnEnv, node: Node, [xn]: readonly Node[]) => {
  const a = attrsOf(node, "conv2d_filter_grad");
  const g = conv2dGeometry("conv2d_filter_grad", xn.shape, a.filterShape, a);
  const what = label("conv2d_filter_grad", node, g);
  const d = descs(env.ctx, g);
  const sym = env.ctx.lib.symbols;
  const p = backwardPrimitive(env, d, what, (desc) => [
    sym.dnnl_dilated_convolution_backward_weights_desc_init(
      desc,
      CONVOLUTION_DIRECT,
      d.src,
      d.wei,
      null,
      d.dst,
      d.strides,
      d.dilates,
      d.padL,
      d.padR,
    ),
    "dnnl_dilated_convolution_backward_weights_desc_init",
  ], [
    { arg: ARG.SRC, md: d.src },
    { arg: ARG.DIFF_DST, md: d.dst },
    { arg: ARG.DIFF_WEIGHTS, md: d.wei },
  ]);
  return (out, [x, dy]) => p.run([x, dy, out]);
});
