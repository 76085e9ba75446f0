/**
 * onednn-cpu's float32 `erf` (host/erf_f32.ts) on f64x2 lanes, for tensors in
 * the executable's WebAssembly memory: the same two polynomials, the same
 * operations in the same order (IEEE float64 mul, add, div), so every result
 * is the JavaScript kernel's bit for bit — 9.8 ns per element against its
 * 19.4 (2.46 M elements, the same run; in a vit_micro + GELU step the six
 * erf calls took 145 ms against 201). It is compute-bound: both
 * polynomials (17 and 12 dependent multiply-adds) run on every lane and a
 * select keeps the one the lane's |x| picks (|x| < 1: the Maclaurin series;
 * 1 ≤ |x| < 4: the Chebyshev fit; |x| ≥ 4: ±1; NaN stays NaN). Eight f32
 * elements per iteration — four lane pairs, their steps interleaved so that
 * four chains are in flight — then the same formulas on single elements.
 * @module
 */
import type { TensorData } from "../../../core/host_tensor.ts";
import { C, D, TWO_OVER_SQRT_PI } from "../host/erf_f32.ts";
import { assemble, assemblerLoaded } from "./assemble.ts";
import type { WasmArena } from "./memory.ts";

/**
 * Every constant the formulas use, each splat once into a local before the
 * loops: V8 would rebuild a splat constant at every use inside the loop
 * (three instructions each, ≈ 60 per lane pair).
 */
const CONSTANTS: number[] = [];

/** A float64 constant in both lanes: its local (see `CONSTANTS`). */
function splat(v: number): string {
  let k = CONSTANTS.findIndex((c) => Object.is(c, v));
  if (k < 0) k = CONSTANTS.push(v) - 1;
  return `(local.get $c${k})`;
}

/**
 * erf of the f64 lanes of locals `$x<h>` into `$y<h>`, for each suffix `h`:
 * the steps of the halves interleaved (Horner's chains are long — 17 dependent
 * multiply-adds — so several independent ones keep the core busy). Horner's
 * rule as the JavaScript kernel writes it: k₀ + y·(k₁ + y·(… + y·kₙ)).
 */
function erfSteps(hs: readonly string[]): string {
  const each = (f: (h: string) => string) => hs.map(f).join("\n");
  const get = (name: string, h: string) => `(local.get $${name}${h})`;
  const lines = [
    each((h) =>
      `(local.set $ax${h} (f64x2.abs ${get("x", h)}))
       (local.set $neg${h} (f64x2.lt ${get("x", h)} ${splat(0)}))
       (local.set $z${h} (f64x2.mul ${get("x", h)} ${get("x", h)}))
       (local.set $t${h} (f64x2.div (f64x2.sub ${get("ax", h)} ${splat(2.5)}) ${splat(1.5)}))
       (local.set $s${h} ${splat(C[C.length - 1])})
       (local.set $r${h} ${splat(D[D.length - 1])})`
    ),
  ];
  for (let k = D.length - 2; k >= 0; k--) {
    lines.push(each((h) =>
      [
        `(local.set $r${h} (f64x2.add ${splat(D[k])} (f64x2.mul ${get("t", h)} ${get("r", h)})))`,
        k < C.length - 1
          ? `(local.set $s${h} (f64x2.add ${splat(C[k])} (f64x2.mul ${get("z", h)} ${
            get("s", h)
          })))`
          : "",
      ].join(" ")
    ));
  }
  // |x| < 1: the series; < 4: the fit, signed; ≥ 4: ±1; NaN (neither < 4 nor ≥ 4): x itself.
  const signed = (v: string, h: string) =>
    `(v128.bitselect (f64x2.neg ${v}) ${v} ${get("neg", h)})`;
  lines.push(each((h) =>
    `(local.set $y${h} (v128.bitselect
       (f64x2.mul (f64x2.mul ${splat(TWO_OVER_SQRT_PI)} ${get("x", h)}) ${get("s", h)})
       (v128.bitselect ${signed(get("r", h), h)}
         (v128.bitselect ${signed(splat(1), h)} ${get("x", h)} (f64x2.ge ${get("ax", h)} ${
      splat(4)
    }))
         (f64x2.lt ${get("ax", h)} ${splat(4)}))
       (f64x2.lt ${get("ax", h)} ${splat(1)})))`
  ));
  return lines.join("\n");
}

