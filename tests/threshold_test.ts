/**
 * `threshold` (ReLU, DPA's TAU) at the values where select-with-zero
 * implementations disagree: NaN, ±∞, ±0, subnormals and x exactly at τ.
 * Every backend must give the catalogue's answer bit for bit, and the
 * gradient must be `where`'s for finite upstream gradients.
 */
import assert from "node:assert/strict";
import { float32Below } from "../backends/ort/lower_elementwise.ts";
import type { Backend } from "../backends/backend.ts";
import "../backends/mod.ts";
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { getBackend } from "../backends/registry.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { grad } from "../core/autodiff.ts";
import { hostTensor } from "../core/host_tensor.ts";
import * as o from "../core/ops.ts";
import { ortAvailability } from "./ort_support.ts";

const SPECIAL = [NaN, -Infinity, Infinity, -0, 0, -1, 1, 1e-40, -1e-40, 0.25, 0.2499999, 3];

/** What the catalogue says, written independently of every kernel. */
function expected(x: number, tau: number, inclusive: boolean): number {
  if (Number.isNaN(x)) return 0;
  return (inclusive ? x >= tau : x > tau) ? x : 0;
}

const bitsOf = (v: number) => new Uint32Array(new Float32Array([v]).buffer)[0];

function graphFor(tau: number, inclusive: boolean) {
  const g = new o.Graph();
  g.output("y", o.threshold(g.input("x", [SPECIAL.length]), tau, inclusive));
  return g;
}

Deno.test("threshold: float32Below is the float32 just below", () => {
  assert.equal(float32Below(1), Math.fround(1 - 2 ** -24));
  assert.equal(float32Below(-1), Math.fround(-1 - 2 ** -23));
  assert.ok(float32Below(0) < 0 && float32Below(0) > -1e-44);
  assert.equal(float32Below(-0), float32Below(0));
  const t = Math.fround(0.25);
  assert.ok(
    float32Below(t) < t && Math.fround((float32Below(t) + t) / 2) !== (float32Below(t) + t) / 2,
  );
});

Deno.test("threshold: rejects a non-finite tau and a non-boolean inclusive", () => {
  const g = new o.Graph();
  const x = g.input("x", [3]);
  assert.throws(() => o.threshold(x, NaN), /tau must be a finite number/);
  assert.throws(() => g.apply("threshold", [x], { tau: 0, inclusive: 1 }), /inclusive must be/);
});

const backends: Backend[] = [referenceBackend];
if (await ortAvailability(ortCpuBackend)) backends.push(ortCpuBackend);
// The TF.js backends load from npm packages: they are CI's too.
for (const name of ["tfjs-wasm", "tfjs-cpu"]) backends.push(getBackend(name));

for (const backend of backends) {
  Deno.test(`threshold on ${backend.name}: NaN, ±inf, ±0, subnormals, ties — bit for bit`, async () => {
    for (const [tau, inclusive] of [[0, false], [0, true], [0.25, true], [0.25, false]] as const) {
      const exe = await backend.compile(graphFor(tau, inclusive));
      const x = Float32Array.from(SPECIAL);
      const y = (await exe.run({ x: hostTensor("f32", [x.length], x) })).y.data;
      x.forEach((v, i) => {
        const want = Math.fround(expected(v, tau, inclusive));
        assert.equal(
          bitsOf(y[i]),
          bitsOf(want),
          `tau ${tau} inclusive ${inclusive}: x=${Object.is(v, -0) ? "-0" : v} gave ` +
            `${Object.is(y[i], -0) ? "-0" : y[i]}, want ${Object.is(want, -0) ? "-0" : want}`,
        );
      });
      exe.dispose();
    }
  });

  Deno.test(`threshold on ${backend.name}: gradient equals where's for finite upstream`, async () => {
    const g = new o.Graph();
    const x = g.input("x", [6]);
    const up = g.input("up", [6]);
    const tauOut = o.sum(o.mul(o.threshold(x, 0.5, true), up));
    const whereOut = o.sum(o.mul(o.where(o.ge(x, 0.5), x, 0), up));
    const [dTau] = grad(g, tauOut, [x]).grads;
    const [dWhere] = grad(g, whereOut, [x]).grads;
    g.output("d_tau", dTau);
    g.output("d_where", dWhere);
    const exe = await backend.compile(g);
    const out = await exe.run({
      x: hostTensor("f32", [6], [-1, 0.5, 0.49999997, 2, 0, 0.7]),
      up: hostTensor("f32", [6], [3, -2, 5, 0.5, 7, -1]),
    });
    assert.deepEqual([...out.d_tau.data], [...out.d_where.data]);
    assert.deepEqual([...out.d_tau.data], [0, -2, 0, 0.5, 0, -1]);
    exe.dispose();
  });
}
