/**
 * `add(g, slice_grad(dy))` — a gradient plus a gradient that reaches only a
 * slice of the tensor (DPA's channel loss at the class token, say) — as one
 * `ScatterND(g, indices, dy, reduction="add")`: ORT adds `dy` into `g`'s
 * region, in place when `g` has no other reader, instead of padding `dy` to
 * the full shape and adding two full tensors. The values are the same: the
 * region gets g + dy, everything else g (the Pad's zeros added nothing).
 * @module
 */
import { attrsOf } from "../../core/ops/attrs.ts";
import { sameShape } from "../../core/shape.ts";
import { str } from "./attrs.ts";
import type { LowerArgs } from "./lowering.ts";
import { DataType } from "./onnx_proto.ts";

/** The most index tuples, and the shortest scattered row (elements per tuple), worth a scatter. */
const MAX_TUPLES = 1 << 16;
const MIN_ROW = 16;

/** The ScatterND value, or undefined when the pattern does not hold. */
export function scatterAddSliceGrad(
  { b, node, x, ins, valueOf, nodeOf }: LowerArgs,
): string | undefined {
  if (node.dtype !== "f32") return undefined;
  for (const j of [0, 1]) {
    const sg = ins[j];
    const full = ins[1 - j];
    if (sg.op !== "slice_grad" || !sameShape(full.shape, node.shape)) continue;
    if (!sameShape(sg.shape, node.shape)) continue;
    const shape = node.shape;
    const dy = nodeOf(sg.inputs[0]);
    const { starts, steps } = attrsOf(sg, "slice_grad");
    if (dy.shape.some((n, ax) => n > 1 && steps[ax] !== 1)) return undefined;
    // Axes after the last partial one are whole: each index tuple addresses a row of them.
    let last = -1;
    shape.forEach((d, ax) => {
      if (dy.shape[ax] !== d) last = ax;
    });
    if (last === -1) return undefined;
    const lead = dy.shape.slice(0, last + 1);
    const tuples = lead.reduce((a, n) => a * n, 1);
    const row = shape.slice(last + 1).reduce((a, n) => a * n, 1);
    if (tuples === 0 || tuples > MAX_TUPLES || row < MIN_ROW) return undefined;
    const k = lead.length;
    const indices = new Array<number>(tuples * k);
    const at = new Array<number>(k).fill(0);
    for (let t = 0; t < tuples; t++) {
      for (let ax = 0; ax < k; ax++) indices[t * k + ax] = starts[ax] + at[ax];
      for (let ax = k - 1; ax >= 0; ax--) {
        if (++at[ax] < lead[ax]) break;
        at[ax] = 0;
      }
    }
    const idx = b.initializer(DataType.INT64, [...lead, k], indices);
    return b.op("ScatterND", [x[1 - j], idx, valueOf(dy.id)], { reduction: str("add") });
  }
  return undefined;
}
