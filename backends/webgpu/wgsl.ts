/**
 * WGSL code-generation helpers shared by the kernels: storage types, binding
 * declarations, uniform access, the 1-D/2-D dispatch prologue and scalar
 * math that WGSL lacks or implements too loosely (erf, stable softplus…).
 * @module
 */
import type { DType } from "../../core/host_tensor.ts";

/** Threads per workgroup of the elementwise-style kernels. */
export const WG = 64;

/** WGSL storage type of a dtype: bool is a u32 (0/1) on the GPU. */
export function wgslType(d: DType): "f32" | "i32" | "u32" {
  return d === "f32" ? "f32" : d === "i32" ? "i32" : "u32";
}

/** A storage-buffer declaration at `binding`. */
export function storage(binding: number, name: string, type: string, write: boolean): string {
  return `@group(0) @binding(${binding}) var<storage, ${
    write ? "read_write" : "read"
  }> ${name}: array<${type}>;`;
}

/** The uniform declaration (`U`, `words` u32 values packed in vec4s) at `binding`. */
export function uniformDecl(binding: number, words: number): string {
  return `@group(0) @binding(${binding}) var<uniform> U: array<vec4<u32>, ${
    Math.max(1, Math.ceil(words / 4))
  }>;`;
}

/** WGSL expression reading uniform word `i` (constant indices only). */
export function u(i: number): string {
  return `U[${i >> 2}][${i & 3}]`;
}

/** Workgroups needed for `n` threads in groups of `size`. */
export function groups(n: number, size: number = WG): number {
  return Math.ceil(n / size);
}

/**
 * Entry-point signature with a linear workgroup id `wid` (dispatches are
 * folded into 2-D past 65535 workgroups) and the local index `lid`.
 */
export function entry(size: number | string): string {
  return `@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) wgid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let wid = wgid.x + wgid.y * nwg.x;`;
}

/** Entry point whose body sees `i`, one thread per element below `n` (a WGSL expression). */
export function perElement(n: string, body: string, size = WG): string {
  return `${entry(size)}
  let i = wid * ${size}u + lid;
  if (i >= ${n}) { return; }
${body}
}`;
}

/** Declaration of the executable's diagnostics buffer (4 atomic words) at `binding`. */
export function DIAG_WGSL(binding: number): string {
  return `@group(0) @binding(${binding}) var<storage, read_write> diag: array<atomic<u32>, 4>;`;
}

/** An f32 literal that round-trips exactly (incl. inf/NaN) via its bit pattern. */
export function f32Lit(v: number): string {
  const b = new Uint32Array(new Float32Array([v]).buffer)[0];
  return `bitcast<f32>(${b}u)`;
}

/** A literal of `dtype` (bool → 0u/1u). */
export function lit(v: number, dtype: DType): string {
  if (dtype === "f32") return f32Lit(v);
  if (dtype === "i32") return `i32(${v | 0})`;
  return v !== 0 ? "1u" : "0u";
}

/** Scalar helpers (f32): accurate enough for 1e-4 relative parity with float64. */
export const MATH_WGSL = `
fn log1p_(t: f32) -> f32 {
  // Series where 1 + t would round away most of t.
  if (abs(t) < 1e-4) { return t * (1.0 - t * (0.5 - t / 3.0)); }
  return log(1.0 + t);
}
fn expm1_(x: f32) -> f32 {
  if (abs(x) < 1e-4) { return x * (1.0 + x * (0.5 + x / 6.0)); }
  return exp(x) - 1.0;
}
fn tanh_(x: f32) -> f32 {
  let ax = abs(x);
  var r: f32;
  if (ax < 0.01) {
    let x2 = ax * ax;
    r = ax * (1.0 - x2 * (1.0 / 3.0 - x2 * (2.0 / 15.0)));
  } else if (ax > 20.0) {
    r = 1.0;
  } else {
    let t = expm1_(-2.0 * ax);
    r = -t / (2.0 + t);
  }
  return select(r, -r, x < 0.0);
}
fn sigmoid_(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn softplus_(x: f32) -> f32 {
  return max(x, 0.0) + log1p_(exp(-abs(x)));
}
fn erf_(x: f32) -> f32 {
  let ax = abs(x);
  var r: f32;
  if (ax < 2.0) {
    // Maclaurin series: 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)).
    let x2 = ax * ax;
    var term = ax;
    var s = ax;
    for (var n = 1; n < 40; n++) {
      term = term * (-x2 / f32(n));
      let add = term / f32(2 * n + 1);
      s = s + add;
      if (abs(add) < 1e-9 * abs(s)) { break; }
    }
    r = 1.1283791670955126 * s;
  } else if (ax > 6.0) {
    r = 1.0;
  } else {
    // erfc continued fraction, evaluated bottom-up.
    var f = ax;
    for (var k = 40; k >= 1; k--) { f = ax + (f32(k) * 0.5) / f; }
    r = 1.0 - exp(-ax * ax) / (1.7724538509055159 * f);
  }
  return select(r, -r, x < 0.0);
}
`;
