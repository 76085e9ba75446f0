/**
 * DPA's random-mask control on the reference backend: every step the random
 * mask R has exactly as many entries as the memory mask M, lies inside the
 * candidates v > τ, equals the host-side definition (the first n candidates
 * in the order of the step's permutation), is reproducible from (seed, step)
 * and feeds the channel loss; `mask: "none"` is TAU alone (no memories).
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import type { DpaActivation } from "../activations/dpa.ts";
import { randomMaskPermutation } from "../activations/dpa_random_mask.ts";
import { getActivation } from "../activations/registry.ts";
import type { Site } from "../plugin/types.ts";
import type { Backend } from "../backends/backend.ts";
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { webgpuBackend } from "../backends/webgpu/mod.ts";
import { Graph } from "../core/graph.ts";
import { hostTensor } from "../core/host_tensor.ts";
import { mul, sum } from "../core/ops.ts";
import { Rng } from "../core/rng.ts";
import { BuildContext } from "../plugin/context.ts";
import { ortAvailability } from "./ort_support.ts";
import { finishTrainStep, hostFeedValues, initialState } from "./step_util.ts";
import { gpuTest } from "./webgpu_support.ts";

const B = 12, N = 2, C = 7, K = 3;
const SITE: Site = { channels: C, layout: "tokens", pooling: "token" };

function build(mask: string) {
  const graph = new Graph();
  const x = graph.input("x", [B, N, C]);
  const labels = graph.input("labels", [B], "i32");
  const g = graph.input("g", [B, N, C]);
  const ctx = new BuildContext({ graph, phase: "train", batchSize: B, numClasses: K, labels });
  const options = { tau: 0.1, momentum: 0.9, updateInterval: 2, channelLoss: 5, mask };
  const dpa = getActivation("dpa").create(SITE, options) as DpaActivation;
  const y = dpa.apply(ctx.scope("dpa"), x);
  const { terms } = finishTrainStep(ctx, sum(mul(y, g)), [x]);
  graph.output("y", y);
  if (dpa.trace) {
    graph.output("v", dpa.trace.pooled);
    graph.output("mask", dpa.trace.mask);
    graph.output("memory_mask", dpa.trace.criterionMask);
    graph.output("channel_loss", terms.get("dpa_channel")!);
  }
  return { graph, record: ctx.record, hasTrace: dpa.trace !== null };
}

function stepInputs(step: number) {
  const rng = Rng.fromSeed(100).fold(step);
  return {
    x: hostTensor("f32", [B, N, C], rng.fold(0).normal(B * N * C)),
    g: hostTensor("f32", [B, N, C], rng.fold(1).normal(B * N * C)),
    labels: Int32Array.from({ length: B }, (_, i) => (i * 7 + step) % K),
  };
}

async function runSteps(
  mask: string,
  seed: number,
  steps: number,
  backend: Backend = referenceBackend,
) {
  const { graph, record } = build(mask);
  const exe = await backend.compile(graph);
  await exe.writeState(initialState(record));
  const outs = [];
  for (let step = 0; step < steps; step++) {
    const { x, g, labels } = stepInputs(step);
    outs.push(
      await exe.run({
        x,
        g,
        labels: hostTensor("i32", [B], labels),
        ...hostFeedValues(record, { labels, step, numClasses: K, seed }),
      }),
    );
  }
  return outs;
}

Deno.test("dpa random mask: same size as the memory mask, inside v > τ, as defined", async () => {
  const outs = await runSteps("random", 3, 8);
  let nonEmpty = 0, differs = 0;
  for (const [step, o] of outs.entries()) {
    const r = Array.from(o.mask.data), m = Array.from(o.memory_mask.data), v = o.v.data;
    const n = m.reduce((a, b) => a + b, 0);
    assert.equal(r.reduce((a, b) => a + b, 0), n, `step ${step}: |R| = |M|`);
    assert.ok(r.every((e, i) => e === 0 || (e === 1 && v[i] > 0.1)), `step ${step}: R ⊆ v > τ`);
    // The definition: the first n candidates in the order of the step's permutation.
    const perm = randomMaskPermutation(3, step, "dpa.random_mask_permutation", B * C).data;
    const want = new Array(B * C).fill(0);
    let taken = 0;
    for (let i = 0; i < B * C && taken < n; i++) {
      if (v[perm[i]] > 0.1) {
        want[perm[i]] = 1;
        taken++;
      }
    }
    assert.deepEqual(r, want, `step ${step}: R is the first ${n} candidates in π order`);
    const num = r.reduce((a, e, i) => a + e * v[i] * v[i], 0);
    const loss = n > 0 ? num / n : 0;
    assert.ok(Math.abs(o.channel_loss.data[0] - loss) < 1e-5, `step ${step}: channel loss on R`);
    if (n > 0) nonEmpty++;
    if (r.some((e, i) => e !== m[i])) differs++;
  }
  // The scenario must exercise the mask, and a random mask is not the memory mask.
  assert.ok(nonEmpty >= 3, `only ${nonEmpty} steps had a non-empty mask`);
  assert.ok(differs >= 1, "R never differed from M");
});

Deno.test("dpa random mask: reproducible from (seed, step), different across seeds", async () => {
  const a = await runSteps("random", 3, 6);
  const b = await runSteps("random", 3, 6);
  const c = await runSteps("random", 4, 6);
  let seedMatters = false;
  for (let i = 0; i < a.length; i++) {
    assert.deepEqual(Array.from(a[i].mask.data), Array.from(b[i].mask.data), `step ${i}`);
    if (Array.from(a[i].mask.data).some((e, j) => e !== c[i].mask.data[j])) seedMatters = true;
  }
  assert.ok(seedMatters, "another seed draws another mask");
});

Deno.test("dpa mask none is TAU alone; a bad mask value is a clear error", async () => {
  const built = build("none");
  assert.equal(built.hasTrace, false);
  assert.equal(built.record.pooledLosses.size, 0);
  assert.equal(built.record.hostFeeds.size, 0);
  assert.equal(built.record.buffers.length, 0, "no memories: TAU reads none");
  const [o] = await runSteps("none", 0, 1);
  const x = stepInputs(0).x.data;
  assert.deepEqual(Array.from(o.y.data), Array.from(x, (e) => (e >= 0.1 ? e : 0)));
  assert.throws(
    () => build("sometimes"),
    /mask = "sometimes" is invalid[\s\S]*memory, forward, backward, union, all, random, none/,
  );
});

/** The control is in-graph with catalogue ops only: other backends must draw the same masks. */
async function sameAsReference(backend: Backend): Promise<void> {
  const want = await runSteps("random", 3, 6);
  const got = await runSteps("random", 3, 6, backend);
  for (let i = 0; i < want.length; i++) {
    assert.deepEqual(Array.from(got[i].mask.data), Array.from(want[i].mask.data), `step ${i} mask`);
    const d = Math.abs(got[i].channel_loss.data[0] - want[i].channel_loss.data[0]);
    assert.ok(d < 1e-5, `step ${i} channel loss differs by ${d}`);
  }
}

if (await ortAvailability(ortCpuBackend)) {
  Deno.test("dpa random mask: ort-cpu draws the reference's masks", () =>
    sameAsReference(ortCpuBackend));
}
gpuTest(
  "dpa random mask: webgpu draws the reference's masks",
  () => sameAsReference(webgpuBackend),
);
