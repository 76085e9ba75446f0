/**
 * Host kernels of `broadcast_to` and `transpose`: copies along a merged loop
 * nest (nest.ts) instead of the reference's per-element index table
 * (backends/reference/kernels/movement.ts). Both merge what axes they can
 * (`transpose`: runs of axes that stay adjacent under the permutation), then
 * copy rows: a fill for a broadcast row, a straight copy for a contiguous one
 * (long rows through the native `fill` / `set`, short ones unrolled),
 * otherwise a 2-D transpose between the output's last axis and the axis the
 * input is contiguous along — in 32 × 32 tiles when the block is large, so
 * that the strided reads of a tile stay in cache. Values
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
/** Transposed blocks up to this many elements are not tiled. */
const SMALL_BLOCK = 16384;
/** Rows at least this long are copied with `set` / `fill` (native) instead of a loop. */
const NATIVE_ROW = 256;
/**
 * Contiguous rows up to this long are copied by unrolled code: V8 runs a
 * 16-element inner loop at ~1.7 ns/element against ~0.9 unrolled (measured,
 * [128,4,50,16] → perm [0,2,1,3]), slower than the reference's flat
 * index-table loop.
 */
const UNROLL = 16;

/**
 * The copy of `dtype` along a nest with the input's column stride 0
 * (`fill`), 1 (row copies; unrolled for short rows of `cols`) or other
 * (32 × 32 tiles of blocks over `SMALL_BLOCK`), as one generated function
 * over the whole nest.
 */
function copyKernel(dtype: DType, xc: number, cols: number) {
  const short = xc === 1 && cols <= UNROLL;
  const kind = xc === 0 ? "fill" : short ? `rows${cols}` : xc === 1 ? "rows" : "tiles";
  const unrolled = Array.from({ length: cols }, (_, i) => `o[oo + ${i}] = X[xo + ${i}];`);
  const row: Record<string, string> = {
    [`rows${cols}`]: `
      ${unrolled.join(" ")}`,
    fill: `
      if (cols >= ${NATIVE_ROW}) o.fill(X[xo], oo, oo + cols);
      else { const v = X[xo]; for (let i = 0; i < cols; i++) o[oo + i] = v; }`,
    rows: `
      if (cols >= ${NATIVE_ROW}) o.set(X.subarray(xo, xo + cols), oo);
      else for (let i = 0; i < cols; i++) o[oo + i] = X[xo + i];`,
  };
  const body = kind === "tiles"
    ? `
    for (let r0 = 0; r0 < rows; r0 += tr) {
      const r1 = Math.min(rows, r0 + tr);
      for (let c0 = 0; c0 < cols; c0 += tc) {
        const c1 = Math.min(cols, c0 + tc);
        for (let r = r0; r < r1; r++) {
          let q = oo + r * or + c0;
          const e = q + (c1 - c0);
          let x = xo + r * xr + c0 * xc;
          for (; q < e; q++) {
            o[q] = X[x];
            x += xc;
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
    ["o", "ins", "bases", "count", "rows", "cols", "rs", "xc", "tr", "tc"],
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
  const k = copyKernel(dtype, xc, nest.cols);
  const { bases, rows, cols, rowStrides } = nest;
  const count = bases[0].length;
  // One tile when a block fits in L2 with room to spare: tiling small blocks only costs.
  const [tr, tc] = rows * cols <= SMALL_BLOCK ? [rows, cols] : [TILE, TILE];
  return (out, ins) => k(out, ins, bases, count, rows, cols, rowStrides, xc, tr, tc);
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
