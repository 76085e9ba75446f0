/**
 * nn layers: forward values against hand computations (linear, batch norm in
 * train and eval, layer norm, attention vs a naive per-head loop, patch
 * embedding), running-statistics updates, dropout/drop-path masks
 * (determinism per (seed, step, key) and keep rate), initialisers and
 * weight-decay flags, and gradient spot checks through the layers.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { sizeOf } from "../core/host_tensor.ts";
import { selfAttention } from "../nn/attention.ts";
import { batchNorm2d } from "../nn/batch_norm.ts";
import { conv2d } from "../nn/conv2d.ts";
import { dropout, dropoutMask, dropPath } from "../nn/dropout.ts";
import { addPositionEmbedding, prependClassToken } from "../nn/embeddings.ts";
import { initialState } from "../nn/init.ts";
import { layerNorm } from "../nn/layer_norm.ts";
import { linear } from "../nn/linear.ts";
import { patchEmbed } from "../nn/patch_embed.ts";
import { globalAvgPool2d, poolTokens } from "../nn/pooling.ts";
import {
  assertClose,
  buildLayer,
  compile,
  feedsFor,
  randomValues,
  spotCheckParams,
} from "./build_harness.ts";

Deno.test("linear: x·Wᵀ + b for rank-2 and rank-3 inputs", async () => {
  const w = [1, 2, 3, -1, 0, 0.5]; // [2 out, 3 in]
  const bias = [0.5, -1];
  const x = [1, 0, -1, 2, 1, 1, 0, 0, 1, 3, -2, 4]; // 4 rows of 3
  const want: number[] = [];
  for (let r = 0; r < 4; r++) {
    for (let o = 0; o < 2; o++) {
      let s = bias[o];
      for (let i = 0; i < 3; i++) s += x[r * 3 + i] * w[o * 3 + i];
      want.push(s);
    }
  }
  for (const shape of [[4, 3], [2, 2, 3]]) {
    const b = buildLayer("eval", shape, (ctx, x) => linear(ctx.scope("fc"), x, 2));
    assert.deepEqual(b.y.shape, [...shape.slice(0, -1), 2]);
    const exe = await compile(b, { overrides: { "fc.weight": w, "fc.bias": bias } });
    assertClose((await exe.run(feedsFor(b, x))).y.data, want, 1e-12, `linear ${shape}`);
  }
  const nb = buildLayer("eval", [2, 3], (ctx, x) => linear(ctx, x, 4, { bias: false }));
  assert.deepEqual(nb.ctx.record.params.map((p) => p.name), ["weight"]);
});

/** Per-channel batch mean and biased variance of an NCHW array. */
function channelStats(x: number[], [n, c, h, w]: number[]): { mean: number[]; var: number[] } {
  const mean: number[] = [];
  const variance: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const vals: number[] = [];
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < h * w; i++) vals.push(x[(b * c + ch) * h * w + i]);
    }
    const m = vals.reduce((a, v) => a + v, 0) / vals.length;
    mean.push(m);
    variance.push(vals.reduce((a, v) => a + (v - m) ** 2, 0) / vals.length);
  }
  return { mean, var: variance };
}

