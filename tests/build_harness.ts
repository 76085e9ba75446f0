/**
 * Test harness for layers and models: trace `f(ctx, x)` into a fresh graph,
 * wire buffer updates, initialise state, run on the reference backend, and
 * spot-check parameter gradients against central finite differences.
 */
import assert from "node:assert/strict";
import { grad } from "../core/autodiff.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { type HostTensor, hostTensor, type Shape, sizeOf } from "../core/host_tensor.ts";
import { constant, mul, sum } from "../core/ops.ts";
import type { Executable } from "../backends/backend.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { BuildContext, type Phase } from "../plugin/context.ts";
import { initialState } from "../nn/init.ts";
import { lcg } from "./gradcheck.ts";

/** A traced layer or model. */
export interface Built {
  readonly graph: Graph;
  readonly ctx: BuildContext;
  readonly x: Tensor;
  readonly y: Tensor;
}

/** Trace `f` over an input feed `x` of `xShape` (batch = `xShape[0]`). */
export function buildLayer(
  phase: Phase,
  xShape: Shape,
  f: (ctx: BuildContext, x: Tensor) => Tensor,
  numClasses = 3,
): Built {
  const graph = new Graph();
  const batchSize = xShape[0];
  const labels = phase === "train" ? graph.input("labels", [batchSize], "i32") : undefined;
  const ctx = new BuildContext({ graph, phase, batchSize, numClasses, labels });
  const x = graph.input("x", xShape);
  const y = f(ctx, x);
  graph.output("y", y);
  for (const b of ctx.record.buffers) if (b.update) graph.setStateUpdate(b.name, b.update);
  return { graph, ctx, x, y };
}

/** Deterministic values in [-1, 1). */
export function randomValues(n: number, seed: number, scale = 1): number[] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

/** Feeds for one run: `x`, labels, and every host feed computed for (labels, step, seed). */
export function feedsFor(
  b: Built,
  x: ArrayLike<number>,
  opts: { labels?: number[]; step?: number; seed?: number } = {},
): Record<string, HostTensor> {
  const batch = b.ctx.batchSize;
  const labels = Int32Array.from(opts.labels ?? Array.from({ length: batch }, (_, i) => i % 3));
  const feeds: Record<string, HostTensor> = {
    x: hostTensor("f32", b.x.shape, Float64Array.from(x)),
  };
  if (b.graph.inputs.has("labels")) feeds.labels = hostTensor("i32", [batch], labels);
  for (const spec of b.ctx.record.hostFeeds.values()) {
    feeds[spec.key] = spec.compute({
      labels,
      step: opts.step ?? 0,
      numClasses: b.ctx.numClasses,
      seed: opts.seed ?? 0,
    });
  }
  return feeds;
}

/** Compile on the reference backend and write the initial state (seeded), then `overrides`. */
export async function compile(
  b: Built,
  opts: {
    seed?: number;
    overrides?: Record<string, ArrayLike<number>>;
    precision?: "f32" | "f64";
    outputs?: string[];
  } = {},
): Promise<Executable> {
  const exe = await referenceBackend.compile(b.graph, {
    precision: opts.precision ?? "f64",
    outputs: opts.outputs,
  });
  const state = initialState(b.ctx.record, opts.seed ?? 0);
  for (const [name, values] of Object.entries(opts.overrides ?? {})) {
    assert.ok(state[name], `no state named ${name}; have ${Object.keys(state).join(", ")}`);
    state[name] = hostTensor("f32", state[name].shape, Float64Array.from(values));
  }
  await exe.writeState(state);
  return exe;
}

/** Assert elementwise closeness with a relative-plus-absolute tolerance. */
export function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    assert.ok(
      err <= tol * (1 + Math.abs(want[i])),
      `${what}[${i}]: got ${got[i]}, want ${want[i]} (err ${err})`,
    );
  }
}

/**
 * Spot finite-difference check of d(Σ y·R)/d(param) for `points` random
 * entries of every parameter (float64, ε = 1e-5). Returns the entries checked.
 */
export async function spotCheckParams(
  f: (ctx: BuildContext, x: Tensor) => Tensor,
  xShape: Shape,
  opts: { phase?: Phase; points?: number; seed?: number; tol?: number; numClasses?: number } = {},
): Promise<number> {
  const phase = opts.phase ?? "train";
  const b = buildLayer(phase, xShape, f, opts.numClasses);
  const rand = lcg(opts.seed ?? 99);
  const r = hostTensor(
    "f32",
    b.y.shape,
    Float64Array.from({ length: sizeOf(b.y.shape) }, () => rand() * 2 - 1),
  );
  const loss = sum(mul(b.y, constant(b.y, r)));
  b.graph.output("loss", loss);
  const params = b.ctx.record.params;
  const { grads } = grad(b.graph, loss, params.map((p) => p.tensor));
  grads.forEach((g, i) => b.graph.output(`grad${i}`, g));
  const exe = await compile(b, { seed: opts.seed ?? 5 });
  const xv = randomValues(sizeOf(xShape), 7);
  const feeds = feedsFor(b, xv);
  const state = await exe.readState();
  const out = await exe.run(feeds);
  const lossAt = async (name: string, values: Float64Array): Promise<number> => {
    await exe.writeState({ [name]: { dtype: "f32", shape: state[name].shape, data: values } });
    const v = (await exe.run(feeds)).loss.data[0];
    await exe.writeState({ [name]: state[name] });
    return v;
  };
  const eps = 1e-5;
  let checked = 0;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const base = Float64Array.from(state[p.name].data);
    const g = out[`grad${i}`].data;
    for (let k = 0; k < (opts.points ?? 2); k++) {
      const j = Math.floor(rand() * base.length);
      const plus = base.slice();
      plus[j] += eps;
      const minus = base.slice();
      minus[j] -= eps;
      const fd = ((await lossAt(p.name, plus)) - (await lossAt(p.name, minus))) / (2 * eps);
      const tol = opts.tol ?? 1e-5;
      assert.ok(
        Math.abs(fd - g[j]) <= tol * (1 + Math.abs(fd)),
        `d loss / d ${p.name}[${j}]: autodiff ${g[j]}, finite difference ${fd}`,
      );
      checked++;
    }
  }
  return checked;
}
