/**
 * Strided loop nests without per-element index tables, for the host kernels'
 * broadcasting and transposes. An output walked in row-major order reads
 * each operand at a linear function of the output's coordinates (stride 0 on
 * a broadcast axis). Axes of size 1 carry nothing and are dropped; adjacent
 * axes merge where every operand's strides stay contiguous across them
 * (stride[i] = stride[i+1]·dim[i+1], broadcast pairs included: 0 = 0·d). What
 * is left runs as a two-level loop — `rows` × `cols`, a generated kernel
 * (codegen.ts) with each operand's column stride baked in — called once per
 * position of the remaining outer axes, whose base offsets are tabulated
 * here (one entry per call, not per element). Same-shape operands merge to
 * one axis (one call, one flat loop); a scalar, row or column broadcast to
 * two axes (one call); a middle axis or both operands broadcast to more.
 * @module
 */
import type { Shape } from "../../../core/host_tensor.ts";
import { broadcastStrides, stridesOf } from "../../../core/shape.ts";

/** A merged loop nest: operand 0 is the output, the others the inputs. */
export interface Nest {
  /** Rows of the inner two-level loop. */
  readonly rows: number;
  /** Elements per row (the innermost merged axis). */
  readonly cols: number;
  /** Each operand's stride between rows. */
  readonly rowStrides: readonly number[];
  /** Each operand's stride along a row (the output's is always 1). */
  readonly colStrides: readonly number[];
  /** Each operand's base offset per outer position (all of one length). */
  readonly bases: readonly Int32Array[];
}

/** Drop size-1 axes and merge adjacent axes that are contiguous for every operand. */
export function mergeAxes(
  dims: readonly number[],
  strides: readonly (readonly number[])[],
): { dims: number[]; strides: number[][] } {
  const keep = dims.map((_, i) => i).filter((i) => dims[i] !== 1);
  const d: number[] = [];
  const s: number[][] = strides.map(() => []);
  for (const ax of keep) {
    const last = d.length - 1;
    if (
      last >= 0 && strides.every((st, k) => s[k][last] === st[ax] * dims[ax])
    ) {
      d[last] *= dims[ax];
      strides.forEach((st, k) => (s[k][last] = st[ax]));
    } else {
      d.push(dims[ax]);
      strides.forEach((st, k) => s[k].push(st[ax]));
    }
  }
  return { dims: d, strides: s };
}

/**
 * The nest over merged `dims`: the last axis is the row, `rowAxis` (default:
 * the one before it) the rows, every other axis an outer position.
 */
export function nestOf(
  dims: readonly number[],
  strides: readonly (readonly number[])[],
  rowAxis = dims.length - 2,
): Nest {
  const rank = dims.length;
  const at = (ax: number, k: number) => (ax >= 0 ? strides[k][ax] : 0);
  const colAxis = rank - 1;
  const outer = dims.map((_, i) => i).filter((i) => i !== colAxis && i !== rowAxis);
  let count = 1;
  for (const ax of outer) count *= dims[ax];
  const bases = strides.map(() => new Int32Array(count));
  const counter = new Array<number>(outer.length).fill(0);
  const off = strides.map(() => 0);
  for (let j = 0; j < count; j++) {
    for (let k = 0; k < strides.length; k++) bases[k][j] = off[k];
    for (let q = outer.length - 1; q >= 0; q--) {
      const ax = outer[q];
      counter[q]++;
      for (let k = 0; k < strides.length; k++) off[k] += strides[k][ax];
      if (counter[q] < dims[ax]) break;
      for (let k = 0; k < strides.length; k++) off[k] -= strides[k][ax] * dims[ax];
      counter[q] = 0;
    }
  }
  return {
    rows: rowAxis >= 0 ? dims[rowAxis] : 1,
    cols: rank > 0 ? dims[colAxis] : 1,
    rowStrides: strides.map((_, k) => at(rowAxis, k)),
    colStrides: strides.map((_, k) => at(colAxis, k)),
    bases,
  };
}

/** The nest of an output of shape `to` reading inputs of shapes `from`, broadcast to it. */
export function broadcastNest(to: Shape, from: readonly Shape[]): Nest {
  const m = mergeAxes(to, [stridesOf(to), ...from.map((s) => broadcastStrides(s, to))]);
  return nestOf(m.dims, m.strides);
}

/**
 * The nest of `transpose(x, perm)` for an input of shape `shape`: rows are the
 * axis the input is contiguous along (when the row is not), so that a
 * blocked kernel turns strided reads into cache-resident ones.
 */
export function transposeNest(shape: Shape, perm: readonly number[]): Nest {
  const inStrides = stridesOf(shape);
  const to = perm.map((p) => shape[p]);
  const m = mergeAxes(to, [stridesOf(to), perm.map((p) => inStrides[p])]);
  const rank = m.dims.length;
  const unit = m.strides[1].indexOf(1);
  const rowAxis = rank >= 2 && m.strides[1][rank - 1] !== 1 && unit >= 0 ? unit : rank - 2;
  return nestOf(m.dims, m.strides, rowAxis);
}