Deno.test("batchNorm2d: batch statistics in train, running statistics and their updates", async () => {
  const shape = [3, 2, 1, 2];
  const count = 6;
  const weight = [2, 0.5];
  const bias = [0.1, -0.3];
  const eps = 1e-5;
  const x1 = randomValues(12, 1, 2);
  const x2 = randomValues(12, 2, 3).map((v) => v + 1);
  const train = buildLayer("train", shape, (ctx, x) => batchNorm2d(ctx.scope("bn"), x));
  const exe = await compile(train, { overrides: { "bn.weight": weight, "bn.bias": bias } });
  const normalise = (x: number[], mean: number[], v: number[]) =>
    x.map((val, i) => {
      const ch = Math.floor(i / 2) % 2;
      return ((val - mean[ch]) / Math.sqrt(v[ch] + eps)) * weight[ch] + bias[ch];
    });

  let rm = [0, 0];
  let rv = [1, 1];
  for (const x of [x1, x2]) {
    const s = channelStats(x, shape);
    const y = (await exe.run(feedsFor(train, x))).y.data;
    assertClose(y, normalise(x, s.mean, s.var), 1e-10, "bn train output");
    rm = rm.map((r, c) => 0.9 * r + 0.1 * s.mean[c]);
    rv = rv.map((r, c) => 0.9 * r + 0.1 * s.var[c] * count / (count - 1));
    const st = await exe.readState(["bn.running_mean", "bn.running_var"]);
    assertClose(st["bn.running_mean"].data, rm, 1e-10, "running mean");
    assertClose(st["bn.running_var"].data, rv, 1e-10, "running var (unbiased)");
  }

  const evalB = buildLayer("eval", shape, (ctx, x) => batchNorm2d(ctx.scope("bn"), x));
  assert.equal(evalB.ctx.record.buffers.every((b) => b.update === undefined), true);
  const evalExe = await compile(evalB, {
    overrides: {
      "bn.weight": weight,
      "bn.bias": bias,
      "bn.running_mean": rm,
      "bn.running_var": rv,
    },
  });
  const y = (await evalExe.run(feedsFor(evalB, x1))).y.data;
  assertClose(y, normalise(x1, rm, rv), 1e-10, "bn eval output");
  assert.deepEqual(
    evalB.ctx.record.params.map((p) => [p.name, p.decay]),
    [["bn.weight", false], ["bn.bias", false]],
  );
});

Deno.test("batchNorm2d: a single value per channel cannot be trained", () => {
  assert.throws(
    () => buildLayer("train", [1, 2, 1, 1], (ctx, x) => batchNorm2d(ctx, x)),
    ActlabError,
  );
  assert.throws(() => buildLayer("eval", [2, 3], (ctx, x) => batchNorm2d(ctx, x)), ActlabError);
});

Deno.test("layerNorm: (x − mean)/√(var + eps)·w + b over the last axis", async () => {
  const x = [1, 2, 4, -3, 0, 0.5];
  const w = [1, 2, -1];
  const bias = [0, 1, 0.5];
  const eps = 1e-6;
  const want: number[] = [];
  for (let r = 0; r < 2; r++) {
    const row = x.slice(r * 3, r * 3 + 3);
    const m = (row[0] + row[1] + row[2]) / 3;
    const v = row.reduce((a, t) => a + (t - m) ** 2, 0) / 3;
    row.forEach((t, i) => want.push(((t - m) / Math.sqrt(v + eps)) * w[i] + bias[i]));
  }
  const b = buildLayer("eval", [2, 3], (ctx, x) => layerNorm(ctx.scope("ln"), x, { eps }));
  const exe = await compile(b, { overrides: { "ln.weight": w, "ln.bias": bias } });
  assertClose((await exe.run(feedsFor(b, x))).y.data, want, 1e-10, "layer norm");
});

/** Naive multi-head self-attention (timm layout of the fused qkv weight). */
function naiveAttention(
  x: number[],
  [batch, n, c]: number[],
  heads: number,
  wqkv: number[],
  bqkv: number[],
  wp: number[],
  bp: number[],
): number[] {
  const d = c / heads;
  const y: number[] = [];
  for (let b = 0; b < batch; b++) {
    const qkv: number[][] = [];
    for (let i = 0; i < n; i++) {
      const row: number[] = [];
      for (let j = 0; j < 3 * c; j++) {
        let s = bqkv[j];
        for (let k = 0; k < c; k++) s += x[(b * n + i) * c + k] * wqkv[j * c + k];
        row.push(s);
      }
      qkv.push(row);
    }
    const out: number[][] = Array.from({ length: n }, () => new Array(c).fill(0));
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < n; i++) {
        const scores: number[] = [];
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let t = 0; t < d; t++) s += qkv[i][h * d + t] * qkv[j][c + h * d + t];
          scores.push(s / Math.sqrt(d));
        }
        const mx = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - mx));
        const z = e.reduce((a, v) => a + v, 0);
        for (let j = 0; j < n; j++) {
          for (let t = 0; t < d; t++) out[i][h * d + t] += (e[j] / z) * qkv[j][2 * c + h * d + t];
        }
      }
    }
    for (let i = 0; i < n; i++) {
      for (let o = 0; o < c; o++) {
        let s = bp[o];
        for (let k = 0; k < c; k++) s += out[i][k] * wp[o * c + k];
        y.push(s);
      }
    }
  }
  return y;
}

