/**
 * Shape arithmetic shared by the op catalogue and the backends.
 * @module
 */
import { ActlabError } from "./errors.ts";
import type { Shape } from "./host_tensor.ts";

/** Format a shape for error messages: `[2,3]`. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Numpy broadcasting of two shapes; throws a clear error naming `where`. */
export function broadcastShapes(a: Shape, b: Shape, where: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ActlabError(
        `${where}: shapes ${fmtShape(a)} and ${
          fmtShape(b)
        } do not broadcast (axis ${i}: ${da} vs ${db})`,
        "make the sizes equal or 1 on every trailing axis (numpy broadcasting)",
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides to read a tensor of shape `from` as if broadcast to `to` (0 on broadcast axes). */
export function broadcastStrides(from: Shape, to: Shape): number[] {
  const st = stridesOf(from);
  const out = new Array<number>(to.length).fill(0);
  const off = to.length - from.length;
  for (let i = 0; i < from.length; i++) out[off + i] = from[i] === 1 ? 0 : st[i];
  return out;
}

/** Normalise possibly negative axes against `rank`; rejects duplicates and out-of-range axes. */
export function normalizeAxes(axes: readonly number[], rank: number, where: string): number[] {
  const out: number[] = [];
  for (const a of axes) {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new ActlabError(
        `${where}: axis ${a} is out of range for a rank-${rank} tensor`,
        `use an integer axis in [${-rank}, ${rank - 1}]`,
      );
    }
    const n = a < 0 ? a + rank : a;
    if (out.includes(n)) {
      throw new ActlabError(`${where}: axis ${a} is given twice`, "list each axis once");
    }
    out.push(n);
  }
  return out;
}

/** Shapes equal element by element. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
