/**
 * One DPA class-memory update at graph scale: a DPA site over B labelled
 * nodes (default 200 000, as a full-batch step on a large graph), C channels
 * and K classes, with the linear-cost EMA (`plugin/class_ema_linear.ts`) on
 * ort-cpu. Every step updates the memories (U = 1). Reports the host time of
 * the EMA feeds, the step time (TAU, pooled views, mask, channel loss, its
 * gradient, both memory updates) and the process's peak resident memory.
 * The dense [B+K, B+K] matrix would be (B+K)²·4 bytes: 160 GB at B = 200 000.
 *
 * `deno run -A bench/dpa_class_memory.ts [B] [C] [K] [steps]` prints one JSON line.
 * @module
 */
import "../activations/mod.ts";
import "../backends/mod.ts";
import { getActivation } from "../activations/registry.ts";
import { getBackend } from "../backends/registry.ts";
import { grad } from "../core/autodiff.ts";
import { Graph } from "../core/graph.ts";
import { add, div, maximum, mul, sum } from "../core/ops.ts";
import { Rng } from "../core/rng.ts";
import { featureSite } from "../nn/sites.ts";
import { BuildContext, hostFeedValues } from "../plugin/context.ts";
import { resetPeak, residentBytes } from "./rss.ts";

const [b, c, k, steps] = [200_000, 128, 40, 5].map((d, i) => Number(Deno.args[i] ?? d));
const mib = (n: number) => Math.round(n / 2 ** 20);

const graph = new Graph();
const x = graph.input("x", [b, c]);
const up = graph.input("up", [b, c]);
const labels = graph.input("labels", [b], "i32");
const ctx = new BuildContext({
  graph,
  phase: "train",
  batchSize: b,
  numClasses: k,
  labels,
  partialLabels: true,
});
const dpa = getActivation("dpa").create(featureSite(c), { updateInterval: 1, channelLoss: 1 });
const y = dpa.apply(ctx.scope("dpa"), x);
const pooled = [...ctx.record.pooledLosses.values()][0];
const channel = div(pooled.numerators[0], maximum(pooled.denominators[0], 1));
const loss = add(sum(mul(y, up)), channel);
const taps = ctx.record.taps;
const r = grad(graph, loss, [x], { taps: taps.map((t) => t.tensor) });
taps.forEach((t, i) => t.onGrad(r.taps[i]));
for (const buf of ctx.record.buffers) if (buf.update) graph.setStateUpdate(buf.name, buf.update);
graph.output("loss", loss);
graph.output("dx", r.grads[0]);

const backend = getBackend("ort-cpu");
const before = residentBytes();
resetPeak();
const exe = await backend.compile(graph);
const state: Record<string, { dtype: "f32"; shape: number[]; data: Float32Array }> = {};
for (const buf of ctx.record.buffers) {
  state[buf.name] = {
    dtype: "f32",
    shape: [...buf.tensor.shape],
    data: new Float32Array(buf.tensor.shape.reduce((a, d) => a * d, 1)),
  };
}
await exe.writeState(state);
const rng = Rng.fromSeed(0);
const feedsX = { dtype: "f32" as const, shape: [b, c], data: rng.normal(b * c) };
const feedsUp = { dtype: "f32" as const, shape: [b, c], data: rng.normal(b * c) };
const lab = rng.randint(b, 0, k);
const times: number[] = [], hostMs: number[] = [];
for (let step = 0; step < steps + 1; step++) {
  const t0 = performance.now();
  const host = hostFeedValues(ctx.record, { labels: lab, step, numClasses: k, seed: 0 });
  const t1 = performance.now();
  await exe.run({
    x: feedsX,
    up: feedsUp,
    labels: { dtype: "i32", shape: [b], data: lab },
    ...host,
  });
  const t2 = performance.now();
  if (step > 0) { // the first run is a warm-up
    hostMs.push(t1 - t0);
    times.push(t2 - t1);
  }
}
const after = residentBytes();
exe.dispose();
const median = (a: number[]) => a.slice().sort((p, q) => p - q)[Math.floor(a.length / 2)];
console.log(JSON.stringify({
  backend: "ort-cpu",
  nodes: b,
  channels: c,
  classes: k,
  scanLevels: ctx.record.hostFeeds.values().next().value!.tensor.shape[0] - 1,
  hostFeedsMs: Math.round(median(hostMs)),
  stepMs: Math.round(median(times)),
  rssBeforeMiB: before ? mib(before.rss) : null,
  peakRssMiB: after ? mib(after.hwm) : null,
  denseMatrixGiB: ((b + k) ** 2 * 4) / 2 ** 30,
}));
