/**
 * WebGPU kernels for reshape, transpose and broadcast_to, plus the strided
 * gather they share with slicing: `out[i] = x[offset + Σ coord_d · stride_d]`.
 * Data is moved as raw 32-bit words, so one pipeline per rank serves every dtype.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { type Shape, sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { broadcastStrides, stridesOf } from "../../../core/shape.ts";
import { inp, type KernelPlan, OUT, registerGpuKernel } from "../kernel.ts";
import { groups, perElement, storage, u, uniformDecl } from "../wgsl.ts";
import { decompose } from "./reduce.ts";

/** Copy the whole input into the output (same element count): a buffer copy, no shader. */
export function copyPlan(node: Node): KernelPlan {
  const bytes = sizeOf(node.shape) * 4;
  return { passes: bytes ? [{ kind: "copy", src: inp(0), dst: OUT, bytes }] : [] };
}

/**
 * Read output element i from `offset + Σ coord_d(i)·strides[d]` of input
 * `input` (coords over `shape`, the output shape). Axes of size 1 are dropped.
 */
export function stridedGather(
  shape: Shape,
  strides: readonly number[],
  offset: number,
  input = 0,
): KernelPlan {
  const n = sizeOf(shape);
  if (n === 0) return { passes: [] };
  const dims: number[] = [];
  const st: number[] = [];
  shape.forEach((d, i) => {
    if (d !== 1) {
      // Merge with the previous axis when it continues this one in the source.
      const k = dims.length - 1;
      if (k >= 0 && st[k] === d * strides[i]) {
        dims[k] *= d;
        st[k] = strides[i];
      } else {
        dims.push(d);
        st.push(strides[i]);
      }
    }
  });
  const words = [n, offset, ...dims, ...st];
  const code = `${storage(0, "x", "u32", false)}
${storage(1, "y", "u32", true)}
${uniformDecl(2, words.length)}
${
    perElement(
      u(0),
      `  var j = ${u(1)};\n${decompose("i", "j", 2, 2 + dims.length, dims.length)}  y[i] = x[j];`,
    )
  }`;
  return {
    passes: [{
      kind: "dispatch",
      code,
      buffers: [inp(input), OUT],
      uniforms: Uint32Array.from(words),
      workgroups: groups(n),
    }],
  };
}

for (const op of ["reshape", "identity", "stop_gradient"]) {
  registerGpuKernel(op, ({ node }) => copyPlan(node));
}

registerGpuKernel("transpose", ({ node, inputs: [x] }) => {
  const perm = attrsOf(node, "transpose").perm;
  const st = stridesOf(x.shape);
  return stridedGather(node.shape, perm.map((p) => st[p]), 0);
});

registerGpuKernel("broadcast_to", ({ node, inputs: [x] }) => {
  return stridedGather(node.shape, broadcastStrides(x.shape, node.shape), 0);
});
