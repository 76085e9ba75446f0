/**
 * The layers DeiT and CaiT add (nn/talking_heads.ts, nn/class_attention.ts,
 * nn/layer_scale.ts): forward values against naive per-head loops written
 * from the papers' definitions, parameter names and weight-decay flags, and
 * finite-difference gradient checks of every parameter and of the input.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { sizeOf } from "../core/host_tensor.ts";
import { add } from "../core/ops.ts";
import type { BuildContext } from "../plugin/context.ts";
import { classAttention } from "../nn/class_attention.ts";
import { normalInit } from "../nn/init.ts";
import { layerScale } from "../nn/layer_scale.ts";
import { talkingHeadsAttention } from "../nn/talking_heads.ts";
import {
  assertClose,
  buildLayer,
  compile,
  feedsFor,
  randomValues,
  spotCheckParams,
} from "./build_harness.ts";

type Mat = number[][];

/** Rows of `x [rows, in]` times `w [out, in]`ᵀ plus `b [out]` (b optional). */
function lin(x: Mat, w: number[], out: number, b?: number[]): Mat {
  const inF = x[0].length;
  return x.map((r) =>
    Array.from({ length: out }, (_, o) => {
      let s = b ? b[o] : 0;
      for (let k = 0; k < inF; k++) s += r[k] * w[o * inF + k];
      return s;
    })
  );
}

function softmaxRow(v: number[]): number[] {
  const mx = Math.max(...v);
  const e = v.map((s) => Math.exp(s - mx));
  const z = e.reduce((a, s) => a + s, 0);
  return e.map((s) => s / z);
}

/** Sample `b` of `x [B, N, C]` as N rows. */
function tokens(x: number[], b: number, n: number, c: number): Mat {
  return Array.from({ length: n }, (_, i) => x.slice((b * n + i) * c, (b * n + i + 1) * c));
}

/**
 * Talking heads, from the definition: per-head logits L[h] = q_h k_hᵀ/√d,
 * mixed across heads before the softmax (Wl, bl) and after it (Ww, bw).
 */
function naiveTalkingHeads(
  x: number[],
  [batch, n, c]: number[],
  heads: number,
  p: Record<string, number[]>,
): number[] {
  const d = c / heads;
  const y: number[] = [];
  for (let b = 0; b < batch; b++) {
    const qkv = lin(tokens(x, b, n, c), p["qkv.weight"], 3 * c, p["qkv.bias"]);
    const logits = Array.from(
      { length: heads },
      (_, h) =>
        Array.from({ length: n }, (_, i) =>
          Array.from({ length: n }, (_, j) => {
            let s = 0;
            for (let t = 0; t < d; t++) s += qkv[i][h * d + t] * qkv[j][c + h * d + t];
            return s / Math.sqrt(d);
          })),
    );
    const mix = (a: number[][][], w: number[], bias: number[]) =>
      Array.from(
        { length: heads },
        (_, o) =>
          Array.from({ length: n }, (_, i) =>
            Array.from({ length: n }, (_, j) => {
              let s = bias[o];
              for (let h = 0; h < heads; h++) s += w[o * heads + h] * a[h][i][j];
              return s;
            })),
      );
    const pre = mix(logits, p["proj_l.weight"], p["proj_l.bias"]);
    const soft = pre.map((m) => m.map(softmaxRow));
    const attn = mix(soft, p["proj_w.weight"], p["proj_w.bias"]);
    const out: Mat = Array.from({ length: n }, () => new Array(c).fill(0));
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          for (let t = 0; t < d; t++) {
            out[i][h * d + t] += attn[h][i][j] * qkv[j][2 * c + h * d + t];
          }
        }
      }
    }
    y.push(...lin(out, p["proj.weight"], c, p["proj.bias"]).flat());
  }
  return y;
}

/** Class attention, from the definition: one query (token 0), keys and values from every token. */
function naiveClassAttention(
  x: number[],
  [batch, n, c]: number[],
  heads: number,
  p: Record<string, number[]>,
): number[] {
  const d = c / heads;
  const y: number[] = [];
  for (let b = 0; b < batch; b++) {
    const t = tokens(x, b, n, c);
    const q = lin([t[0]], p["q.weight"], c, p["q.bias"])[0];
    const k = lin(t, p["k.weight"], c, p["k.bias"]);
    const v = lin(t, p["v.weight"], c, p["v.bias"]);
    const out = new Array(c).fill(0);
    for (let h = 0; h < heads; h++) {
      const scores = k.map((kj) => {
        let s = 0;
        for (let u = 0; u < d; u++) s += q[h * d + u] * kj[h * d + u];
        return s / Math.sqrt(d);
      });
      const a = softmaxRow(scores);
      for (let j = 0; j < n; j++) {
        for (let u = 0; u < d; u++) out[h * d + u] += a[j] * v[j][h * d + u];
      }
    }
    y.push(...lin([out], p["proj.weight"], c, p["proj.bias"])[0]);
  }
  return y;
}

