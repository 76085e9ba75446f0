/**
 * Lowering of matmul: Gemm (with its transpose flags) for 2-D operands,
 * otherwise Transpose of the flagged operands' last two axes + MatMul (ORT
 * fuses such a Transpose into its MatMul kernel at optimisation level "all").
 * @module
 */
import { attrsOf } from "../../core/ops/attrs.ts";
import { int, ints } from "./attrs.ts";
import type { OnnxBuilder } from "./onnx_builder.ts";
import { registerLowering } from "./lowering.ts";

function swapLast(b: OnnxBuilder, v: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return b.op("Transpose", [v], { perm: ints(perm) });
}

registerLowering("matmul", ({ b, node, x, ins }) => {
  const { transA, transB } = attrsOf(node, "matmul");
  const [ra, rb] = [ins[0].shape.length, ins[1].shape.length];
  if (ra === 2 && rb === 2) {
    return b.op("Gemm", x, { transA: int(transA ? 1 : 0), transB: int(transB ? 1 : 0) });
  }
  const a = transA ? swapLast(b, x[0], ra) : x[0];
  const c = transB ? swapLast(b, x[1], rb) : x[1];
  return b.op("MatMul", [a, c]);
});
