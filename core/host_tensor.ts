/**
 * Host-side tensors: a typed array plus shape and dtype. This is what feeds,
 * outputs, constants and checkpoints are made of.
 * @module
 */
import { ActlabError } from "./errors.ts";

/** Element types of graph tensors. `bool` is stored as one byte (0 or 1). */
export type DType = "f32" | "i32" | "bool";

/** A static shape: one non-negative integer per axis. `[]` is a scalar. */
export type Shape = readonly number[];

/**
 * Storage of a host tensor. `f32` tensors use `Float32Array`, or `Float64Array`
 * when a backend runs in float64 (the reference backend's gradient-check mode).
 */
export type TensorData = Float32Array | Float64Array | Int32Array | Uint8Array;

/** A tensor living in host memory. */
export interface HostTensor {
  /** Element type. */
  readonly dtype: DType;
  /** Shape (row-major layout). */
  readonly shape: Shape;
  /** Elements in row-major order; length equals the product of `shape`. */
  readonly data: TensorData;
}

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Bytes per element of a dtype as stored on devices (bool packs to 1 byte on host, 4 on GPUs). */
export function bytesPerElement(dtype: DType): number {
  return dtype === "bool" ? 1 : 4;
}

/** Allocate a zero-filled array for `dtype` (`f64` selects Float64Array for f32 tensors). */
export function allocData(dtype: DType, n: number, f64 = false): TensorData {
  if (dtype === "f32") return f64 ? new Float64Array(n) : new Float32Array(n);
  if (dtype === "i32") return new Int32Array(n);
  return new Uint8Array(n);
}

/** Build a host tensor, checking that the data length matches the shape. */
export function hostTensor(
  dtype: DType,
  shape: Shape,
  data: TensorData | ArrayLike<number>,
): HostTensor {
  const n = sizeOf(shape);
  let stored: TensorData;
  if (
    data instanceof Float32Array || data instanceof Float64Array ||
    data instanceof Int32Array || data instanceof Uint8Array
  ) {
    stored = data;
  } else {
    stored = allocData(dtype, n);
    for (let i = 0; i < n; i++) stored[i] = data[i];
  }
  if (stored.length !== n) {
    throw new ActlabError(
      `tensor data has ${stored.length} elements but shape [${shape}] needs ${n}`,
      "pass exactly one value per element, in row-major order",
    );
  }
  return { dtype, shape: [...shape], data: stored };
}

/** A tensor of the given shape filled with `value`. */
export function fullHost(dtype: DType, shape: Shape, value: number): HostTensor {
  const data = allocData(dtype, sizeOf(shape));
  data.fill(value);
  return { dtype, shape: [...shape], data };
}

/** A f32 scalar host tensor. */
export function scalarHost(value: number, dtype: DType = "f32"): HostTensor {
  return fullHost(dtype, [], value);
}
