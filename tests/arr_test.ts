/**
 * ARR against a plain-JS sequential loop: per-class running means (first
 * observation sets the entry), each sample's view after its own update, the
 * L1 loss pooled over two response sites, its gradient, and the state after
 * three steps. Also option errors and the eval phase.
 */
import assert from "node:assert/strict";
import { type ArrRegulariser, arrWeights } from "../regularisers/arr.ts";
import { getRegulariser, listRegularisers } from "../regularisers/mod.ts";
import type { Site } from "../plugin/types.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { ActlabError } from "../core/errors.ts";
import { Graph } from "../core/graph.ts";
import { hostTensor } from "../core/host_tensor.ts";
import { full } from "../core/ops.ts";
import { BuildContext } from "../plugin/context.ts";
import { lcg } from "./gradcheck.ts";
import { finishTrainStep, hostFeedValues, initialState } from "./step_util.ts";

const [B, K, N, C1, C2, H, W] = [6, 4, 3, 4, 3, 2, 2];
const LAMBDA = 7;
const M = 0.1;
const SITE_A: Site = { channels: C1, layout: "tokens", pooling: "token" };
const SITE_B: Site = { channels: C2, layout: "nchw", pooling: "avg" };
// Class 3 first appears in step 1, class 2 never; repeated classes within a batch.
const LABELS = [[0, 1, 0, 0, 1, 0], [3, 0, 1, 3, 3, 1], [1, 1, 0, 3, 0, 1]];
// The same with unlabelled samples (−1), for the linear-cost form of partial-label tasks.
const PARTIAL = [[-1, 1, 0, 0, 1, -1], [3, 0, -1, 3, 3, 1], [1, -1, 0, 3, 0, -1]];

function close(name: string, got: ArrayLike<number>, want: number[], tol = 2e-6): void {
  assert.equal(got.length, want.length, `${name}: length`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    assert.ok(
      err <= tol * Math.max(1, Math.abs(want[i])),
      `${name}[${i}]: ${got[i]} vs ${want[i]}`,
    );
  }
}

/** The reference's loop for one site: returns each sample's view and updates mean/seen in place. */
function sequential(
  v: number[][],
  labels: number[],
  mean: number[][],
  seen: number[],
): number[][] {
  return v.map((row, b) => {
    const k = labels[b];
    if (k < 0) return row.map(() => 0); // no class: no update, and it adds no loss
    if (!seen[k]) {
      mean[k] = [...row];
      seen[k] = 1;
    } else {
      mean[k] = mean[k].map((mu, c) => mu + M * (row[c] - mu));
    }
    return [...mean[k]];
  });
}

async function matchesSequential(partialLabels: boolean): Promise<void> {
  const g = new Graph();
  const xa = g.input("xa", [B, N, C1]);
  const xb = g.input("xb", [B, C2, H, W]);
  const labels = g.input("labels", [B], "i32");
  const ctx = new BuildContext({
    graph: g,
    phase: "train",
    batchSize: B,
    numClasses: K,
    labels,
    partialLabels,
  });
  const plugin = getRegulariser("arr");
  const ra = plugin.create(SITE_A, { lambda: LAMBDA }) as ArrRegulariser;
  const rb = plugin.create(SITE_B, { lambda: LAMBDA }) as ArrRegulariser;
  ra.observe(ctx.scope("a"), xa);
  rb.observe(ctx.scope("b"), xb);
  assert.equal(ctx.record.hostFeeds.size, partialLabels ? 6 : 1, "both sites share the host feeds");
  const { grads: [ga, gb], terms } = finishTrainStep(ctx, full(xa, [], 0), [xa, xb]);
  g.output("loss", terms.get("arr")!);
  g.output("ga", ga);
  g.output("gb", gb);
  g.output("viewA", ra.trace!.classView);
  g.output("viewB", rb.trace!.classView);
  const exe = await referenceBackend.compile(g);
  await exe.writeState(initialState(ctx.record));

  const rand = lcg(5);
  const meanA: number[][] = Array.from({ length: K }, () => new Array(C1).fill(0));
  const meanB: number[][] = Array.from({ length: K }, () => new Array(C2).fill(0));
  const seenA = new Array(K).fill(0), seenB = new Array(K).fill(0);
  for (let step = 0; step < 3; step++) {
    const lab = (partialLabels ? PARTIAL : LABELS)[step];
    const xaV = Float32Array.from({ length: B * N * C1 }, () => rand() * 4 - 2);
    const xbV = Float32Array.from({ length: B * C2 * H * W }, () => rand() * 4 - 2);
    const vA = lab.map((_, b) => Array.from({ length: C1 }, (_, c) => xaV[b * N * C1 + c]));
    const vB = lab.map((_, b) =>
      Array.from({ length: C2 }, (_, c) => {
        let s = 0;
        for (let p = 0; p < H * W; p++) s += xbV[(b * C2 + c) * H * W + p];
        return s / (H * W);
      })
    );
    const viewA = sequential(vA, lab, meanA, seenA);
    const viewB = sequential(vB, lab, meanB, seenB);
    const labelled = lab.map((k) => (k >= 0 ? 1 : 0));
    const count = labelled.reduce((a: number, l) => a + l, 0) * (C1 + C2);
    let l1 = 0;
    const dist = (v: number, b: number, view: number) => labelled[b] * Math.abs(v - view);
    vA.forEach((row, b) => row.forEach((v, c) => (l1 += dist(v, b, viewA[b][c]))));
    vB.forEach((row, b) => row.forEach((v, c) => (l1 += dist(v, b, viewB[b][c]))));

    const li = Int32Array.from(lab);
    const out = await exe.run({
      xa: hostTensor("f32", [B, N, C1], xaV),
      xb: hostTensor("f32", [B, C2, H, W], xbV),
      labels: hostTensor("i32", [B], li),
      ...hostFeedValues(ctx.record, { labels: li, step, numClasses: K, seed: 0 }),
    });
    const at = `step ${step}`;
    const labelledOnly = (view: ArrayLike<number>, c: number) =>
      Array.from(view, (x, i) => (labelled[Math.floor(i / c)] ? x : 0));
    close(`${at} view a`, labelledOnly(out.viewA.data, C1), viewA.flat());
    close(`${at} view b`, labelledOnly(out.viewB.data, C2), viewB.flat());
    close(`${at} loss`, out.loss.data, [l1 / count]);
    // d(λ·L)/dx: λ·sign(v − μ_b)/count at the class token; spread over pixels for the spatial mean.
    const wantA = new Array<number>(B * N * C1).fill(0);
    vA.forEach((row, b) =>
      row.forEach((
        v,
        c,
      ) => (wantA[b * N * C1 + c] = LAMBDA * labelled[b] * Math.sign(v - viewA[b][c]) / count))
    );
    const wantB = new Array<number>(B * C2 * H * W).fill(0);
    vB.forEach((row, b) =>
      row.forEach((v, c) => {
        for (let p = 0; p < H * W; p++) {
          wantB[(b * C2 + c) * H * W + p] = LAMBDA * labelled[b] * Math.sign(v - viewB[b][c]) /
            count / (H * W);
        }
      })
    );
    close(`${at} grad a`, out.ga.data, wantA);
    close(`${at} grad b`, out.gb.data, wantB);
    const st = await exe.readState();
    close(`${at} means a`, st["a.class_mean"].data, meanA.flat());
    close(`${at} means b`, st["b.class_mean"].data, meanB.flat());
    close(`${at} seen a`, st["a.seen"].data, seenA);
    close(`${at} seen b`, st["b.seen"].data, seenB);
  }
  assert.deepEqual(seenA, [1, 1, 0, 1], "class 2 never seen, its mean stays 0");
}

