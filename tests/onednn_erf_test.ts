/**
 * onednn-cpu's `erf` on f64x2 lanes (backends/onednn/wasm/erf.ts) against its
 * JavaScript kernel (`erfF32`), bit for bit: a dense grid over both
 * polynomial ranges and past them, each branch's edges (the float32 values
 * around 1 and 4), subnormals, ±0, ±∞ and NaN, in the vector body and the
 * scalar tail; and the fallback outside the memory.
 */
import assert from "node:assert/strict";
import { erfF32 } from "../backends/onednn/host/erf_f32.ts";
import { loadAssembler } from "../backends/onednn/wasm/assemble.ts";
import { erfWasm } from "../backends/onednn/wasm/erf.ts";
import { wasmArena, wasmBacking } from "../backends/onednn/wasm/memory.ts";

/** The float32 values next to `v` (below, at, above). */
function around(v: number): number[] {
  const f = Float32Array.of(v);
  const i = new Int32Array(f.buffer);
  const out: number[] = [];
  for (const d of [-1, 0, 1]) {
    const g = new Int32Array([i[0] + d]);
    out.push(new Float32Array(g.buffer)[0]);
  }
  return out;
}

Deno.test("onednn-cpu erf on WASM lanes is the JavaScript kernel's, bit for bit", async () => {
  assert.ok((await loadAssembler()).ok);
  const values: number[] = [NaN, 0, -0, Infinity, -Infinity, 1e-40, -1e-40, 3e38, -3e38];
  for (const v of [1, 4, 2.5, 1e-20]) values.push(...around(v), ...around(-v));
  for (let x = -6; x <= 6; x += 1 / 1024) values.push(x + 1 / 3000);
  const n = values.length + 3; // not a multiple of four: the scalar tail runs too
  const arena = wasmArena();
  const buffer = wasmBacking(arena, 0)(8 * n + 128);
  const x = new Float32Array(buffer, 64, n);
  x.set(values);
  const out = new Float32Array(buffer, 64 + 4 * n, n);
  const erf = erfWasm(arena);
  assert.ok(erf, "a WASM kernel over the memory");
  assert.equal(erf(out, x), true, "ran in the memory");
  const bits = (v: number) => new Int32Array(Float32Array.of(v).buffer)[0];
  for (let i = 0; i < n; i++) {
    const want = erfF32(x[i]);
    if (Number.isNaN(want)) assert.ok(Number.isNaN(out[i]), `erf(${x[i]}) is NaN`);
    else assert.equal(bits(out[i]), bits(want), `erf(${x[i]}): ${out[i]} vs ${want}`);
  }
  // Outside the memory the caller runs its JavaScript loop.
  assert.equal(erf(new Float32Array(4), Float32Array.of(1, 2, 3, 4)), false);
});
