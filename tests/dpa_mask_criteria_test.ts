/**
 * DPA's mask criteria (the paper's Table 3: `memory` = F ∩ B, `forward`,
 * `backward`, `union`, `all`) from hand-chosen memories on the reference
 * backend: the state holds F and G as written below, the class token feeds v,
 * and the mask, channel loss and masked fraction are compared with values
 * worked out by hand in this file, on a step that keeps the memories (F_b =
 * F[k]) and on one that updates them (F_b = the sample's own view). Each
 * criterion allocates only the memories it reads.
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import type { DpaActivation } from "../activations/dpa.ts";
import { getActivation } from "../activations/registry.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { Graph } from "../core/graph.ts";
import { hostTensor } from "../core/host_tensor.ts";
import { mul, sum } from "../core/ops.ts";
import { BuildContext } from "../plugin/context.ts";
import type { Site } from "../plugin/types.ts";
import { finishTrainStep, hostFeedValues } from "./step_util.ts";

const B = 4, N = 2, C = 3, K = 2, TAU = 0.1, M = 0.5, U = 2;
const SITE: Site = { channels: C, layout: "tokens", pooling: "token" };
const LABELS = [0, 1, 0, 1];

// Memories before the step, rows = classes. Below τ: F0 = [1 0 1], F1 = [0 1 1].
// Negative: G0 = [1 1 0], G1 = [0 1 1].
const F = [[-0.5, 0.4, -0.2], [0.3, -0.1, 0.05]];
const G = [[-0.6, -0.2, 0.4], [0.2, -0.8, -0.1]];
// Class-token pre-activations v [B, C]. Active (v > τ): [1 1 1], [1 0 1], [0 1 1], [1 1 0].
const V = [[0.5, 0.3, 0.2], [0.7, 0.05, 0.9], [-0.3, 0.8, 0.6], [0.2, 0.4, -0.5]];
// Upstream gradient at the class token: its sign s drives G's update (0 would count as −1).
const S = [[1, -1, 1], [1, 1, -1], [-1, -1, 1], [-1, 1, 1]];

type Criterion = "memory" | "forward" | "backward" | "union" | "all";

interface Want {
  readonly mask: number[][];
  readonly loss: number;
}

/**
 * Step 0 keeps the memories (U = 2), so every sample reads F_b = F[k]:
 * below = [1 0 1], [0 1 1], [1 0 1], [0 1 1] and negative = [1 1 0], [0 1 1], [1 1 0], [0 1 1].
 */
const STEP0: Record<Criterion, Want> = {
  // below ∧ active ∧ negative.
  memory: {
    mask: [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 1, 0]],
    loss: (0.5 ** 2 + 0.9 ** 2 + 0.4 ** 2) / 3,
  },
  // below ∧ active.
  forward: {
    mask: [[1, 0, 1], [0, 0, 1], [0, 0, 1], [0, 1, 0]],
    loss: (0.5 ** 2 + 0.2 ** 2 + 0.9 ** 2 + 0.6 ** 2 + 0.4 ** 2) / 5,
  },
  // negative ∧ active.
  backward: {
    mask: [[1, 1, 0], [0, 0, 1], [0, 1, 0], [0, 1, 0]],
    loss: (0.5 ** 2 + 0.3 ** 2 + 0.9 ** 2 + 0.8 ** 2 + 0.4 ** 2) / 5,
  },
  // (below ∨ negative) = [1 1 1], [0 1 1], [1 1 1], [0 1 1]; ∧ active.
  union: {
    mask: [[1, 1, 1], [0, 0, 1], [0, 1, 1], [0, 1, 0]],
    loss: (0.5 ** 2 + 0.3 ** 2 + 0.2 ** 2 + 0.9 ** 2 + 0.8 ** 2 + 0.6 ** 2 + 0.4 ** 2) / 7,
  },
  // active.
  all: {
    mask: [[1, 1, 1], [1, 0, 1], [0, 1, 1], [1, 1, 0]],
    loss: (0.5 ** 2 + 0.3 ** 2 + 0.2 ** 2 + 0.7 ** 2 + 0.9 ** 2 + 0.8 ** 2 + 0.6 ** 2 +
      0.2 ** 2 + 0.4 ** 2) / 9,
  },
};

/**
 * Step 1 updates (m = 0.5), and each sample reads F right after its own update:
 * class 0: F_b0 = ½F0 + ½v0 = [0, 0.35, 0], F_b2 = ½F_b0 + ½v2 = [−0.15, 0.575, 0.3];
 * class 1: F_b1 = ½F1 + ½v1 = [0.5, −0.025, 0.475], F_b3 = ½F_b1 + ½v3 = [0.35, 0.1875, −0.0125].
 * below = [1 0 1], [0 1 0], [1 0 0], [0 0 1]; G_old (the step's start) as in step 0.
 */
const STEP1: Record<Criterion, Want> = {
  memory: { mask: [[1, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]], loss: 0.5 ** 2 },
  forward: {
    mask: [[1, 0, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0]],
    loss: (0.5 ** 2 + 0.2 ** 2) / 2,
  },
  backward: STEP0.backward,
  // (below ∨ negative) = [1 1 1], [0 1 1], [1 1 0], [0 1 1]; ∧ active.
  union: {
    mask: [[1, 1, 1], [0, 0, 1], [0, 1, 0], [0, 1, 0]],
    loss: (0.5 ** 2 + 0.3 ** 2 + 0.2 ** 2 + 0.9 ** 2 + 0.8 ** 2 + 0.4 ** 2) / 6,
  },
  all: STEP0.all,
};