Deno.test("arr matches a sequential loop over three steps and two sites", () =>
  matchesSequential(false));
Deno.test("arr with unlabelled samples (linear-cost form) matches the loop that skips them", () =>
  matchesSequential(true));

Deno.test("arr weights: EMA rows plus the first-of-class selection", () => {
  const w = arrWeights(Int32Array.from([2, 0, 2]), 3, 0.1);
  const cols = 3 + 3;
  // Row of sample 2 (second of class 2): 0.1·0.9 of sample 0, 0.1 of itself, 0.81 of the old mean.
  const row = Array.from(w.subarray(2 * cols, 3 * cols));
  close("sample 2 row", row, [0.09, 0, 0.1, 0, 0, 0.81]);
  // First-of-class rows (after the B+K EMA rows): class 0 → sample 1, class 1 absent, class 2 → sample 0.
  const first = (k: number) => Array.from(w.subarray((6 + k) * cols, (6 + k) * cols + 3));
  assert.deepEqual([first(0), first(1), first(2)], [[0, 1, 0], [0, 0, 0], [1, 0, 0]]);
  assert.throws(
    () => arrWeights(Int32Array.from([0, 3]), 3, 0.1),
    /label 3 of sample 1 is outside \[0, 3\)/,
  );
});

Deno.test("arr options, registry and eval phase", () => {
  assert.deepEqual(listRegularisers(), ["arr"]);
  const p = getRegulariser("arr");
  assert.equal((p.create(SITE_A, {}) as ArrRegulariser).options.lambda, 10);
  assert.equal((p.create(SITE_A, {}) as ArrRegulariser).options.momentum, 0.1);
  for (
    const [opts, re] of [
      [{ lambda: -1 }, /arr: option lambda = -1 is invalid[\s\S]*>= 0/],
      [{ momentum: 0 }, /momentum must be > 0, <= 1/],
      [{ lamda: 20 }, /unknown option "lamda"[\s\S]*lambda, momentum/],
    ] as const
  ) {
    assert.throws(
      () => p.create(SITE_A, opts),
      (e: Error) => e instanceof ActlabError && re.test(e.message),
    );
  }
  const g = new Graph();
  const ctx = new BuildContext({ graph: g, phase: "eval", batchSize: B, numClasses: K });
  const r = p.create(SITE_A, {}) as ArrRegulariser;
  r.observe(ctx, g.input("x", [B, N, C1]));
  assert.equal(r.trace, null);
  assert.equal(ctx.record.pooledLosses.size + ctx.record.hostFeeds.size, 0);
  assert.deepEqual(ctx.record.buffers.map((b) => b.name), ["class_mean", "seen"]);
});
