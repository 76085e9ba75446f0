/**
 * `add`, `sub`, `mul`, `div` and `eq` (bool result as u8 0/1) of f32
 * operands through oneDNN's binary primitive. oneDNN 2.6 broadcasts only its
 * second source (dnnl.h, `dnnl_binary_desc_init`: "broadcasting is supported
 * for src1_desc"), so a node runs on oneDNN when its first operand has the
 * output's shape — or its second one, for the ops that can swap operands
 * (`add`, `mul`, `eq`); a node broadcasting both operands, or the first one
 * of `sub` / `div`, and every i32 node, runs the reference kernel. Results
 * match the reference bit for bit: one IEEE f32 operation per element either
 * way (the reference computes it in float64 and rounds once, which for +, −,
 * ×, ÷ of float32 values gives the correctly rounded float32 result; `eq`
 * with NaN is false in both). `lt` / `le` / `gt` / `ge` stay on the
 * reference kernels: oneDNN 2.6 returns 1 for them when an operand is NaN
 * (measured: bit-exact on ordinary values, wrong on NaN), while actlab's
 * comparisons with NaN are false — the semantics ReLU's and DPA's masks rely on.
 * `maximum` / `minimum` stay on the reference kernels: their NaN propagation
 * is not the one of oneDNN's max/min.
 *
 * The descriptors are built on merged axes (host/nest.ts `mergeAxes`: size-1
 * axes dropped, adjacent axes merged where both operands stay contiguous), so
 * `[128,3,50,50] − [128,3,50,1]` is `[19200,50] − [19200,1]`: oneDNN 2.6's
 * binary ran rank-4 broadcasts at ≈ 120 ns per element and the merged rank-2
 * form at well under 1 ns (measured on vit_micro's softmax gradient). A
 * node for which oneDNN only has its `ref:any` implementation runs the host
 * kernel.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { broadcastStrides, sameShape, stridesOf } from "../../../core/shape.ts";
import { mergeAxes } from "../host/nest.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { type OnednnEnv, ownFastPrimitive, registerOnednnKernel } from "../kernel.ts";
import { memoryDesc } from "../memory.ts";
import { ARG, opDescBuffer } from "../primitive.ts";
import { check } from "../status.ts";

const ALG = {
  add: 0x1fff0,
  mul: 0x1fff1,
  div: 0x1fff4,
  sub: 0x1fff5,
  eq: 0x1fffa,
} as const;
type BinaryOp = keyof typeof ALG;

/** The op computing `op(a, b)` as `op'(b, a)`, where there is one. */
const SWAPPED: Partial<Record<BinaryOp, BinaryOp>> = {
  add: "add",
  mul: "mul",
  eq: "eq",
};

/**
 * The output's and the broadcast operand's shapes over merged axes (at
 * least rank 1): the same flat layouts, with fewer, larger axes.
 */
function merged(out: readonly number[], other: readonly number[]): [number[], number[]] {
  const m = mergeAxes(out, [stridesOf(out), broadcastStrides(other, out)]);
  if (m.dims.length === 0) return [[1], [1]];
  return [m.dims, m.dims.map((d, i) => (m.strides[1][i] === 0 ? 1 : d))];
}

function binary(op: BinaryOp) {
  return (env: OnednnEnv, node: Node, [an, bn]: readonly Node[]) => {
    if (an.dtype !== "f32" || bn.dtype !== "f32") return null;
    const swap = !sameShape(an.shape, node.shape);
    const alg = swap ? SWAPPED[op] : op;
    if (alg === undefined || (swap && !sameShape(bn.shape, node.shape))) return null;
    const other = swap ? an : bn;
    const what = `${op} node ${node.id}: [${an.shape}] and [${bn.shape}] → [${node.shape}]`;
    const [outDims, otherDims] = merged(node.shape, other.shape);
    const src0 = memoryDesc(env.ctx, outDims);
    const src1 = memoryDesc(env.ctx, otherDims);
    const dst = node.dtype === "bool" ? memoryDesc(env.ctx, outDims, undefined, "u8") : src0;
    const desc = opDescBuffer();
    check(
      env.ctx.lib.symbols.dnnl_binary_desc_init(desc, ALG[alg], src0, src1, dst),
      "dnnl_binary_desc_init",
      what,
    );
    const p = ownFastPrimitive(env, desc, [
      { arg: ARG.SRC, md: src0 },
      { arg: ARG.SRC_1, md: src1 },
      { arg: ARG.DST, md: dst },
    ], what);
    if (p === null) return null;
    const run: KernelRun = swap
      ? (out, [a, b]) => p.run([b, a, out])
      : (out, [a, b]) => p.run([a, b, out]);
    return run;
  };
}

for (const op of Object.keys(ALG) as BinaryOp[]) registerOnednnKernel(op, binary(op));
