/**
 * DPA on a partial-label task (node classification: label −1 outside the
 * step's split): unlabelled samples update no memory, are never masked by
 * any criterion (the random control included) and do not count in the
 * masked fraction; the forward memory equals the per-sample loop that skips
 * them.
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import { getActivation } from "../activations/registry.ts";
import type { DpaActivation } from "../activations/dpa.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { Graph } from "../core/graph.ts";
import { hostTensor } from "../core/host_tensor.ts";
import { mul, sum } from "../core/ops.ts";
import { featureSite } from "../nn/sites.ts";
import { BuildContext } from "../plugin/context.ts";
import { lcg } from "./gradcheck.ts";
import { finishTrainStep, hostFeedValues, initialState } from "./step_util.ts";

const [B, C, K, M] = [10, 4, 3, 0.9];
const LABELS = [
  Int32Array.of(0, -1, 1, 0, -1, 2, 2, -1, 1, 0),
  Int32Array.of(-1, 1, 1, 0, 2, -1, 0, 0, -1, 2),
];

for (const mask of ["memory", "forward", "backward", "union", "all", "random"]) {
  Deno.test(`dpa ${mask} with unlabelled samples: no mask, no memory update, no count for them`, async () => {
    const g = new Graph();
    const x = g.input("x", [B, C]);
    const up = g.input("up", [B, C]);
    const labels = g.input("labels", [B], "i32");
    const ctx = new BuildContext({
      graph: g,
      phase: "train",
      batchSize: B,
      numClasses: K,
      labels,
      partialLabels: true,
    });
    const dpa = getActivation("dpa").create(featureSite(C), {
      mask,
      updateInterval: 1,
      momentum: M,
    }) as DpaActivation;
    const y = dpa.apply(ctx.scope("dpa"), x);
    const { terms } = finishTrainStep(ctx, sum(mul(y, up)), [x]);
    g.output("mask", dpa.trace!.mask);
    g.output("criterion", dpa.trace!.criterionMask);
    g.output("fraction", ctx.record.metrics.get("dpa.masked_fraction")!);
    g.output("loss", terms.get("dpa_channel")!);
    const exe = await referenceBackend.compile(g);
    await exe.writeState(initialState(ctx.record));
    const rand = lcg(3);
    const memory = Array.from({ length: K }, () => new Array<number>(C).fill(0));
    for (const [step, lab] of LABELS.entries()) {
      const xv = Float32Array.from({ length: B * C }, () => rand() * 2 - 1);
      const out = await exe.run({
        x: hostTensor("f32", [B, C], xv),
        up: hostTensor("f32", [B, C], Float32Array.from({ length: B * C }, () => rand() - 0.5)),
        labels: hostTensor("i32", [B], lab),
        ...hostFeedValues(ctx.record, { labels: lab, step, numClasses: K, seed: 1 }),
      });
      const labelled = Array.from(lab).filter((k) => k >= 0).length;
      let masked = 0;
      lab.forEach((k, b) => {
        for (let c = 0; c < C; c++) {
          masked += out.mask.data[b * C + c];
          if (k < 0) {
            assert.equal(out.mask.data[b * C + c], 0, `${mask} step ${step}: sample ${b} masked`);
            assert.equal(out.criterion.data[b * C + c], 0);
          } else if (mask === "all") {
            assert.equal(out.criterion.data[b * C + c], xv[b * C + c] > 0 ? 1 : 0);
          }
        }
      });
      assert.ok(Math.abs(out.fraction.data[0] - masked / (labelled * C)) < 1e-6);
      lab.forEach((k, b) => {
        if (k < 0) return;
        for (let c = 0; c < C; c++) memory[k][c] += M * (xv[b * C + c] - memory[k][c]);
      });
      const state = await exe.readState();
      if (state["dpa.forward_memory"]) {
        const f = state["dpa.forward_memory"].data;
        memory.flat().forEach((want, i) =>
          assert.ok(Math.abs(f[i] - want) < 1e-6, `${mask} step ${step} F[${i}] ${f[i]} vs ${want}`)
        );
      }
    }
    exe.dispose();
  });
}
