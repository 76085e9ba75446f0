/**
 * Bit-for-bit comparison for the host-kernel tests: outputs pre-filled with
 * stale values a kernel must overwrite, and the first element whose bits
 * differ.
 * @module
 */
import { allocData, type DType, type TensorData } from "../core/host_tensor.ts";

/** An output of `dtype` full of stale values a kernel must overwrite. */
export function stale(dtype: DType, n: number): TensorData {
  return allocData(dtype, n).fill(dtype === "f32" ? NaN : dtype === "i32" ? 0x5eadbeef : 7);
}

/**
 * The first element where `got` and `want` differ in their bits, −1 if none.
 * Any NaN equals any NaN: V8 does not keep a NaN's sign and payload stable
 * across its tiers (measured: the reference's own softplus of a NaN input
 * gives 0x7fc00000 before its loop is optimised and 0xffffffff after),
 * and no actlab semantics reads them.
 */
export function firstDifference(got: TensorData, want: TensorData): number {
  if (!(got instanceof Float32Array)) return got.findIndex((v, i) => v !== want[i]);
  const [gb, wb] = [new Uint32Array(got.buffer), new Uint32Array(want.buffer)];
  return gb.findIndex((v, i) => v !== wb[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i])));
}
