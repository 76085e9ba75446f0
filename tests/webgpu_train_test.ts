/**
 * Library-level training loops on WebGPU vs reference: an MLP and a small
 * convnet, each step ONE graph (forward, loss, backward, SGD update as state
 * updates). Losses and parameters must agree within 1e-4 after several steps.
 */
import { grad } from "../core/autodiff.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { type HostTensor, hostTensor, sizeOf } from "../core/host_tensor.ts";
import * as o from "../core/ops.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { webgpuBackend } from "../backends/webgpu/mod.ts";
import type { WebGpuExecStats } from "../backends/webgpu/executable.ts";
import type { Backend } from "../backends/backend.ts";
import { lcg } from "./gradcheck.ts";
import { assertClose } from "./parity.ts";
import { gpuTest } from "./webgpu_support.ts";
import assert from "node:assert/strict";

interface Step {
  graph: Graph;
  params: Record<string, HostTensor>;
  feeds: (step: number) => Record<string, HostTensor>;
}

function randn(shape: number[], scale: number, rand: () => number): HostTensor {
  return hostTensor(
    "f32",
    shape,
    Float32Array.from({ length: sizeOf(shape) }, () => (rand() * 2 - 1) * scale),
  );
}

/** Cross-entropy + SGD update of every state, appended to `g`. */
function finish(g: Graph, logits: Tensor, labels: Tensor, classes: number, params: Tensor[]): void {
  const lsm = o.logSoftmax(logits);
  const loss = o.neg(o.mean(o.sum(o.mul(lsm, o.oneHot(labels, classes)), [1])));
  const { grads } = grad(g, loss, params);
  params.forEach((p, i) => {
    g.setStateUpdate(p.node.attrs.name as string, o.sub(p, o.mul(grads[i], 0.1)));
  });
  g.output("loss", loss);
  g.output("logits", logits);
}

function mlp(): Step {
  const rand = lcg(7);
  const g = new Graph();
  const x = g.input("x", [8, 12]);
  const labels = g.input("labels", [8], "i32");
  const w1 = g.state("w1", [12, 16]), b1 = g.state("b1", [16]);
  const w2 = g.state("w2", [16, 5]), b2 = g.state("b2", [5]);
  const h = o.maximum(o.add(o.matmul(x, w1), b1), 0);
  const h2 = o.mul(h, o.sigmoid(o.layerNorm(h)));
  finish(g, o.add(o.matmul(h2, w2), b2), labels, 5, [w1, b1, w2, b2]);
  return {
    graph: g,
    params: {
      w1: randn([12, 16], 0.4, rand),
      b1: randn([16], 0.1, rand),
      w2: randn([16, 5], 0.4, rand),
      b2: randn([5], 0.1, rand),
    },
    feeds: (step) => {
      const r = lcg(100 + step);
      return {
        x: randn([8, 12], 1, r),
        labels: hostTensor("i32", [8], Int32Array.from({ length: 8 }, () => Math.floor(r() * 5))),
      };
    },
  };
}

function convnet(): Step {
  const rand = lcg(11);
  const g = new Graph();
  const x = g.input("x", [4, 2, 8, 8]);
  const labels = g.input("labels", [4], "i32");
  const w1 = g.state("w1", [4, 2, 3, 3]);
  const w2 = g.state("w2", [4, 4, 3, 3]);
  const fc = g.state("fc", [4, 3]);
  let h = o.maximum(o.conv2d(x, w1, { padding: 1 }), 0);
  h = o.maxPool2d(h, { kernel: 2 });
  h = o.softplus(o.conv2d(h, w2, { padding: 1, stride: 2 }));
  h = o.avgPool2d(h, { kernel: 2 });
  const flat = o.reshape(h, [4, 4]);
  finish(g, o.matmul(flat, fc), labels, 3, [w1, w2, fc]);
  return {
    graph: g,
    params: {
      w1: randn([4, 2, 3, 3], 0.4, rand),
      w2: randn([4, 4, 3, 3], 0.3, rand),
      fc: randn([4, 3], 0.5, rand),
    },
    feeds: (step) => {
      const r = lcg(200 + step);
      return {
        x: randn([4, 2, 8, 8], 1, r),
        labels: hostTensor("i32", [4], Int32Array.from({ length: 4 }, () => Math.floor(r() * 3))),
      };
    },
  };
}

async function train(backend: Backend, s: Step, steps: number) {
  const exe = await backend.compile(s.graph);
  await exe.writeState(s.params);
  const losses: HostTensor[] = [];
  for (let i = 0; i < steps; i++) losses.push((await exe.run(s.feeds(i))).loss);
  const state = await exe.readState();
  const stats = exe.stats();
  exe.dispose();
  return { losses, state, stats };
}

for (const [name, make] of [["mlp", mlp], ["convnet", convnet]] as const) {
  gpuTest(`webgpu training loop parity: ${name}, 4 SGD steps`, async () => {
    const s = make();
    const want = await train(referenceBackend, s, 4);
    const got = await train(webgpuBackend, s, 4);
    want.losses.forEach((l, i) => assertClose(`${name} loss step ${i}`, got.losses[i], l));
    // The loss must actually move, or the test would not exercise the update.
    assert.notEqual(want.losses[0].data[0], want.losses[3].data[0]);
    for (const k of Object.keys(want.state)) {
      assertClose(`${name} param ${k} after 4 steps`, got.state[k], want.state[k]);
    }
    const st = got.stats as WebGpuExecStats;
    assert.equal(st.submits, 4);
    assert.equal(st.readbacks, 4 + 1); // one per step, one for readState
  });
}
