/**
 * Batched matrix multiplication with transpose flags: the coarse op that
 * linear layers, attention and im2col-free models lower to.
 * @module
 */
import type { Attrs, Tensor } from "../graph.ts";
import { attrError, defineOp } from "../op_def.ts";
import { broadcastShapes, fmtShape } from "../shape.ts";
import { sumTo } from "./reduce.ts";

/** Attributes of `matmul`: whether each operand is read transposed (last two axes). */
export interface MatmulAttrs extends Attrs {
  /** Read `a` as the transpose of its last two axes. */
  transA: boolean;
  /** Read `b` as the transpose of its last two axes. */
  transB: boolean;
}

function flag(v: unknown, key: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") {
    return attrError(
      "matmul",
      `${key} must be a boolean, got ${JSON.stringify(v)}`,
      `pass ${key}: true or false`,
    );
  }
  return v;
}

defineOp<MatmulAttrs>({
  name: "matmul",
  arity: 2,
  attrs: (raw) => ({ transA: flag(raw.transA, "transA"), transB: flag(raw.transB, "transB") }),
  infer: ([a, b], { transA, transB }) => {
    for (const [name, t] of [["a", a], ["b", b]] as const) {
      if (t.dtype !== "f32") {
        return attrError(
          "matmul",
          `operand ${name} is ${t.dtype}`,
          "matmul takes f32 operands; cast first",
        );
      }
      if (t.shape.length < 2) {
        return attrError(
          "matmul",
          `operand ${name} has shape ${
            fmtShape(t.shape)
          } (rank ${t.shape.length}); both operands need rank >= 2`,
          "reshape vectors to [1,k] or [k,1] matrices first",
        );
      }
    }
    const ra = a.shape.length, rb = b.shape.length;
    const m = transA ? a.shape[ra - 1] : a.shape[ra - 2];
    const ka = transA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (ka !== kb) {
      return attrError(
        "matmul",
        `contraction sizes differ: a ${fmtShape(a.shape)}${
          transA ? " (transposed)" : ""
        } gives k=${ka}, b ${fmtShape(b.shape)}${transB ? " (transposed)" : ""} gives k=${kb}`,
        "make a's last axis (its second-to-last when transA) equal b's second-to-last (its last when transB)",
      );
    }
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "matmul batch axes");
    return { shape: [...batch, m, n], dtype: "f32" };
  },
  vjp: ({ inputs: [a, b], grad: g, attrs: { transA, transB }, needs }) => {
    // With C = op(A)·op(B): dop(A) = dC·op(B)ᵀ and dop(B) = op(A)ᵀ·dC; each
    // case below folds the outer transpose of a transposed operand into the flags.
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      da = transA ? matmul(b, g, transB, true) : matmul(g, b, false, !transB);
    }
    if (needs[1]) {
      db = transB ? matmul(g, a, true, transA) : matmul(a, g, !transA, false);
    }
    return [da && sumTo(da, a.shape), db && sumTo(db, b.shape)];
  },
});

/**
 * `op(a) · op(b)` over the last two axes, where `op` transposes when the flag
 * is set; leading (batch) axes broadcast numpy-style. f32, both ranks ≥ 2.
 */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  return a.graph.apply("matmul", [a, b], { transA, transB });
}