Deno.test("selfAttention matches a naive per-head loop", async () => {
  for (const [shape, heads] of [[[2, 4, 6], 2], [[1, 3, 6], 3], [[2, 5, 4], 1]] as const) {
    const [, , c] = shape;
    const wqkv = randomValues(3 * c * c, 11, 0.5);
    const bqkv = randomValues(3 * c, 12, 0.2);
    const wp = randomValues(c * c, 13, 0.5);
    const bp = randomValues(c, 14, 0.2);
    const x = randomValues(sizeOf(shape), 15);
    const b = buildLayer("eval", shape, (ctx, x) => selfAttention(ctx, x, { numHeads: heads }));
    assert.deepEqual(b.y.shape, shape);
    const exe = await compile(b, {
      overrides: { "qkv.weight": wqkv, "qkv.bias": bqkv, "proj.weight": wp, "proj.bias": bp },
    });
    const want = naiveAttention(x, [...shape], heads, wqkv, bqkv, wp, bp);
    assertClose((await exe.run(feedsFor(b, x))).y.data, want, 1e-10, `attention ${shape}`);
  }
  assert.throws(
    () => buildLayer("eval", [1, 2, 5], (ctx, x) => selfAttention(ctx, x, { numHeads: 2 })),
    ActlabError,
  );
  const nb = buildLayer(
    "eval",
    [1, 2, 4],
    (ctx, x) => selfAttention(ctx, x, { numHeads: 2, qkvBias: false }),
  );
  assert.deepEqual(
    nb.ctx.record.params.map((p) => p.name),
    ["qkv.weight", "proj.weight", "proj.bias"],
  );
});

Deno.test("patchEmbed: per-patch projection in row-major patch order", async () => {
  const shape = [2, 2, 4, 6];
  const p = 2;
  const e = 3;
  const w = randomValues(e * 2 * p * p, 21);
  const bias = [0.1, -0.2, 0.3];
  const x = randomValues(sizeOf(shape), 22);
  const b = buildLayer("eval", shape, (ctx, x) => patchEmbed(ctx.scope("pe"), x, p, e));
  assert.deepEqual(b.y.shape, [2, 6, 3]);
  const exe = await compile(b, { overrides: { "pe.proj.weight": w, "pe.proj.bias": bias } });
  const want: number[] = [];
  for (let n = 0; n < 2; n++) {
    for (let py = 0; py < 2; py++) {
      for (let px = 0; px < 3; px++) {
        for (let o = 0; o < e; o++) {
          let s = bias[o];
          for (let c = 0; c < 2; c++) {
            for (let ky = 0; ky < p; ky++) {
              for (let kx = 0; kx < p; kx++) {
                s += w[((o * 2 + c) * p + ky) * p + kx] *
                  x[((n * 2 + c) * 4 + py * p + ky) * 6 + px * p + kx];
              }
            }
          }
          want.push(s);
        }
      }
    }
  }
  assertClose((await exe.run(feedsFor(b, x))).y.data, want, 1e-10, "patch embed");
  assert.throws(
    () => buildLayer("eval", [1, 1, 6, 6], (ctx, x) => patchEmbed(ctx, x, 4, 8)),
    (err: unknown) => err instanceof ActlabError && err.message.includes("does not tile"),
  );
});

