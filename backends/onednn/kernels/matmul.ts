/**
 * `matmul` on oneDNN's matmul primitive. Operands are padded with leading
 * unit axes to the output's rank; a unit batch axis broadcasts (oneDNN 2.6
 * matmul broadcast semantics, like numpy's). A transposed operand is read in
 * place through its memory descriptor's strides (the last two swapped), so
 * no transpose is materialised. A third input is a bias vector `[N]` added
 * to every row by the primitive (the matmul + bias fusion, fuse.ts): oneDNN
 * broadcasts it as `[1, …, 1, N]`.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { ownPrimitive, registerOnednnKernel } from "../kernel.ts";
import { memoryDesc, rowMajorStrides } from "../memory.ts";
import { ARG, opDescBuffer } from "../primitive.ts";
import { check } from "../status.ts";

/** Dims and strides of operand `shape` as oneDNN reads it: rank `r`, maybe transposed. */
function operand(shape: readonly number[], r: number, trans: boolean) {
  const full = [...new Array<number>(r - shape.length).fill(1), ...shape];
  const strides = rowMajorStrides(full);
  if (!trans) return { dims: full, strides };
  const d = [...full], s = [...strides];
  [d[r - 2], d[r - 1]] = [d[r - 1], d[r - 2]];
  [s[r - 2], s[r - 1]] = [s[r - 1], s[r - 2]];
  return { dims: d, strides: s };
}

registerOnednnKernel("matmul", (env, node: Node, [an, bn, biasNode]: readonly Node[]) => {
  const { transA, transB } = attrsOf(node, "matmul");
  const r = node.shape.length;
  const a = operand(an.shape, r, transA);
  const b = operand(bn.shape, r, transB);
  const what = `matmul node ${node.id}: a [${an.shape}]${transA ? "ᵀ" : ""} · b [${bn.shape}]${
    transB ? "ᵀ" : ""
  } → [${node.shape}]`;
  const src = memoryDesc(env.ctx, a.dims, a.strides);
  const wei = memoryDesc(env.ctx, b.dims, b.strides);
  const dst = memoryDesc(env.ctx, node.shape);
  const bias = biasNode
    ? memoryDesc(env.ctx, [...new Array<number>(r - 1).fill(1), biasNode.shape[0]])
    : null;
  const desc = opDescBuffer();
  check(
    env.ctx.lib.symbols.dnnl_matmul_desc_init(desc, src, wei, bias, dst),
    "dnnl_matmul_desc_init",
    bias ? `${what} + bias [${biasNode.shape}]` : what,
  );
  const args = [
    { arg: ARG.SRC, md: src },
    { arg: ARG.WEIGHTS, md: wei },
    ...bias ? [{ arg: ARG.BIAS, md: bias }] : [],
    { arg: ARG.DST, md: dst },
  ];
  const p = ownPrimitive(env, desc, args, what);
  if (bias) return (out, [x, y, b]) => p.run([x, y, b, out]);
  return (out, [x, y]) => p.run([x, y, out]);
});
