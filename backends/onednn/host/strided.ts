/**
 * The host kernels' elementwise loop: an expression over one to three
 * operands, compiled per (op, dtypes, column strides) by codegen.ts and run
 * over a merged loop nest (nest.ts). The generated function walks the whole
 * nest itself — outer positions from the nest's base tables, then rows, then
 * a row in which every operand is either read at `base + i` (column stride
 * 1) or once per row (column stride 0, hoisted): no per-element index table
 * or call.
 *
 * Branches cost more than arithmetic here: a select on data-dependent signs
 * (`x > τ ? x : 0`, `c ? a : b`) mispredicts half the time (~9 ns/element,
 * measured, against ~2 ns branch-free). So an op may give its result as the
 * output's int32 bits instead (`bits`, over the operands' bits `aI` and a
 * mask such as `-(x > p)`, which V8 compiles without a branch); it is used
 * where the output and the operands read as bits are 4-byte (f32/i32)
 * tensors, read through Int32Array views made once per run.
 * @module
 */
import type { DType, TensorData } from "../../../core/host_tensor.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { erf } from "../../reference/kernels/math.ts";
import { generated } from "./codegen.ts";
import type { Nest } from "./nest.ts";

/** Helpers a kernel expression may call besides `Math`. */
const SCOPE = { erf };

/** An elementwise formula over the operand names (and `p`, the op's scalar parameter). */
export interface Formula {
  /** The output value, as the reference kernel's closure computes it. */
  readonly expr: string;
  /**
   * Optionally, the same result as the output's int32 bits, from the
   * operands' values and bits (`<name>I`), after the statements `pre`.
   */
  readonly bits?: string;
  /** Statements run before `bits` per element (e.g. `const m = -(a >= b);`). */
  readonly pre?: string;
}

const WIDE: readonly DType[] = ["f32", "i32"];

/**
 * A kernel computing `formula` — over the operand names `names` (one per
 * input, lower-case identifiers) and `p` — into an output of `dtypes[0]` from
 * inputs of `dtypes[1..]`, walked along `nest`; null when the nest has a
 * column stride other than 0 or 1 (not a broadcast).
 */
export function stridedKernel(
  op: string,
  formula: Formula,
  names: readonly string[],
  dtypes: readonly DType[],
  nest: Nest,
  p = 0,
): KernelRun | null {
  const cs = nest.colStrides.slice(1);
  if (cs.some((s) => s !== 0 && s !== 1)) return null;
  const { bits, pre = "" } = formula;
  const asBits = names.filter((n) => bits && new RegExp(`\\b${n}I\\b`).test(bits));
  const useBits = bits !== undefined && WIDE.includes(dtypes[0]) &&
    asBits.every((n) => WIDE.includes(dtypes[1 + names.indexOf(n)]));
  // One flat run (same-shape operands, a scalar): plain `[i]` indexing, which V8 compiles tighter.
  const flat = nest.bases[0].length === 1 && nest.rows === 1 && nest.bases.every((b) => b[0] === 0);
  const at = (n: string) => (flat ? "i" : `${n}o + i`);
  const code = useBits ? `${pre} oI[${at("o")}] = ${bits};` : `o[${at("o")}] = ${formula.expr};`;
  const used = (n: string) => new RegExp(`\\b${n}\\b`).test(code);
  const arr = names.map((n) => n.toUpperCase());
  const load = (k: number, at: string) =>
    (used(names[k]) ? `const ${names[k]} = ${arr[k]}[${at}]; ` : "") +
    (used(`${names[k]}I`) ? `const ${names[k]}I = ${arr[k]}I[${at}]; ` : "");
  const view = (a: string) =>
    `const ${a}I = new Int32Array(${a}.buffer, ${a}.byteOffset, ${a}.length);`;
  const head = `
  ${arr.map((a, k) => `const ${a} = ins[${k}];`).join(" ")}
  ${useBits ? [view("o"), ...asBits.map((n) => view(n.toUpperCase()))].join("\n  ") : ""}`;
  const body = flat
    ? `${head}
  ${names.map((_, k) => (cs[k] === 0 ? load(k, "0") : "")).join("")}
  for (let i = 0; i < cols; i++) {
    ${names.map((_, k) => (cs[k] === 1 ? load(k, "i") : "")).join("")}
    ${code}
  }`
    : `${head}
  const OB = bases[0], OR = rs[0];
  ${names.map((n, k) => `const ${n}B = bases[${k + 1}], ${n}R = rs[${k + 1}];`).join(" ")}
  for (let j = 0; j < count; j++) {
    let oo = OB[j]; ${names.map((n) => `let ${n}o = ${n}B[j];`).join(" ")}
    for (let r = 0; r < rows; r++) {
      ${names.map((_, k) => (cs[k] === 0 ? load(k, `${names[k]}o`) : "")).join("")}
      for (let i = 0; i < cols; i++) {
        ${names.map((_, k) => (cs[k] === 1 ? load(k, at(names[k])) : "")).join("")}
        ${code}
      }
      oo += OR; ${names.map((n) => `${n}o += ${n}R;`).join(" ")}
    }
  }`;
  const name = `host_${op}_${dtypes.join("_")}_s${cs.join("")}${useBits ? "_bits" : ""}${
    flat ? "_flat" : ""
  }`;
  const k = generated(name, ["o", "ins", "bases", "count", "rows", "cols", "rs", "p"], body, SCOPE);
  const { bases, rows, cols, rowStrides } = nest;
  const count = bases[0].length;
  return (out: TensorData, ins: readonly TensorData[]) =>
    k(out, ins, bases, count, rows, cols, rowStrides, p);
}