Deno.test("class token, position embedding and token pooling", async () => {
  const b = buildLayer("eval", [2, 3, 2], (ctx, x) => {
    const t = addPositionEmbedding(ctx, prependClassToken(ctx, x));
    return poolTokens(t, "token");
  });
  assert.deepEqual(b.y.shape, [2, 2]);
  const specs = b.ctx.record.params.map((p) => [p.name, p.tensor.shape, p.decay]);
  assert.deepEqual(specs, [["cls_token", [1, 1, 2], false], ["pos_embed", [1, 4, 2], false]]);
  const exe = await compile(b, {
    overrides: { cls_token: [5, 6], pos_embed: [1, 2, 0, 0, 0, 0, 0, 0] },
  });
  const y = (await exe.run(feedsFor(b, randomValues(12, 3)))).y.data;
  assertClose(y, [6, 8, 6, 8], 1e-12, "class token + pos[0]");
  const avg = buildLayer("eval", [1, 3, 2], (_, x) => poolTokens(x, "avg"));
  const aexe = await compile(avg);
  const ay = (await aexe.run(feedsFor(avg, [9, 9, 1, 2, 3, 6]))).y.data;
  assertClose(ay, [2, 4], 1e-12, "avg pool skips the class token");
  const g = buildLayer("eval", [1, 2, 1, 2], (_, x) => globalAvgPool2d(x));
  const gexe = await compile(g);
  assertClose((await gexe.run(feedsFor(g, [1, 3, 2, 6]))).y.data, [2, 4], 1e-12, "gap");
});

Deno.test("dropoutMask: a pure function of (seed, step, key) with the right keep rate", () => {
  const m = (seed: number, step: number, key: string, n = 4096, rate = 0.25) =>
    Array.from(dropoutMask(seed, step, key, [n], rate).data);
  assert.deepEqual(m(7, 3, "a.mask"), m(7, 3, "a.mask"));
  assert.notDeepEqual(m(7, 3, "a.mask"), m(7, 4, "a.mask"));
  assert.notDeepEqual(m(7, 3, "a.mask"), m(8, 3, "a.mask"));
  assert.notDeepEqual(m(7, 3, "a.mask"), m(7, 3, "b.mask"));
  const big = m(1, 0, "k", 200_000, 0.25);
  assert.ok(big.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6), "values are 0 or 1/(1-p)");
  const keep = big.filter((v) => v > 0).length / big.length;
  assert.ok(Math.abs(keep - 0.75) < 0.005, `keep rate ${keep}`);
  assert.ok(m(1, 0, "k", 100, 0).every((v) => v === 1));
  assert.throws(() => dropoutMask(1, 0, "k", [4], 1), ActlabError);
  assert.throws(() => dropoutMask(1, 0, "k", [4], -0.1), ActlabError);
});

Deno.test("dropout and dropPath: host-fed masks in train, identity in eval", async () => {
  const x = randomValues(24, 31);
  const train = buildLayer("train", [2, 3, 4], (ctx, x) => dropout(ctx.scope("drop"), x, 0.5));
  assert.deepEqual([...train.ctx.record.hostFeeds.keys()], ["drop.mask"]);
  const exe = await compile(train);
  const feeds = feedsFor(train, x, { step: 9, seed: 3 });
  const mask = dropoutMask(3, 9, "drop.mask", [2, 3, 4], 0.5).data;
  assertClose(feeds["drop.mask"].data, mask, 0, "feed is the mask");
  const y = (await exe.run(feeds)).y.data;
  assertClose(y, x.map((v, i) => v * mask[i]), 1e-12, "dropout output");

  const dp = buildLayer("train", [8, 3, 2], (ctx, x) => dropPath(ctx.scope("dp"), x, 0.5));
  const dpMask = dp.ctx.record.hostFeeds.get("dp.mask")!;
  assert.deepEqual(dpMask.tensor.shape, [8, 1, 1]);
  const dexe = await compile(dp);
  const dy = (await dexe.run(feedsFor(dp, randomValues(48, 32), { step: 1 }))).y.data;
  const mk = dropoutMask(0, 1, "dp.mask", [8, 1, 1], 0.5).data;
  for (let s = 0; s < 8; s++) {
    const row = Array.from(dy.slice(s * 6, s * 6 + 6));
    if (mk[s] === 0) assert.ok(row.every((v) => v === 0), `sample ${s} dropped whole`);
    else assert.ok(row.some((v) => v !== 0), `sample ${s} kept`);
  }

  for (const phase of ["eval", "train"] as const) {
    const rate = phase === "eval" ? 0.5 : 0;
    const id = buildLayer(phase, [2, 3], (ctx, x) => dropPath(ctx, dropout(ctx, x, rate), rate));
    assert.equal(id.y.id, id.x.id, `${phase} with rate ${rate} is the identity`);
    assert.equal(id.ctx.record.hostFeeds.size, 0);
  }
  assert.throws(() => buildLayer("train", [2, 3], (ctx, x) => dropout(ctx, x, 1)), ActlabError);
});