/** Element `$i` of the f32 tensor at pointer `$ptr`. */
const AT = (ptr: string, offset = 0) =>
  `offset=${offset} align=4 (i32.add (local.get $${ptr}) (i32.shl (local.get $i) (i32.const 2)))`;

/** The high two f32 lanes of `v` moved down. */
const high = (v: string) => `(i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 ${v} ${v})`;
/** Lanes 0, 1 of `a` and 0, 1 of `b` (two demoted halves) as one f32x4. */
const join = (a: string, b: string) =>
  `(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 ${a} ${b})`;

/** Eight elements per iteration: four lane pairs. */
const HALVES = ["0", "1", "2", "3"];

/** The module: its loops first, so that `CONSTANTS` holds every constant they use. */
const ERF_MODULE = (() => {
  const vector = erfSteps(HALVES);
  const scalar = erfSteps(["0"]);
  const locals = ["x", "ax", "neg", "z", "t", "s", "r", "y"].flatMap((name) =>
    HALVES.map((h) => `(local $${name}${h} v128)`)
  );
  const demoted = (h: string) => `(f32x4.demote_f64x2_zero (local.get $y${h}))`;
  return `(module
 (import "env" "memory" (memory 1))
 (func (export "erf") (param $o i32) (param $p i32) (param $n i32)
  (local $i i32) (local $v v128) (local $w v128) ${locals.join(" ")}
  ${CONSTANTS.map((_, k) => `(local $c${k} v128)`).join(" ")}
  ${CONSTANTS.map((c, k) => `(local.set $c${k} (f64x2.splat (f64.const ${c})))`).join("\n  ")}
  (block $vdone (loop $vtop
   (br_if $vdone (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $n)))
   (local.set $v (v128.load ${AT("p")}))
   (local.set $w (v128.load ${AT("p", 16)}))
   (local.set $x0 (f64x2.promote_low_f32x4 (local.get $v)))
   (local.set $x1 (f64x2.promote_low_f32x4 ${high("(local.get $v)")}))
   (local.set $x2 (f64x2.promote_low_f32x4 (local.get $w)))
   (local.set $x3 (f64x2.promote_low_f32x4 ${high("(local.get $w)")}))
   ${vector}
   (v128.store ${AT("o")} ${join(demoted("0"), demoted("1"))})
   (v128.store ${AT("o", 16)} ${join(demoted("2"), demoted("3"))})
   (local.set $i (i32.add (local.get $i) (i32.const 8)))
   (br $vtop)))
  (block $sdone (loop $stop
   (br_if $sdone (i32.ge_u (local.get $i) (local.get $n)))
   (local.set $x0 (f64x2.splat (f64.promote_f32 (f32.load ${AT("p")}))))
   ${scalar}
   (f32.store ${AT("o")} (f32.demote_f64 (f64x2.extract_lane 0 (local.get $y0))))
   (local.set $i (i32.add (local.get $i) (i32.const 1)))
   (br $stop)))))`;
})();

const instances = new WeakMap<WebAssembly.Memory, (o: number, p: number, n: number) => void>();

/**
 * `erf` into `out` of `x` on `arena`'s memory: a function that computes it
 * and returns true when both tensors are f32 in that memory (false: the
 * caller runs its JavaScript loop), or null without a memory.
 */
export function erfWasm(arena: WasmArena): ((out: TensorData, x: TensorData) => boolean) | null {
  const memory = arena.memory;
  if (!memory || !assemblerLoaded()) return null;
  let k = instances.get(memory);
  if (!k) {
    k = new WebAssembly.Instance(assemble(ERF_MODULE), { env: { memory } }).exports.erf as (
      o: number,
      p: number,
      n: number,
    ) => void;
    instances.set(memory, k);
  }
  const run = k;
  const inMemory = (t: TensorData) => t.buffer === memory.buffer && t instanceof Float32Array;
  return (out, x) => {
    if (!inMemory(out) || !inMemory(x) || out.length !== x.length) return false;
    run(out.byteOffset, x.byteOffset, out.length);
    return true;
  };
}
