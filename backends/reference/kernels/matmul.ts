/**
 * Reference kernel for batched matmul: one blocked GEMM per batch entry,
 * with operand offsets precomputed from the broadcast batch shapes.
 * @module
 */
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { registerKernel } from "../kernel.ts";
import { broadcastIndex } from "./broadcast.ts";
import { type FloatArray, gemm } from "./gemm.ts";

registerKernel("matmul", (node, [a, b]) => {
  const { transA, transB } = attrsOf(node, "matmul");
  const r = node.shape.length;
  const m = node.shape[r - 2], n = node.shape[r - 1];
  const k = transA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const batchShape = node.shape.slice(0, -2);
  const batch = sizeOf(batchShape);
  const ia = broadcastIndex(a.shape.slice(0, -2), batchShape);
  const ib = broadcastIndex(b.shape.slice(0, -2), batchShape);
  const aOff = Int32Array.from({ length: batch }, (_, i) => (ia ? ia[i] : i) * m * k);
  const bOff = Int32Array.from({ length: batch }, (_, i) => (ib ? ib[i] : i) * k * n);
  // A row-major A whose batches are all distinct, times one shared B, is a
  // single [batch·m, k]·[k, n] product (linear layers on [B, T, C] inputs):
  // one big GEMM instead of many small ones.
  const fold = batch > 1 && !transA && !ia && bOff.every((o) => o === bOff[0]);
  return (out, [x, y]) => {
    const A = x as FloatArray, B = y as FloatArray, C = out as FloatArray;
    if (fold) {
      gemm(batch * m, n, k, A, 0, false, B, bOff[0], transB, C, 0, false);
      return;
    }
    for (let i = 0; i < batch; i++) {
      gemm(m, n, k, A, aOff[i], transA, B, bOff[i], transB, C, i * m * n, false);
    }
  };
});
