/**
 * `add`, `sub`, `mul` and `div` on f32 through oneDNN's binary primitive.
 * oneDNN 2.6 broadcasts only its second source (dnnl.h,
 * `dnnl_binary_desc_init`: "broadcasting is supported for src1_desc"), so a
 * node runs on oneDNN when its first operand has the output's shape — or,
 * for the commutative `add` and `mul`, its second one (the operands are then
 * swapped); a node broadcasting both operands, or the first one of `sub` /
 * `div`, and every i32 node, runs the reference kernel. Results match the
 * reference bit for bit: one IEEE f32 operation per element either way (the
 * reference computes it in float64 and rounds once, which for +, −, ×, ÷ of
 * float32 values gives the correctly rounded float32 result).
 * `maximum` / `minimum` stay on the reference kernels: their NaN propagation
 * is not the one of oneDNN's max/min.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { sameShape } from "../../../core/shape.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { type OnednnEnv, registerOnednnKernel } from "../kernel.ts";
import { memoryDesc } from "../memory.ts";
import { ARG, DnnlPrimitive, opDescBuffer } from "../primitive.ts";
import { check } from "../status.ts";

const ALG = { add: 0x1fff0, mul: 0x1fff1, div: 0x1fff4, sub: 0x1fff5 } as const;
const COMMUTATIVE = new Set(["add", "mul"]);

function padded(shape: readonly number[], rank: number): number[] {
  return [...new Array<number>(rank - shape.length).fill(1), ...shape];
}

function binary(op: keyof typeof ALG) {
  return (env: OnednnEnv, node: Node, [an, bn]: readonly Node[]) => {
    if (node.dtype !== "f32" || an.dtype !== "f32" || bn.dtype !== "f32") return null;
    const swap = !sameShape(an.shape, node.shape);
    if (swap && !(COMMUTATIVE.has(op) && sameShape(bn.shape, node.shape))) return null;
    const other = swap ? an : bn;
    const what = `${op} node ${node.id}: [${an.shape}] and [${bn.shape}] → [${node.shape}]`;
    const src0 = memoryDesc(env.ctx, node.shape);
    const src1 = memoryDesc(env.ctx, padded(other.shape, node.shape.length));
    const desc = opDescBuffer();
    check(
      env.ctx.lib.symbols.dnnl_binary_desc_init(desc, ALG[op], src0, src1, src0),
      "dnnl_binary_desc_init",
      what,
    );
    const p = new DnnlPrimitive(env.ctx, desc, [
      { arg: ARG.SRC, md: src0 },
      { arg: ARG.SRC_1, md: src1 },
      { arg: ARG.DST, md: src0 },
    ], what);
    env.own(p);
    const run: KernelRun = swap
      ? (out, [a, b]) => p.run([b, a, out])
      : (out, [a, b]) => p.run([a, b, out]);
    return run;
  };
}

for (const op of ["add", "sub", "mul", "div"] as const) registerOnednnKernel(op, binary(op));