/** Random values for every parameter of a traced layer (so biases are not their zero init). */
function randomParams(ctx: BuildContext, seed: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [i, p] of ctx.record.params.entries()) {
    out[p.name] = randomValues(sizeOf(p.tensor.shape), seed + i, 0.5);
  }
  return out;
}

Deno.test("talkingHeadsAttention matches the definition (mixes over heads before and after softmax)", async () => {
  for (const [shape, heads] of [[[2, 4, 6], 3], [[1, 5, 4], 2], [[2, 3, 4], 1]] as const) {
    const b = buildLayer(
      "eval",
      shape,
      (ctx, x) => talkingHeadsAttention(ctx, x, { numHeads: heads }),
    );
    assert.deepEqual(b.y.shape, shape);
    const p = randomParams(b.ctx, 20);
    const x = randomValues(sizeOf(shape), 21);
    const exe = await compile(b, { overrides: p });
    const want = naiveTalkingHeads(x, [...shape], heads, p);
    assertClose((await exe.run(feedsFor(b, x))).y.data, want, 1e-10, `talking heads ${shape}`);
  }
  const b = buildLayer(
    "eval",
    [1, 2, 4],
    (ctx, x) => talkingHeadsAttention(ctx, x, { numHeads: 2 }),
  );
  assert.deepEqual(
    b.ctx.record.params.map((p) => `${p.name}${p.decay ? "" : " (no decay)"}`),
    [
      "qkv.weight",
      "qkv.bias (no decay)",
      "proj_l.weight",
      "proj_l.bias (no decay)",
      "proj_w.weight",
      "proj_w.bias (no decay)",
      "proj.weight",
      "proj.bias (no decay)",
    ],
  );
  assert.throws(
    () => buildLayer("eval", [1, 2, 5], (ctx, x) => talkingHeadsAttention(ctx, x, { numHeads: 2 })),
    (e: unknown) => e instanceof ActlabError && e.message.includes("talking-heads"),
  );
});

Deno.test("classAttention matches the definition: the class token's query over every token", async () => {
  for (const [shape, heads] of [[[2, 4, 6], 3], [[1, 5, 4], 2], [[3, 1, 4], 1]] as const) {
    const b = buildLayer("eval", shape, (ctx, x) => classAttention(ctx, x, { numHeads: heads }));
    assert.deepEqual(b.y.shape, [shape[0], 1, shape[2]]);
    const p = randomParams(b.ctx, 30);
    const x = randomValues(sizeOf(shape), 31);
    const exe = await compile(b, { overrides: p });
    const want = naiveClassAttention(x, [...shape], heads, p);
    assertClose((await exe.run(feedsFor(b, x))).y.data, want, 1e-10, `class attention ${shape}`);
  }
  const nb = buildLayer(
    "eval",
    [1, 3, 4],
    (ctx, x) => classAttention(ctx, x, { numHeads: 2, qkvBias: false }),
  );
  assert.deepEqual(
    nb.ctx.record.params.map((p) => p.name),
    ["q.weight", "k.weight", "v.weight", "proj.weight", "proj.bias"],
  );
});

Deno.test("layerScale: x · γ per channel, γ starting at the init value, no weight decay", async () => {
  const b = buildLayer("eval", [2, 3, 4], (ctx, x) => layerScale(ctx, x, 1e-5, "gamma_1"));
  const [p] = b.ctx.record.params;
  assert.equal(p.name, "gamma_1");
  assert.deepEqual(p.tensor.shape, [4]);
  assert.equal(p.decay, false);
  const x = randomValues(24, 40);
  const init = await compile(b);
  assertClose((await init.run(feedsFor(b, x))).y.data, x.map((v) => v * 1e-5), 1e-12, "init");
  const gamma = [2, -1, 0.5, 3];
  const exe = await compile(b, { overrides: { gamma_1: gamma } });
  assertClose(
    (await exe.run(feedsFor(b, x))).y.data,
    x.map((v, i) => v * gamma[i % 4]),
    1e-12,
    "layer scale",
  );
  assert.throws(() => buildLayer("eval", [1, 4], (ctx, x) => layerScale(ctx, x, NaN)), ActlabError);
});

/** `layer` applied to x + a parameter, so the spot check also checks the input gradient. */
function withInputGrad(layer: (ctx: BuildContext, x: Tensor) => Tensor) {
  return (ctx: BuildContext, x: Tensor) =>
    layer(ctx, add(x, ctx.param("input_shift", x.shape, normalInit(1), { decay: false })));
}

Deno.test("talking heads, class attention, layer scale: gradients match finite differences", async () => {
  let n = 0;
  n += await spotCheckParams(
    withInputGrad((ctx, x) => talkingHeadsAttention(ctx, x, { numHeads: 2 })),
    [2, 3, 4],
    { points: 3 },
  );
  n += await spotCheckParams(
    withInputGrad((ctx, x) => classAttention(ctx, x, { numHeads: 2 })),
    [2, 3, 4],
    { points: 3 },
  );
  n += await spotCheckParams(
    withInputGrad((ctx, x) => layerScale(ctx, x, 0.3)),
    [2, 3, 4],
    { points: 3 },
  );
  assert.ok(n >= 3 * (9 + 9 + 2), `checked ${n} entries`);
});
