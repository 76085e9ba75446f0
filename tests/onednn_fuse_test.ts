/**
 * onednn-cpu's matmul + bias fusion (backends/onednn/fuse.ts): which pairs
 * it takes and which it must leave alone, the plan's shared buffer, and the
 * fused step's values against reference (a linear layer's forward and
 * backward; the model-level parity is in onednn_models_test.ts).
 */
import assert from "node:assert/strict";
import { onednnFusions } from "../backends/onednn/fuse.ts";
import { onednnCpuBackend } from "../backends/onednn/mod.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { grad } from "../core/autodiff.ts";
import { Graph } from "../core/graph.ts";
import { hostTensor } from "../core/host_tensor.ts";
import * as o from "../core/ops.ts";
import { plan } from "../core/plan.ts";
import { lcg } from "./gradcheck.ts";
import { ortAvailability } from "./ort_support.ts";
import { assertClose } from "./parity.ts";

const ok = await ortAvailability(onednnCpuBackend);

Deno.test("onednn fusion: matmul + bias state fuses; the add shares the matmul's buffer", () => {
  const g = new Graph();
  const x = g.input("x", [5, 7]);
  const w = g.state("w", [3, 7]);
  const b = g.state("b", [3]);
  const m = o.matmul(x, w, false, true);
  const y = o.add(b, m); // either operand order
  g.output("y", o.tanh(y));
  const f = onednnFusions(g);
  assert.deepEqual([...f.aliasNodes], [[y.id, m.id]]);
  assert.deepEqual([...f.extraInputs], [[m.id, [b.id]]]);
  const p = plan(g, { aliasNodes: f.aliasNodes });
  assert.equal(p.bufferOf.get(y.id), p.bufferOf.get(m.id));
});

Deno.test("onednn fusion: left alone when the matmul has another reader, is an output, or the bias is computed", () => {
  const cases: [string, (g: Graph) => void][] = [
    ["matmul read twice", (g) => {
      const m = o.matmul(g.input("x", [4, 6]), g.state("w", [6, 2]));
      g.output("y", o.add(o.add(m, g.state("b", [2])), m));
    }],
    ["matmul is an output", (g) => {
      const m = o.matmul(g.input("x", [4, 6]), g.state("w", [6, 2]));
      g.output("m", m);
      g.output("y", o.add(m, g.state("b", [2])));
    }],
    ["bias computed", (g) => {
      const m = o.matmul(g.input("x", [4, 6]), g.state("w", [6, 2]));
      g.output("y", o.add(m, o.exp(g.state("b", [2]))));
    }],
    ["bias along the wrong axis", (g) => {
      const m = o.matmul(g.input("x", [2, 6]), g.state("w", [6, 2]));
      g.output("y", o.add(m, g.state("b", [2, 1])));
    }],
    ["broadcasting add grows the output", (g) => {
      const m = o.matmul(g.input("x", [1, 6]), g.state("w", [6, 2]));
      g.output("y", o.add(m, g.state("b", [3, 2])));
    }],
  ];
  for (const [name, build] of cases) {
    const g = new Graph();
    build(g);
    assert.equal(onednnFusions(g).aliasNodes.size, 0, name);
  }
});

Deno.test({
  name:
    "onednn fusion: a linear layer's forward and gradients match reference with the fusion taken",
  ignore: !ok,
  fn: async () => {
    // nn/linear.ts's pattern with parameters (states): matmul with wᵀ, then the bias add.
    const gs = new Graph();
    const xs = gs.input("x", [18, 13]);
    const ws = gs.state("w", [11, 13]);
    const bs = gs.state("b", [11]);
    const ys = o.add(o.matmul(xs, ws, false, true), bs);
    const loss = o.sum(o.square(o.tanh(ys)), [0, 1]);
    const { grads } = grad(gs, loss, [xs, ws, bs]);
    gs.output("y", ys);
    grads.forEach((t, i) => gs.output(["gx", "gw", "gb"][i], t));
    assert.equal(onednnFusions(gs).aliasNodes.size, 1);
    // A bias fed as an input is not a source the fused kernel may hold: no fusion.
    const gi = new Graph();
    gi.output(
      "y",
      o.add(o.matmul(gi.input("x", [3, 4]), gi.state("w", [4, 2])), gi.input("b", [2])),
    );
    assert.equal(onednnFusions(gi).aliasNodes.size, 0);
    const rand = lcg(7);
    const fill = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
    const state = {
      w: hostTensor("f32", [11, 13], fill(143)),
      b: hostTensor("f32", [11], fill(11)),
    };
    const feeds = { x: hostTensor("f32", [18, 13], fill(234)) };
    const want = await referenceBackend.compile(gs);
    const got = await onednnCpuBackend.compile(gs);
    await want.writeState(state);
    await got.writeState(state);
    const [rw, rg] = [await want.run(feeds), await got.run(feeds)];
    const keys = ["y", "gx", "gw", "gb"];
    for (const k of keys) assertClose(k, rg[k], rw[k], 1e-5);
    // A second run over the same buffers (stale values) gives the same.
    const again = await got.run(feeds);
    for (const k of keys) assert.deepEqual(again[k].data, rg[k].data, `${k}, second run`);
    want.dispose();
    got.dispose();
  },
});
