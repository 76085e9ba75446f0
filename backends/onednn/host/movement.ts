/**
 * Host kernels of `broadcast_to` and `transpose`: copies along a merged loop
 * nest (nest.ts) instead of the reference's per-element index table
 * (backends/reference/kernels/movement.ts). Both merge what axes they can
 * (`transpose`: runs of axes that stay adjacent under the permutation), then
 * copy rows: a fill for a broadcast row, a straight copy for a contiguous one
 * (long rows through the native `fill` / `set`), otherwise a 2-D transpose in
 * 32 × 32 tiles between the output's last axis and the axis the input is
 * contiguous along, so that the strided reads of a tile stay in L1. Values
 * are copied, so bit for bit (a NaN's payload aside, which V8 does not keep
 * stable across its own tiers either).
 * `reshape` keeps the reference kernel: it is already one `out.set(x)`.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import type { DType } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { type HostKernel, registerHostKernel } from "../kernel.ts";
import { generated } from "./codegen.ts";
import { broadcastNest, type Nest, transposeNest } from "./nest.ts";

const TILE = 32;
/** Rows at least this long are copied with `set` / `fill` (native) instead of a loop. */
const NATIVE_ROW = 256;

/**
 * The copy of `dtype` along a nest with the input's column stride 0
 * (`fill`), 1 (row copies) or other (32 × 32 tiles), as one generated
 * function over the whole nest.
 */
function copyKernel(dtype: DType, xc: number) {
  const kind = xc === 0 ? "fill" : xc === 1 ? "rows" : "tiles";
  const row = {
    fill: `
      if (cols >= ${NATIVE_ROW}) o.fill(X[xo], oo, oo + cols);
      else { const v = X[xo]; for (let i = 0; i < cols; i++) o[oo + i] = v; }`,
    rows: `
      if (cols >= ${NATIVE_ROW}) o.set(X.subarray(xo, xo + cols), oo);
      else for (let i = 0; i < cols; i++) o[oo + i] = X[xo + i];`,
  };
  const body = kind === "tiles"
    ? `
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
    }`
    : `
    for (let r = 0; r < rows; r++) {${row[kind]}
      oo += or; xo += xr;
    }`;
  return generated(
    `host_copy_${dtype}_${kind}`,
    ["o", "ins", "bases", "count", "rows", "cols", "rs", "xc"],
    `
  const X = ins[0], OB = bases[0], XB = bases[1], or = rs[0], xr = rs[1];
  for (let j = 0; j < count; j++) {
    let oo = OB[j], xo = XB[j];${body}
  }`,
  );
}

/** The copy along `nest` (output first, one input). */
function copyAlong(dtype: DType, nest: Nest): KernelRun {
  const xc = nest.colStrides[1];
  const k = copyKernel(dtype, xc);
  const { bases, rows, cols, rowStrides } = nest;
  const count = bases[0].length;
  return (out, ins) => k(out, ins, bases, count, rows, cols, rowStrides, xc);
}

function broadcastTo(node: Node, [x]: readonly Node[]): KernelRun {
  return copyAlong(node.dtype, broadcastNest(node.shape, [x.shape]));
}

function transpose(node: Node, [x]: readonly Node[]): KernelRun {
  return copyAlong(node.dtype, transposeNest(x.shape, attrsOf(node, "transpose").perm));
}

/** The host kernels of the movement ops (registered below; the tests call them directly). */
export const MOVEMENT_HOST_KERNELS: Record<string, HostKernel> = {
  broadcast_to: broadcastTo,
  transpose,
};
for (const [op, k] of Object.entries(MOVEMENT_HOST_KERNELS)) registerHostKernel(op, k);
