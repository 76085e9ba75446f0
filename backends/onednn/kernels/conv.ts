/**
 * `conv2d`, `conv2d_input_grad` and `conv2d_filter_grad` on oneDNN's
 * convolution forward, backward-data and backward-weights primitives
 * (algorithm `convolution_direct`). Each is created with `any` layouts and
 * run through `layoutPrimitive` (reorders to the blocked layouts oneDNN
 * picks, e.g. `nChw16c` for its AVX-512 kernels, and back): on plain NCHW /
 * OIHW it falls back to im2col + GEMM (`gemm:jit`), measured 3–6× slower on
 * convnet's layers. `ACTLAB_ONEDNN_LAYOUTS=plain` keeps the plain layouts
 * (for measuring that gain). Groups use the 5-D `goihw` weights view
 * `[G, Cout/G, Cin/G, kh, kw]`, the same bytes as actlab's
 * `[Cout, Cin/G, kh, kw]`. oneDNN counts dilation from 0 (actlab's 1 = none).
 * The backward primitives are created with a forward descriptor as their hint,
 * as the oneDNN API requires; it is kept alive with them.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { envVar } from "../../../core/env.ts";
import type { TensorData } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { type Conv2dGeometry, conv2dGeometry } from "../../../core/ops/conv.ts";
import type { DnnlContext } from "../engine.ts";
import { backwardDesc, type OnednnEnv, registerOnednnKernel } from "../kernel.ts";
import { type LayoutArg, layoutPrimitive } from "../layout.ts";
import { anyDesc, dims, memoryDesc } from "../memory.ts";
import { ARG, opDescBuffer, primitiveDesc, PROP } from "../primitive.ts";
import { check } from "../status.ts";

const CONVOLUTION_DIRECT = 1; // dnnl_alg_kind_t dnnl_convolution_direct

/** Whether convolutions run in oneDNN's chosen layouts (the default) or plain ones. */
function chosenLayouts(): boolean {
  return envVar("ACTLAB_ONEDNN_LAYOUTS") !== "plain";
}

/**
 * The three tensors' plain descriptors, the ones the primitives are created
 * with (`any` layouts, or the plain ones), and the window parameters.
 */
interface ConvDescs {
  readonly src: Uint8Array;
  readonly wei: Uint8Array;
  readonly dst: Uint8Array;
  readonly srcOp: Uint8Array;
  readonly weiOp: Uint8Array;
  readonly dstOp: Uint8Array;
  readonly strides: BigInt64Array;
  readonly dilates: BigInt64Array;
  readonly padL: BigInt64Array;
  readonly padR: BigInt64Array;
}

function descs(ctx: DnnlContext, g: Conv2dGeometry): ConvDescs {
  const wShape = g.groups === 1
    ? [g.cout, g.cinG, g.kh, g.kw]
    : [g.groups, g.coutG, g.cinG, g.kh, g.kw];
  const shapes = [[g.n, g.cin, g.h, g.w], wShape, [g.n, g.cout, g.ho, g.wo]];
  const [src, wei, dst] = shapes.map((s) => memoryDesc(ctx, s));
  const [srcOp, weiOp, dstOp] = chosenLayouts()
    ? shapes.map((s) => anyDesc(ctx, s))
    : [src, wei, dst];
  return {
    src,
    wei,
    dst,
    srcOp,
    weiOp,
    dstOp,
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
      PROP.forwardTraining,
      CONVOLUTION_DIRECT,
      d.srcOp,
      d.weiOp,
      null,
      d.dstOp,
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
  const run = layoutPrimitive(env, forwardDesc(env.ctx, d, what), [
    { arg: ARG.SRC, plain: d.src, query: "src" },
    { arg: ARG.WEIGHTS, plain: d.wei, query: "weights" },
    { arg: ARG.DST, plain: d.dst, query: "dst", output: true },
  ], what);
  return (out, [x, w]) => run([x, w, out]);
});

/**
 * A backward primitive in its chosen layouts: oneDNN needs the forward
 * primitive descriptor as a hint, released here if the backward descriptor
 * cannot be initialised (`init` fills `desc` and returns the status and the
 * C function's name).
 */
function backwardPrimitive(
  env: OnednnEnv,
  d: ConvDescs,
  what: string,
  init: (desc: Uint8Array) => [status: number, fn: string],
  args: readonly LayoutArg[],
): (data: readonly TensorData[]) => void {
  const hint = primitiveDesc(env.ctx, forwardDesc(env.ctx, d, what), `${what} (forward hint)`);
  return layoutPrimitive(env, backwardDesc(env, hint, init, what), args, what, hint);
}

registerOnednnKernel("conv2d_input_grad", (env: OnednnEnv, node: Node, [, wn]: readonly Node[]) => {
  const a = attrsOf(node, "conv2d_input_grad");
  const g = conv2dGeometry("conv2d_input_grad", a.inputShape, wn.shape, a);
  const what = label("conv2d_input_grad", node, g);
  const d = descs(env.ctx, g);
  const sym = env.ctx.lib.symbols;
  const run = backwardPrimitive(env, d, what, (desc) => [
    sym.dnnl_dilated_convolution_backward_data_desc_init(
      desc,
      CONVOLUTION_DIRECT,
      d.srcOp,
      d.weiOp,
      d.dstOp,
      d.strides,
      d.dilates,
      d.padL,
      d.padR,
    ),
    "dnnl_dilated_convolution_backward_data_desc_init",
  ], [
    { arg: ARG.DIFF_DST, plain: d.dst, query: "diffDst" },
    { arg: ARG.WEIGHTS, plain: d.wei, query: "weights" },
    { arg: ARG.DIFF_SRC, plain: d.src, query: "diffSrc", output: true },
  ]);
  return (out, [dy, w]) => run([dy, w, out]);
});

registerOnednnKernel("conv2d_filter_grad", (env: OnednnEnv, node: Node, [xn]: readonly Node[]) => {
  const a = attrsOf(node, "conv2d_filter_grad");
  const g = conv2dGeometry("conv2d_filter_grad", xn.shape, a.filterShape, a);
  const what = label("conv2d_filter_grad", node, g);
  const d = descs(env.ctx, g);
  const sym = env.ctx.lib.symbols;
  const run = backwardPrimitive(env, d, what, (desc) => [
    sym.dnnl_dilated_convolution_backward_weights_desc_init(
      desc,
      CONVOLUTION_DIRECT,
      d.srcOp,
      d.weiOp,
      null,
      d.dstOp,
      d.strides,
      d.dilates,
      d.padL,
      d.padR,
    ),
    "dnnl_dilated_convolution_backward_weights_desc_init",
  ], [
    { arg: ARG.SRC, plain: d.src, query: "src" },
    { arg: ARG.DIFF_DST, plain: d.dst, query: "diffDst" },
    { arg: ARG.DIFF_WEIGHTS, plain: d.wei, query: "diffWeights", output: true },
  ]);
  return (out, [x, dy]) => run([x, dy, out]);
});
