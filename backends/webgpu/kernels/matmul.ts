/**
 * WebGPU kernel for batched matmul with transpose flags and numpy batch
 * broadcasting, on the tiled GEMM of gemm.ts. A row-major A whose batches
 * are all distinct times one shared B is folded into a single taller GEMM
 * (linear layers applied to [B, T, C] activations).
 * @module
 */
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { broadcastStrides } from "../../../core/shape.ts";
import { inp, OUT, registerGpuKernel } from "../kernel.ts";
import { storage } from "../wgsl.ts";
import { gemmPasses } from "./gemm.ts";

/** WGSL expression of an operand's matrix offset for batch index `b` (constants baked in). */
function batchBase(batchShape: readonly number[], opBatch: readonly number[], mat: number): string {
  if (sizeOf(opBatch) <= 1) return "0u";
  const st = broadcastStrides(opBatch, batchShape);
  let expr = "";
  let div = 1;
  for (let d = batchShape.length - 1; d >= 0; d--) {
    if (st[d] !== 0) expr += ` + ((b / ${div}u) % ${batchShape[d]}u) * ${st[d] * mat}u`;
    div *= batchShape[d];
  }
  return expr ? `(0u${expr})` : "0u";
}

registerGpuKernel("matmul", ({ node, inputs: [a, b] }) => {
  if (sizeOf(node.shape) === 0) return { passes: [] };
  const { transA, transB } = attrsOf(node, "matmul");
  const r = node.shape.length;
  const m = node.shape[r - 2], n = node.shape[r - 1];
  const k = transA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const batchShape = node.shape.slice(0, -2);
  const batch = sizeOf(batchShape);
  const aBatch = a.shape.slice(0, -2), bBatch = b.shape.slice(0, -2);
  const fold = batch > 1 && !transA && sizeOf(aBatch) === batch && sizeOf(bBatch) === 1;
  const M = fold ? batch * m : m;
  const aBase = fold ? "0u" : batchBase(batchShape, aBatch, m * k);
  const bBase = batchBase(batchShape, bBatch, k * n);
  if (k === 0) {
    // An empty contraction is a zero matrix; the GEMM would never store.
    return {
      passes: [{
        kind: "dispatch",
        code: `${storage(0, "C", "f32", true)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x < ${batch * m * n}u) { C[g.x] = 0.0; }
}`,
        buffers: [OUT],
        workgroups: Math.ceil((batch * m * n) / 64),
      }],
    };
  }
  return gemmPasses({
    batch: fold ? 1 : batch,
    m: M,
    n,
    k,
    a: { kind: "dense", binding: 0, trans: transA, base: aBase },
    b: { kind: "dense", binding: 1, trans: transB, base: bBase },
    decls: storage(2, "C", "f32", true),
    buffers: [inp(0), inp(1), OUT],
    store: `  C[(b * ${M}u + m) * ${n}u + n] = v;`,
  });
});
