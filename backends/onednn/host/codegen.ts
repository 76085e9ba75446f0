/**
 * One compiled loop per (op, dtypes, layout): the host kernels' code
 * generator. The reference kernels are slow because one shared loop calls a
 * different closure per op (`unaryKernel(f)`), so V8 sees a megamorphic call
 * per element and cannot inline the arithmetic. Here each kernel is its own
 * function body, built from a small expression template with `new Function`
 * and cached by source: V8 then compiles every loop with its one formula
 * inlined, and every typed-array access sees one element kind (the dtypes
 * are part of the name, so an f32 and an i32 `add` never share feedback).
 * Writing the loops out by hand would take ~30 ops × dtypes × broadcast
 * layouts of near-identical code; generating them keeps one template per
 * loop shape and one expression per op (the same expression text as the
 * reference kernel's closure, which is what makes the results bit-identical:
 * the same formula in JS doubles, stored once into the output array).
 * Sources are fixed strings of this folder; no input data ever reaches them.
 * @module
 */

/** A generated loop: typed arrays, offsets, counts and strides, as its template says. */
// deno-lint-ignore no-explicit-any -- generated code takes a per-template argument list
export type Generated = (...args: any[]) => void;

const cache = new Map<string, Generated>();

/**
 * The function `name` whose parameters are `params` and whose body is
 * `body`, compiled once; `scope` names the helpers the body may call (e.g.
 * `erf`). `name` (an identifier) names it in profiles and stack traces; the
 * dtypes belong in it, so that differently typed kernels never share one
 * compiled function (V8 may reuse one for equal sources).
 */
export function generated(
  name: string,
  params: readonly string[],
  body: string,
  scope: Readonly<Record<string, unknown>> = {},
): Generated {
  const names = Object.keys(scope);
  const src = `"use strict";\nreturn function ${name}(${params.join(", ")}) {\n${body}\n};`;
  const key = `${names.join(",")}\n${src}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const fn = new Function(...names, src)(...names.map((n) => scope[n])) as Generated;
  cache.set(key, fn);
  return fn;
}
