/**
 * The documentation example plugin: Mish is registered, matches its closed
 * form, and its autodiff gradient passes a finite-difference check.
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import { mishActivation } from "../activations/mish.ts";
import { getActivation } from "../activations/registry.ts";
import type { Site } from "../plugin/types.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { hostTensor } from "../core/host_tensor.ts";
import { BuildContext } from "../plugin/context.ts";
import { gradCheck } from "./gradcheck.ts";

const SITE: Site = { channels: 5, layout: "features", pooling: "avg" };

function applyMish(x: Tensor): Tensor {
  const ctx = new BuildContext({
    graph: x.graph,
    phase: "eval",
    batchSize: x.shape[0],
    numClasses: 2,
  });
  return getActivation("mish").create(SITE, {}).apply(ctx, x);
}

Deno.test("mish is registered and matches x·tanh(softplus(x))", async () => {
  assert.equal(getActivation("mish"), mishActivation);
  const pts = [-4, -1, 0, 0.5, 3];
  const g = new Graph();
  g.output("y", applyMish(g.input("x", [1, 5])));
  const exe = await referenceBackend.compile(g);
  const y = (await exe.run({ x: hostTensor("f32", [1, 5], pts) })).y.data;
  pts.forEach((v, i) => {
    const want = v * Math.tanh(Math.log1p(Math.exp(v)));
    assert.ok(Math.abs(y[i] - want) <= 1e-6, `mish(${v}) = ${y[i]}, want ${want}`);
  });
  assert.ok(Math.abs(y[1] - -0.3034014613554119) < 1e-6, "mish(-1)");
});

Deno.test("mish gradient matches finite differences", async () => {
  const r = await gradCheck({
    op: "mish",
    name: "features [3,5]",
    inputs: [{ shape: [3, 5], range: [-4, 4] }],
    build: applyMish,
  });
  assert.equal(r.checked, 15);
});

Deno.test("mish rejects options", () => {
  assert.throws(() => mishActivation.create(SITE, { beta: 2 }), /mish takes no options/);
});
