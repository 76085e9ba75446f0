/**
 * Index tables for broadcasting: for each output element, the flat index of
 * the element of an input of shape `from` that it reads.
 * @module
 */
import { type Shape, sizeOf } from "../../../core/host_tensor.ts";
import { broadcastStrides, sameShape } from "../../../core/shape.ts";

/** Flat source index per output element, or null when no broadcasting happens. */
export function broadcastIndex(from: Shape, to: Shape): Int32Array | null {
  if (sameShape(from, to)) return null;
  const n = sizeOf(to);
  const idx = new Int32Array(n);
  const st = broadcastStrides(from, to);
  const rank = to.length;
  const counter = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = src;
    for (let ax = rank - 1; ax >= 0; ax--) {
      counter[ax]++;
      src += st[ax];
      if (counter[ax] < to[ax]) break;
      src -= st[ax] * to[ax];
      counter[ax] = 0;
    }
  }
  return idx;
}