/** Memories after step 1: F[k] = its last sample's view; G by the same EMA on s. */
const F_AFTER = [[-0.15, 0.575, 0.3], [0.35, 0.1875, -0.0125]];
// Class 0: ½G0 + ½s0 = [0.2, −0.6, 0.7], then ½· + ½s2 = [−0.4, −0.8, 0.85].
// Class 1: ½G1 + ½s1 = [0.6, 0.1, −0.55], then ½· + ½s3 = [−0.2, 0.55, 0.225].
const G_AFTER = [[-0.4, -0.8, 0.85], [-0.2, 0.55, 0.225]];

/** The memories each criterion holds (state names under the `dpa` scope). */
const STATES: Record<Criterion, string[]> = {
  memory: ["dpa.forward_memory", "dpa.backward_memory"],
  forward: ["dpa.forward_memory"],
  backward: ["dpa.backward_memory"],
  union: ["dpa.forward_memory", "dpa.backward_memory"],
  all: [],
};

function build(mask: Criterion, phase: "train" | "eval") {
  const graph = new Graph();
  const x = graph.input("x", [B, N, C]);
  const labels = phase === "train" ? graph.input("labels", [B], "i32") : undefined;
  const ctx = new BuildContext({ graph, phase, batchSize: B, numClasses: K, labels });
  const options = { tau: TAU, momentum: M, updateInterval: U, channelLoss: 5, mask };
  const dpa = getActivation("dpa").create(SITE, options) as DpaActivation;
  const y = dpa.apply(ctx.scope("dpa"), x);
  if (phase === "train") {
    const g = graph.input("g", [B, N, C]);
    const { terms } = finishTrainStep(ctx, sum(mul(y, g)), [x]);
    graph.output("mask", dpa.trace!.mask);
    graph.output("channel_loss", terms.get("dpa_channel")!);
    graph.output("masked_fraction", ctx.record.metrics.get("dpa.masked_fraction")!);
  }
  graph.output("y", y);
  return { graph, record: ctx.record };
}

/** [B, N, C] with `first` at token 0 and `rest` at token 1. */
function tokens(first: number[][], rest: number): Float32Array {
  return Float32Array.from(first.flatMap((row) => [...row, ...row.map(() => rest)]));
}

async function runStep(mask: Criterion, step: number) {
  const { graph, record } = build(mask, "train");
  const exe = await referenceBackend.compile(graph);
  const given = { "dpa.forward_memory": F, "dpa.backward_memory": G } as Record<string, number[][]>;
  const state = Object.fromEntries(
    STATES[mask].map((n) => [n, hostTensor("f32", [K, C], Float32Array.from(given[n].flat()))]),
  );
  await exe.writeState(state);
  const labels = Int32Array.from(LABELS);
  const out = await exe.run({
    x: hostTensor("f32", [B, N, C], tokens(V, 3)),
    g: hostTensor("f32", [B, N, C], tokens(S, 0.5)),
    labels: hostTensor("i32", [B], labels),
    ...hostFeedValues(record, { labels, step, numClasses: K, seed: 0 }),
  });
  return { out, after: await exe.readState() };
}

function assertClose(name: string, got: ArrayLike<number>, want: number[]): void {
  assert.equal(got.length, want.length, name);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) < 1e-6, `${name}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

for (const mask of Object.keys(STEP0) as Criterion[]) {
  Deno.test(`dpa mask ${mask}: mask, channel loss and masked fraction from hand-set memories`, async () => {
    for (const [step, want] of [[0, STEP0[mask]], [1, STEP1[mask]]] as const) {
      const { out, after } = await runStep(mask, step);
      const at = `${mask} step ${step}`;
      assert.deepEqual(Array.from(out.mask.data), want.mask.flat(), `${at}: mask`);
      assertClose(`${at}: channel loss`, out.channel_loss.data, [want.loss]);
      const n = want.mask.flat().reduce((a, e) => a + e, 0);
      assertClose(`${at}: masked fraction`, out.masked_fraction.data, [n / (B * C)]);
      // Only the memories the criterion reads exist, and they update on step 1 only.
      assert.deepEqual(Object.keys(after).sort(), [...STATES[mask]].sort(), `${at}: state`);
      if ("dpa.forward_memory" in after) {
        const f = step === 1 ? F_AFTER : F;
        assertClose(`${at}: forward memory`, after["dpa.forward_memory"].data, f.flat());
      }
      if ("dpa.backward_memory" in after) {
        const g = step === 1 ? G_AFTER : G;
        assertClose(`${at}: backward memory`, after["dpa.backward_memory"].data, g.flat());
      }
    }
  });
}

Deno.test("dpa mask criteria: memory-free variants allocate no memory, feed or tap they do not read", () => {
  for (const mask of Object.keys(STATES) as Criterion[]) {
    const train = build(mask, "train");
    const evalBuild = build(mask, "eval");
    const names = (g: Graph) => [...g.states.keys()];
    assert.deepEqual(names(train.graph), STATES[mask], `${mask}: train state`);
    assert.deepEqual(names(evalBuild.graph), STATES[mask], `${mask}: eval state = train state`);
    const backward = STATES[mask].includes("dpa.backward_memory");
    assert.equal(train.record.taps.length, backward ? 1 : 0, `${mask}: gradient tap`);
    assert.equal(train.record.hostFeeds.size, STATES[mask].length > 0 ? 1 : 0, `${mask}: EMA feed`);
  }
});
