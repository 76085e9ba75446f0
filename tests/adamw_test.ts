/**
 * The in-graph AdamW against PyTorch's algorithm written out on the host in
 * float64: global-norm clipping, bias-corrected moments, decoupled weight
 * decay only where a parameter asks for it, over several steps.
 */
import assert from "node:assert/strict";
import { referenceBackend } from "../backends/reference/mod.ts";
import { Graph } from "../core/graph.ts";
import { hostTensor } from "../core/host_tensor.ts";
import { type AdamWConfig, adamwFeedValues, appendAdamW, OPT_FEEDS } from "../train/adamw.ts";
import type { StepGraph } from "../train/step_graph.ts";

const W0 = [0.5, -1.25, 2];
const B0 = [0.1, -0.3];

/** A step graph whose gradients are feeds, so the test chooses them. */
function optimizerGraph(cfg: AdamWConfig) {
  const g = new Graph();
  const w = g.state("w", [3]);
  const b = g.state("b", [2]);
  const step = {
    graph: g,
    phase: "train",
    record: {
      params: [
        { name: "w", tensor: w, decay: true },
        { name: "b", tensor: b, decay: false },
      ],
    },
    grads: new Map([["w", g.input("gw", [3])], ["b", g.input("gb", [2])]]),
  } as unknown as StepGraph;
  appendAdamW(step, cfg);
  return g;
}

/** torch.optim.AdamW after torch.nn.utils.clip_grad_norm_, in float64. */
function hostAdamW(cfg: AdamWConfig, grads: number[][][], lr: number) {
  const p = [[...W0], [...B0]];
  const m = p.map((x) => x.map(() => 0));
  const v = p.map((x) => x.map(() => 0));
  grads.forEach((gs, s) => {
    const norm = Math.sqrt(gs.flat().reduce((a, x) => a + x * x, 0));
    const clip = cfg.clipNorm > 0 ? Math.min(cfg.clipNorm / (norm + 1e-6), 1) : 1;
    const t = s + 1;
    const bc1 = 1 - cfg.beta1 ** t, bc2 = 1 - cfg.beta2 ** t;
    p.forEach((param, k) => {
      param.forEach((_, i) => {
        const gr = gs[k][i] * clip;
        m[k][i] = cfg.beta1 * m[k][i] + (1 - cfg.beta1) * gr;
        v[k][i] = cfg.beta2 * v[k][i] + (1 - cfg.beta2) * gr * gr;
        if (k === 0) param[i] *= 1 - lr * cfg.weightDecay;
        const denom = Math.sqrt(v[k][i]) / Math.sqrt(bc2) + cfg.eps;
        param[i] -= (lr / bc1) * m[k][i] / denom;
      });
    });
  });
  return p;
}

const GRADS = [
  [[0.3, -0.2, 0.05], [1.5, -0.7]],
  [[-0.1, 0.4, 0.2], [0.2, 0.9]],
  [[0.02, 0.01, -0.6], [-1.1, 0.3]],
];

for (const clipNorm of [1, 0]) {
  Deno.test(`adamw: matches PyTorch's update over 3 steps (clip ${clipNorm || "off"})`, async () => {
    const cfg: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, clipNorm };
    const lr = 0.01;
    const exe = await referenceBackend.compile(optimizerGraph(cfg));
    await exe.writeState({ w: hostTensor("f32", [3], W0), b: hostTensor("f32", [2], B0) });
    for (let s = 0; s < GRADS.length; s++) {
      const f = adamwFeedValues(cfg, s, lr);
      await exe.run({
        gw: hostTensor("f32", [3], GRADS[s][0]),
        gb: hostTensor("f32", [2], GRADS[s][1]),
        [OPT_FEEDS.lr]: hostTensor("f32", [], [f.lr]),
        [OPT_FEEDS.bc1]: hostTensor("f32", [], [f.bc1]),
        [OPT_FEEDS.bc2]: hostTensor("f32", [], [f.bc2]),
      });
    }
    const got = await exe.readState(["w", "b"]);
    const want = hostAdamW(cfg, GRADS, lr);
    [got.w.data, got.b.data].forEach((data, k) => {
      data.forEach((x, i) => {
        assert.ok(
          Math.abs(x - want[k][i]) <= 1e-6 * Math.max(1, Math.abs(want[k][i])),
          `param ${k}[${i}]: ${x} vs ${want[k][i]}`,
        );
      });
    });
    // The clip really acted (or did not): the first step's gradient norm is above 1.
    assert.ok(Math.hypot(...GRADS[0].flat()) > 1);
    exe.dispose();
  });
}
