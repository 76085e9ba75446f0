/**
 * Host kernels of `broadcast_to` and `transpose`, for the layouts where they
 * beat the reference kernel (backends/reference/kernels/movement.ts): copies
 * along a merged loop nest (nest.ts) instead of a per-element index table.
 * Both merge what axes they can (`transpose`: runs of axes that stay
 * adjacent under the permutation). Long rows are copied by the native
 * `fill` (a broadcast row) or `set` (a contiguous one): 3–5× the reference
 * (bench/onednn_host_bench.ts). A large 2-D transpose block — between the
 * output's last axis and the axis the input is contiguous along — is copied
 * in 32 × 32 tiles, so that a tile's strided reads stay in cache: 2.4× on
 * [1024,1024]. Everything else declines to the reference, whose flat
 * `out[i] = a[idx[i]]` loop measured faster than any short-row loop V8
 * made of ours (rows of 16–64: 0.5–0.8×, unrolled rows included). Values are
 * copied, so bit for bit (a NaN's payload aside, which V8 does not keep
 * stable across its own tiers either). `reshape` keeps the reference
 * kernel: it is already one `out.set(x)`.
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
/** Transposed blocks over this many elements run tiled on the host; smaller ones decline. */
const SMALL_BLOCK = 16384;
/** Rows at least this long are copied with the native `fill` / `set`; shorter ones decline. */
const NATIVE_ROW = 256;

/**
 * The copy of `dtype` along a nest with the input's column stride 0
 * (`fill` per row), 1 (`set` per row) or other (32 × 32 tiles), as one
 * generated function over the whole nest.
 */
function copyKernel(dtype: DType, xc: number) {
  const kind = xc === 0 ? "fill" : xc === 1 ? "rows" : "tiles";
  const row: Record<string, string> = {
    fill: "o.fill(X[xo], oo, oo + cols);",
    rows: "o.set(X.subarray(xo, xo + cols), oo);",
  };
  const body = kind === "tiles"
    ? `
    for (let r0 = 0; r0 < rows; r0 += ${TILE}) {
      const r1 = Math.min(rows, r0 + ${TILE});
      for (let c0 = 0; c0 < cols; c0 += ${TILE}) {
        const c1 = Math.min(cols, c0 + ${TILE});
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
    for (let r = 0; r < rows; r++) {
      ${row[kind]}
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

/**
 * The copy along `nest` (output first, one input), or null where the
 * reference's flat index-table loop is faster: rows shorter than
 * `NATIVE_ROW`, and transposed blocks of at most `SMALL_BLOCK` elements.
 */
function copyAlong(dtype: DType, nest: Nest): KernelRun | null {
  const { bases, rows, cols, rowStrides, colStrides: [, xc] } = nest;
  const fast = xc === 0 || xc === 1 ? cols >= NATIVE_ROW : rows * cols > SMALL_BLOCK;
  if (!fast) return null;
  const k = copyKernel(dtype, xc);
  const count = bases[0].length;
  return (out, ins) => k(out, ins, bases, count, rows, cols, rowStrides, xc);
}

function broadcastTo(node: Node, [x]: readonly Node[]): KernelRun | null {
  return copyAlong(node.dtype, broadcastNest(node.shape, [x.shape]));
}

function transpose(node: Node, [x]: readonly Node[]): KernelRun | null {
  return copyAlong(node.dtype, transposeNest(x.shape, attrsOf(node, "transpose").perm));
}

/** The host kernels of the movement ops (registered below; the tests call them directly). */
export const MOVEMENT_HOST_KERNELS: Record<string, HostKernel> = {
  broadcast_to: broadcastTo,
  transpose,
};
for (const [op, k] of Object.entries(MOVEMENT_HOST_KERNELS)) registerHostKernel(op, k);
