/** Finite-difference gradient checks for every op in the catalogue. */
import assert from "node:assert/strict";
import { listOps } from "../core/op_def.ts";
import { type GradCase, gradCheck } from "./gradcheck.ts";
import { ALL_CASES } from "./cases/mod.ts";

const all: readonly GradCase[] = ALL_CASES;

for (const c of all) {
  Deno.test(`gradcheck ${c.op}: ${c.name}`, async () => {
    const r = await gradCheck(c);
    assert.ok(r.checked > 0 || c.inputs.every((s) => (s.dtype ?? "f32") !== "f32"));
  });
}

/**
 * Ops with no f32 input cannot be perturbed: they are exercised by forward
 * tests instead. Everything else must have at least one case above.
 */
const NO_FLOAT_INPUT: Record<string, string> = {
  input: "a feed: its gradient is what every other case checks",
  state: "state is read like a feed; covered by executor tests",
  constant: "no inputs (covered as a term in the `full` case)",
  one_hot: "integer indices in, no float input",
};

/**
 * Ops with no VJP by definition, each covered by the checks of the op whose
 * gradient it is or feeds.
 */
const NO_GRADIENT: Record<string, string> = {
  layer_norm_grad: "layer_norm's VJP: checked by the layer_norm cases; not differentiable again",
  batch_norm_grad: "batch_norm's VJP: checked by the batch_norm cases; not differentiable again",
  batch_norm_param_grad: "batch_norm's VJP for weight and bias: checked by the batch_norm cases",
  batch_moments: "a statistic without gradient; batch_norm's VJP carries its dependence on x",
};

Deno.test("every catalogue op has a finite-difference gradient check", () => {
  const covered = new Set(all.map((c) => c.op));
  const missing = listOps().filter((op) =>
    !covered.has(op) && !(op in NO_FLOAT_INPUT) && !(op in NO_GRADIENT)
  );
  assert.deepEqual(missing, [], `ops without a gradient check: ${missing.join(", ")}`);
});