Deno.test("initialState: seeded, per-name keys, torchvision/timm recipes", () => {
  const b = buildLayer("eval", [2, 16, 8, 8], (ctx, x) => {
    const c = conv2d(ctx.scope("conv"), x, 64, { kernel: 3, padding: 1 });
    const t = linear(ctx.scope("fc"), globalAvgPool2d(c), 300);
    return linear(ctx.scope("vit"), t, 400, { init: "vit" });
  });
  const s1 = initialState(b.ctx.record, 42);
  const s2 = initialState(b.ctx.record, 42);
  const s3 = initialState(b.ctx.record, 43);
  assert.deepEqual(s1["conv.weight"].data, s2["conv.weight"].data);
  assert.notDeepEqual(s1["conv.weight"].data, s3["conv.weight"].data);
  const std = (a: ArrayLike<number>) => {
    const m = Array.from(a).reduce((s, v) => s + v, 0) / a.length;
    return Math.sqrt(Array.from(a).reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
  };
  // Kaiming normal, fan_out = 64·3·3.
  const convStd = std(s1["conv.weight"].data);
  assert.ok(Math.abs(convStd / Math.sqrt(2 / 576) - 1) < 0.05, `conv std ${convStd}`);
  // nn.Linear default: U(±1/√fan_in) for weight and bias.
  const bound = 1 / Math.sqrt(64);
  for (const k of ["fc.weight", "fc.bias"]) {
    const d = Array.from(s1[k].data);
    assert.ok(d.every((v) => Math.abs(v) <= bound) && d.some((v) => Math.abs(v) > 0.9 * bound));
  }
  // timm ViT linear: trunc-normal 0.02, zero bias.
  const vitStd = std(s1["vit.weight"].data);
  assert.ok(Math.abs(vitStd / 0.02 - 1) < 0.03, `vit std ${vitStd}`);
  assert.ok(Array.from(s1["vit.bias"].data).every((v) => v === 0));
  assert.deepEqual(
    b.ctx.record.params.map((p) => [p.name, p.decay]),
    [
      ["conv.weight", true],
      ["fc.weight", true],
      ["fc.bias", false],
      ["vit.weight", true],
      ["vit.bias", false],
    ],
  );
});

Deno.test("layers: parameter gradients match finite differences", async () => {
  let n = 0;
  n += await spotCheckParams((ctx, x) => selfAttention(ctx, x, { numHeads: 2 }), [2, 3, 4]);
  n += await spotCheckParams(
    (ctx, x) => batchNorm2d(ctx.scope("bn"), conv2d(ctx.scope("conv"), x, 3, { kernel: 3 })),
    [2, 2, 4, 4],
  );
  n += await spotCheckParams((ctx, x) => {
    const t = addPositionEmbedding(ctx, prependClassToken(ctx, patchEmbed(ctx, x, 2, 4)));
    return linear(ctx.scope("head"), poolTokens(layerNorm(ctx.scope("ln"), t), "token"), 3);
  }, [2, 1, 4, 4]);
  assert.ok(n >= 20, `checked ${n} entries`);
});
