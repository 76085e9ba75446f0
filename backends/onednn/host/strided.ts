/**
 * The host kernels' elementwise loop: an expression over one to three
 * operands, compiled per (op, dtypes, column strides) by codegen.ts and run
 * over a merged loop nest (nest.ts). Inside a row every operand is either
 * read at `base + i` (column stride 1) or once per row (column stride 0,
 * hoisted out of the inner loop): no per-element index arithmetic beyond
 * `base + i`, no per-element call.
 * @module
 */
import type { DType, TensorData } from "../../../core/host_tensor.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { generated } from "./codegen.ts";
import type { Nest } from "./nest.ts";
import { erf } from "../../reference/kernels/math.ts";

/** Helpers a kernel expression may call besides `Math`. */
const SCOPE = { erf };

/**
 * A kernel computing `expr` — over the operand names `names` (one per input,
 * lower-case identifiers) and `p`, the op's scalar parameter — into an output
 * of `dtypes[0]` from inputs of `dtypes[1..]`, walked along `nest`; null when
 * the nest has a column stride other than 0 or 1 (not a broadcast).
 */
export function stridedKernel(
  op: string,
  expr: string,
  names: readonly string[],
  dtypes: readonly DType[],
  nest: Nest,
  p = 0,
): KernelRun | null {
  const cs = nest.colStrides.slice(1);
  if (cs.some((s) => s !== 0 && s !== 1)) return null;
  const name = `host_${op}_${dtypes.join("_")}_s${cs.join("")}`;
  const arr = names.map((n) => n.toUpperCase());
  const params = [
    "o",
    ...arr,
    "oo",
    ...names.map((n) => `${n}o`),
    "rows",
    "cols",
    "or",
    ...names.map((n) => `${n}r`),
    "p",
  ];
  const load = (k: number, at: string) => `const ${names[k]} = ${arr[k]}[${at}];`;
  const hoisted = names.map((n, k) => (cs[k] === 0 ? load(k, `${n}o`) : "")).join(" ");
  const inner = names.map((n, k) => (cs[k] === 1 ? load(k, `${n}o + i`) : "")).join(" ");
  const body = `
  for (let r = 0; r < rows; r++) {
    ${hoisted}
    for (let i = 0; i < cols; i++) {
      ${inner}
      o[oo + i] = ${expr};
    }
    oo += or; ${names.map((n) => `${n}o += ${n}r;`).join(" ")}
  }`;
  const k = generated(name, params, body, SCOPE);
  return runNest(k, nest, names.length, p);
}

/** Run generated kernel `k` of `arity` inputs once per outer position of `nest`. */
export function runNest(
  k: (...args: never[]) => void,
  nest: Nest,
  arity: number,
  p: number,
): KernelRun {
  const { rows, cols, rowStrides: rs, bases } = nest;
  const count = bases[0].length;
  const [b0, b1, b2, b3] = bases;
  const f = k as (...args: unknown[]) => void;
  if (arity === 1) {
    return (out: TensorData, [a]: readonly TensorData[]) => {
      for (let j = 0; j < count; j++) f(out, a, b0[j], b1[j], rows, cols, rs[0], rs[1], p);
    };
  }
  if (arity === 2) {
    return (out: TensorData, [a, b]: readonly TensorData[]) => {
      for (let j = 0; j < count; j++) {
        f(out, a, b, b0[j], b1[j], b2[j], rows, cols, rs[0], rs[1], rs[2], p);
      }
    };
  }
  return (out: TensorData, [a, b, c]: readonly TensorData[]) => {
    for (let j = 0; j < count; j++) {
      f(out, a, b, c, b0[j], b1[j], b2[j], b3[j], rows, cols, rs[0], rs[1], rs[2], rs[3], p);
    }
  };
}
