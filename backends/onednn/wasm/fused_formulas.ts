/**
 * The per-element code of a fused loop's steps (../fuse_loops.ts) in the
 * WebAssembly text format, for wasm/fused_wat.ts: each op's formula on f32x4
 * lanes and on a scalar, operand loads, and the 0/1 helpers of counts and
 * bool stores.
 *
 * Every formula gives the reference's float32 result bit for bit (NaN
 * payloads aside): f32 `add`, `sub`, `mul`, `div` and `sqrt` round once, as
 * the reference's double result rounded to float32 does (a double carries
 * more than 2·24 + 2 bits, so its rounding is innocuous); `rsqrt` runs in
 * f64 as the reference does (`1 / Math.sqrt(x)`, then rounded); comparisons
 * give 0/1; selects (`maximum`, `minimum`, `where`, `threshold`) pick an
 * operand's bits with `bitselect`, so −0 and NaN travel as in the reference;
 * bool tensors are bytes read and written as 0/1.
 * @module
 */
import type { DType } from "../../../core/host_tensor.ts";
import type { FusedStep } from "../fuse_loops.ts";

const ONE = "(v128.const f32x4 1 1 1 1)";
export const ZERO = "(v128.const f32x4 0 0 0 0)";
/** Bytes 8–15 (the two high f32 lanes) moved down. */
export const HIGH = "8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15";

function literalValue(arg: string): number | null {
  return arg.startsWith("(") ? Number(arg.slice(1, -1)) : null;
}

function f32Const(v: number): string {
  return `(f32.const ${
    Object.is(v, -0) ? "-0" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : v
  })`;
}

/** An operand as a vector (`v`) or scalar (`s`) expression. */
function operand(arg: string, mode: "v" | "s"): string {
  const lit = literalValue(arg);
  if (lit !== null) return mode === "v" ? `(f32x4.splat ${f32Const(lit)})` : f32Const(lit);
  return `(local.get $${mode}${arg})`;
}

export function vectorFormula(s: FusedStep): string | null {
  const [a, b, c] = s.args.map((x) => operand(x, "v"));
  const cmp = (op: string) => `(v128.and (f32x4.${op} ${a} ${b}) ${ONE})`;
  switch (s.op) {
    case "add":
    case "sub":
    case "mul":
    case "div":
      return `(f32x4.${s.op} ${a} ${b})`;
    case "maximum":
      return `(v128.bitselect ${a} ${b} (v128.or (f32x4.ge ${a} ${b}) (f32x4.ne ${a} ${a})))`;
    case "minimum":
      return `(v128.bitselect ${a} ${b} (v128.or (f32x4.le ${a} ${b}) (f32x4.ne ${a} ${a})))`;
    case "lt":
    case "le":
    case "gt":
    case "ge":
    case "eq":
      return cmp(s.op);
    case "neg":
    case "abs":
    case "sqrt":
      return `(f32x4.${s.op} ${a})`;
    case "square":
      return `(f32x4.mul ${a} ${a})`;
    case "sign":
      return `(f32x4.sub (v128.and (f32x4.gt ${a} ${ZERO}) ${ONE}) (v128.and (f32x4.lt ${a} ${ZERO}) ${ONE}))`;
    case "rsqrt": {
      const half = (x: string) =>
        `(f32x4.demote_f64x2_zero (f64x2.div (f64x2.splat (f64.const 1)) (f64x2.sqrt (f64x2.promote_low_f32x4 ${x}))))`;
      return `(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 ${half(a)} ${
        half(`(i8x16.shuffle ${HIGH} ${a} ${a})`)
      })`;
    }
    case "where":
      return `(v128.bitselect ${b} ${c} (f32x4.ne ${a} ${ZERO}))`;
    case "threshold":
      return `(v128.and ${a} (f32x4.${s.inclusive ? "ge" : "gt"} ${a} (f32x4.splat ${
        f32Const(s.p)
      })))`;
    case "cast":
      return s.dtype === "bool" ? `(v128.and (f32x4.ne ${a} ${ZERO}) ${ONE})` : a;
    case "broadcast_to":
    case "stop_gradient":
      return a;
  }
  return null;
}

export function scalarFormula(s: FusedStep): string | null {
  const [a, b, c] = s.args.map((x) => operand(x, "s"));
  const z = "(f32.const 0)";
  switch (s.op) {
    case "add":
    case "sub":
    case "mul":
    case "div":
      return `(f32.${s.op} ${a} ${b})`;
    case "maximum":
      return `(select ${a} ${b} (i32.or (f32.ge ${a} ${b}) (f32.ne ${a} ${a})))`;
    case "minimum":
      return `(select ${a} ${b} (i32.or (f32.le ${a} ${b}) (f32.ne ${a} ${a})))`;
    case "lt":
    case "le":
    case "gt":
    case "ge":
    case "eq":
      return `(f32.convert_i32_u (f32.${s.op} ${a} ${b}))`;
    case "neg":
    case "abs":
    case "sqrt":
      return `(f32.${s.op} ${a})`;
    case "square":
      return `(f32.mul ${a} ${a})`;
    case "sign":
      return `(f32.sub (f32.convert_i32_u (f32.gt ${a} ${z})) (f32.convert_i32_u (f32.lt ${a} ${z})))`;
    case "rsqrt":
      return `(f32.demote_f64 (f64.div (f64.const 1) (f64.sqrt (f64.promote_f32 ${a}))))`;
    case "where":
      return `(select ${b} ${c} (f32.ne ${a} ${z}))`;
    case "threshold":
      return `(select ${a} ${z} (f32.${s.inclusive ? "ge" : "gt"} ${a} ${f32Const(s.p)}))`;
    case "cast":
      return s.dtype === "bool" ? `(f32.convert_i32_u (f32.ne ${a} ${z}))` : a;
    case "broadcast_to":
    case "stop_gradient":
      return a;
  }
  return null;
}

/** Byte address of element `$i` (`i` scaled by the element size) of pointer `$ptr`. */
export function at(ptr: string, bytes: number, index = "(local.get $i)"): string {
  const scaled = bytes === 1 ? index : `(i32.shl ${index} (i32.const ${Math.log2(bytes)}))`;
  return `(i32.add (local.get $${ptr}) ${scaled})`;
}

export function loadVector(dtype: DType, addr: string): string {
  return dtype === "bool"
    ? `(f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero align=1 ${addr}))))`
    : `(v128.load align=4 ${addr})`;
}

export function loadScalar(dtype: DType, addr: string): string {
  return dtype === "bool"
    ? `(f32.convert_i32_u (i32.load8_u ${addr}))`
    : `(f32.load align=4 ${addr})`;
}

/**
 * Lanes holding +0 or 1.0 (a bool, a comparison's or a bool cast's value:
 * every such formula gives exactly these) as i32 0 or 1: 1.0's bits are
 * 0x3F800000, so the top three bits are the integer — one shift, where
 * `i32x4.trunc_sat_f32x4_u` costs a dozen x86 instructions (it doubled a
 * count's time).
 */
export function oneBit(v: string): string {
  return `(i32x4.shr_u ${v} (i32.const 29))`;
}

/** Whether a step's values are all 0 or 1 (a comparison, or a bool cast to f32). */
export function zeroOne(s: FusedStep): boolean {
  return ["lt", "le", "gt", "ge", "eq"].includes(s.op) ||
    (s.op === "cast" && (s.dtype === "bool" || s.argDtypes[0] === "bool"));
}
