/**
 * Host kernels of `broadcast_to` and `transpose`: copies along a merged loop
 * nest (nest.ts) instead of the reference's per-element index table
 * (backends/reference/kernels/movement.ts). `broadcast_to` is the identity
 * expression on the elementwise loop (strided.ts). `transpose` merges runs of
 * axes that stay adjacent under the permutation, then copies rows: a straight
 * copy when the last axis is kept, otherwise a 2-D transpose in 32 × 32 tiles
 * between the output's last axis and the axis the input is contiguous along,
 * so that the strided reads of a tile stay in L1. Values are copied through
 * the same typed-array reads and writes as the reference's, so bit for bit.
 * `reshape` keeps the reference kernel: it is already one `out.set(x)`.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import type { DType } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { type HostKernel, registerHostKernel } from "../kernel.ts";
import { generated } from "./codegen.ts";
import { broadcastNest, transposeNest } from "./nest.ts";
import { runNest, stridedKernel } from "./strided.ts";

const TILE = 32;

function broadcastTo(node: Node, [x]: readonly Node[]): KernelRun | null {
  const nest = broadcastNest(node.shape, [x.shape]);
  return stridedKernel("broadcast_to", "x", ["x"], [node.dtype, x.dtype], nest);
}

/** The row-copy kernel of `dtype`: rows × cols, input column stride `xc` (1: contiguous rows). */
function transposeKernel(dtype: DType, contiguous: boolean) {
  const params = ["o", "X", "oo", "xo", "rows", "cols", "or", "xr", "xc"];
  if (contiguous) {
    return generated(
      `host_transpose_${dtype}_rows`,
      params,
      `
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) o[oo + i] = X[xo + i];
    oo += or; xo += xr;
  }`,
    );
  }
  return generated(
    `host_transpose_${dtype}_tiles`,
    params,
    `
  for (let r0 = 0; r0 < rows; r0 += ${TILE}) {
    const r1 = Math.min(rows, r0 + ${TILE});
    for (let c0 = 0; c0 < cols; c0 += ${TILE}) {
      const c1 = Math.min(cols, c0 + ${TILE});
      for (let r = r0; r < r1; r++) {
        const ob = oo + r * or;
        let xi = xo + r * xr + c0 * xc;
        for (let c = c0; c < c1; c++) {
          o[ob + c] = X[xi];
          xi += xc;
        }
      }
    }
  }`,
  );
}

function transpose(node: Node, [x]: readonly Node[]): KernelRun {
  const nest = transposeNest(x.shape, attrsOf(node, "transpose").perm);
  const xc = nest.colStrides[1];
  // The trailing parameter `p` of runNest is the input's column stride here.
  return runNest(transposeKernel(node.dtype, xc === 1), nest, 1, xc);
}

/** The host kernels of the movement ops (registered below; the tests call them directly). */
export const MOVEMENT_HOST_KERNELS: Record<string, HostKernel> = {
  broadcast_to: broadcastTo,
  transpose,
};
for (const [op, k] of Object.entries(MOVEMENT_HOST_KERNELS)) registerHostKernel(op, k);
