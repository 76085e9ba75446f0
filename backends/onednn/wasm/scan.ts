/**
 * Vectorised scans of an f32 tensor in the executable's WebAssembly memory:
 * does it hold a NaN (max pooling: oneDNN never selects one, the reference
 * lets it win), or any non-finite value (softmax: oneDNN does not carry a
 * NaN through a row)? The kernels that scan route such inputs to their
 * bit-exact host kernels. Four lanes at a time with the comparisons or-ed
 * into one mask; ≈ 0.1 ns per element against ≈ 1 ns for the JavaScript
 * loop, which still scans a tensor outside the memory.
 * @module
 */
import type { TensorData } from "../../../core/host_tensor.ts";
import { assemble, assemblerLoaded } from "./assemble.ts";
import type { WasmArena } from "./memory.ts";

/** `t` is the lane test: NaN (`x ≠ x`), or non-finite (`x − x ≠ 0`, NaN for ±∞ and NaN). */
function scanFunction(name: string, t: (x: string) => string, ts: (x: string) => string): string {
  return `(func (export "${name}") (param $p i32) (param $n i32) (result i32)
  (local $i i32) (local $v v128) (local $m v128) (local $x f32) (local $any i32)
  (block $vdone (loop $vtop
   (br_if $vdone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
   (local.set $v (v128.load align=4 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))
   (local.set $m (v128.or (local.get $m) ${t("(local.get $v)")}))
   (local.set $i (i32.add (local.get $i) (i32.const 4)))
   (br $vtop)))
  (local.set $any (v128.any_true (local.get $m)))
  (block $sdone (loop $stop
   (br_if $sdone (i32.ge_u (local.get $i) (local.get $n)))
   (local.set $x (f32.load align=4 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))
   (local.set $any (i32.or (local.get $any) ${ts("(local.get $x)")}))
   (local.set $i (i32.add (local.get $i) (i32.const 1)))
   (br $stop)))
  (local.get $any))`;
}

const SCANS = `(module
 (import "env" "memory" (memory 1))
 ${scanFunction("nan", (x) => `(f32x4.ne ${x} ${x})`, (x) => `(f32.ne ${x} ${x})`)}
 ${
  scanFunction(
    "nonfinite",
    (x) => `(f32x4.ne (f32x4.sub ${x} ${x}) (v128.const f32x4 0 0 0 0))`,
    (x) => `(f32.ne (f32.sub ${x} ${x}) (f32.const 0))`,
  )
}
)`;

/** The two scans over `arena`'s memory, each falling back to a JavaScript loop. */
export interface Scans {
  /** Whether `x` holds a NaN. */
  hasNaN(x: TensorData): boolean;
  /** Whether `x` holds a NaN or ±∞. */
  hasNonFinite(x: TensorData): boolean;
}

function jsHasNaN(x: TensorData): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] !== x[i]) return true;
  return false;
}

function jsHasNonFinite(x: TensorData): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] - x[i] !== 0) return true;
  return false;
}

const instances = new WeakMap<WebAssembly.Memory, Scans>();

/** Scans of f32 tensors, vectorised for those in `arena`'s memory (one instance per memory). */
export function scans(arena: WasmArena): Scans {
  const memory = arena.memory;
  if (!memory || !assemblerLoaded()) return { hasNaN: jsHasNaN, hasNonFinite: jsHasNonFinite };
  const hit = instances.get(memory);
  if (hit) return hit;
  const ex = new WebAssembly.Instance(assemble(SCANS), { env: { memory } }).exports as Record<
    string,
    (p: number, n: number) => number
  >;
  const inMemory = (x: TensorData) => x.buffer === memory.buffer && x instanceof Float32Array;
  const made: Scans = {
    hasNaN: (x) => (inMemory(x) ? ex.nan(x.byteOffset, x.length) !== 0 : jsHasNaN(x)),
    hasNonFinite: (
      x,
    ) => (inMemory(x) ? ex.nonfinite(x.byteOffset, x.length) !== 0 : jsHasNonFinite(x)),
  };
  instances.set(memory, made);
  return made;
}
