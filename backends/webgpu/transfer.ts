/**
 * Host ↔ device data: tensors as the GPU stores them (f32 / i32 words, bools
 * widened to u32), the values the host uploads once (constants, `full`), and
 * the one way results come back — mapping a staging buffer.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { Node } from "../../core/graph.ts";
import { type DType, type HostTensor, sizeOf, type TensorData } from "../../core/host_tensor.ts";
import { attrsOf } from "../../core/ops/attrs.ts";
import { checkAlive, type GpuContext } from "./device.ts";

/** Host data of a tensor as the GPU stores it (f32 / i32 / u32 words). */
export function toDevice(dtype: DType, data: TensorData): BufferSource {
  const own = data.buffer instanceof ArrayBuffer;
  if (dtype === "f32") {
    return data instanceof Float32Array && own
      ? data as Float32Array<ArrayBuffer>
      : Float32Array.from(data);
  }
  if (dtype === "i32") {
    return data instanceof Int32Array && own
      ? data as Int32Array<ArrayBuffer>
      : Int32Array.from(data);
  }
  return Uint32Array.from(data, (v) => (v !== 0 ? 1 : 0));
}

/** Words read back from the GPU as host tensor storage (bool → Uint8Array). */
export function fromDevice(
  dtype: DType,
  words: ArrayBuffer,
  offset: number,
  n: number,
): TensorData {
  if (dtype === "f32") return new Float32Array(words.slice(offset, offset + 4 * n));
  if (dtype === "i32") return new Int32Array(words.slice(offset, offset + 4 * n));
  return Uint8Array.from(new Uint32Array(words, offset, n));
}

/** The value of a `constant` or `full` node, which the host uploads once at compile time. */
export function hostValue(node: Node): HostTensor {
  if (node.op === "constant") return attrsOf(node, "constant").value;
  const v = attrsOf(node, "full").value;
  const n = sizeOf(node.shape);
  const data = node.dtype === "f32"
    ? new Float32Array(n).fill(v)
    : node.dtype === "i32"
    ? new Int32Array(n).fill(Math.trunc(v) | 0)
    : new Uint8Array(n).fill(v !== 0 ? 1 : 0);
  return { dtype: node.dtype, shape: node.shape, data };
}

/** Map a staging buffer once and copy its contents out. */
export async function mapRead(ctx: GpuContext, buf: GPUBuffer): Promise<ArrayBuffer> {
  try {
    await buf.mapAsync(GPUMapMode.READ);
  } catch (e) {
    checkAlive(ctx);
    throw new ActlabError(
      `webgpu (${ctx.provider}): reading results back failed: ${(e as Error).message}`,
      "compile the graph again; if it persists, run on --backend reference and report the graph",
    );
  }
  const copy = buf.getMappedRange().slice(0);
  buf.unmap();
  return copy;
}
