/**
 * The layers PVT and TNT add: spatial-reduction attention
 * (`nn/sr_attention.ts`) and TNT's unfold / pixel embedding
 * (`nn/pixel_embed.ts`). Each is checked against a direct computation, its
 * gradients (input and every parameter) against central finite differences
 * on reference in float64, and its forward output and gradients on ort-cpu,
 * webgpu, tfjs-wasm and tfjs-cpu against reference (parity.ts tolerance
 * 1e-4). They are compositions of catalogue ops (no new op), so these checks
 * are of the composition: shapes, orders, the reduction path.
 */
import assert from "node:assert/strict";
import { grad } from "../core/autodiff.ts";
import type { Tensor } from "../core/graph.ts";
import { type HostTensor, hostTensor, sizeOf } from "../core/host_tensor.ts";
import { constant, mul, sum } from "../core/ops.ts";
import type { Backend } from "../backends/backend.ts";
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { tfjsCpuBackend, tfjsWasmBackend } from "../backends/tfjs/mod.ts";
import { webgpuBackend } from "../backends/webgpu/mod.ts";
import { initialState } from "../nn/init.ts";
import { pixelEmbed, unfoldWindows } from "../nn/pixel_embed.ts";
import { spatialReductionAttention } from "../nn/sr_attention.ts";
import type { BuildContext } from "../plugin/context.ts";
import { buildLayer, compile, feedsFor, randomValues, spotCheckParams } from "./build_harness.ts";
import { lcg } from "./gradcheck.ts";
import { ortAvailability } from "./ort_support.ts";
import { assertClose, toF32Feeds } from "./parity.ts";
import { gpuTest } from "./webgpu_support.ts";

type LayerFn = (ctx: BuildContext, x: Tensor) => Tensor;

/** The layer's graph with loss = Σ y·R and the gradients of x and of every parameter as outputs. */
function layerWithGrads(f: LayerFn, xShape: number[]) {
  const b = buildLayer("train", xShape, f);
  const rand = lcg(3);
  const r = Float64Array.from({ length: sizeOf(b.y.shape) }, () => rand() * 2 - 1);
  const loss = sum(mul(b.y, constant(b.y, hostTensor("f32", b.y.shape, r))));
  b.graph.output("loss", loss);
  const wrt = [b.x, ...b.ctx.record.params.map((p) => p.tensor)];
  grad(b.graph, loss, wrt).grads.forEach((g, i) => b.graph.output(`grad${i}`, g));
  const feeds = feedsFor(b, randomValues(sizeOf(xShape), 7));
  const state = initialState(b.ctx.record, 5);
  return { b, feeds, state };
}

/** Central finite differences of the loss in x (float64 reference) against grad0. */
async function checkInputGradient(f: LayerFn, xShape: number[], points = 12): Promise<void> {
  const { b, feeds, state } = layerWithGrads(f, xShape);
  const exe = await compile(b, { seed: 5 });
  await exe.writeState(state);
  const g = (await exe.run(feeds)).grad0.data;
  const x = feeds.x.data as Float64Array;
  const rand = lcg(21);
  for (let k = 0; k < points; k++) {
    const j = Math.floor(rand() * x.length);
    const orig = x[j];
    x[j] = orig + 1e-5;
    const lp = (await exe.run(feeds)).loss.data[0];
    x[j] = orig - 1e-5;
    const lm = (await exe.run(feeds)).loss.data[0];
    x[j] = orig;
    const fd = (lp - lm) / 2e-5;
    assert.ok(
      Math.abs(fd - g[j]) <= 1e-5 * (1 + Math.abs(fd)),
      `d loss/d x[${j}]: ${g[j]} vs ${fd}`,
    );
  }
}

/** Forward output, loss and every gradient on `backend` against reference (float32). */
async function checkParity(backend: Backend, f: LayerFn, xShape: number[]): Promise<void> {
  const { b, feeds, state } = layerWithGrads(f, xShape);
  const f32 = toF32Feeds(feeds);
  const f32State: Record<string, HostTensor> = toF32Feeds(state);
  const ref = await referenceBackend.compile(b.graph);
  await ref.writeState(f32State);
  const want = await ref.run(f32);
  const exe = await backend.compile(b.graph);
  try {
    await exe.writeState(f32State);
    const got = await exe.run(f32);
    for (const name of Object.keys(want)) {
      assertClose(`${backend.name} ${name}`, got[name], want[name]);
    }
  } finally {
    exe.dispose();
    ref.dispose();
  }
}

const LAYERS: Record<string, { f: LayerFn; shape: number[] }> = {
  // 4x4 grid, keys reduced 2x2 → 2x2 = 4 keys, 2 heads.
  "sr attention r=2": {
    f: (ctx, x) =>
      spatialReductionAttention(ctx, x, { numHeads: 2, srRatio: 2, grid: [4, 4], qkvBias: true }),
    shape: [2, 16, 4],
  },
  // Ratio 1 with a class token in front of a 2x2 grid (PVT's last stage).
  "sr attention r=1 + class token": {
    f: (ctx, x) => spatialReductionAttention(ctx, x, { numHeads: 2, srRatio: 1, grid: [2, 2] }),
    shape: [2, 5, 4],
  },
  // 8 px, patch 4, stride 2: 4 patches of 2x2 pixels, inner width 3.
  "pixel embed": {
    f: (ctx, x) => pixelEmbed(ctx, x, { patchSize: 4, stride: 2, innerDim: 3 }),
    shape: [2, 2, 8, 8],
  },
};

Deno.test("unfoldWindows is nn.Unfold(k, stride=k) read as [B·N, k², C]", async () => {
  const [bn, c, h, w, k] = [2, 3, 4, 6, 2];
  const b = buildLayer("eval", [bn, c, h, w], (_, x) => unfoldWindows(x, k));
  assert.deepEqual(b.y.shape, [bn * (h / k) * (w / k), k * k, c]);
  const xs = randomValues(bn * c * h * w, 2);
  const y = (await (await compile(b)).run(feedsFor(b, xs))).y.data;
  const [gh, gw] = [h / k, w / k];
  for (let n = 0; n < bn; n++) {
    for (let i = 0; i < gh; i++) {
      for (let j = 0; j < gw; j++) {
        for (let u = 0; u < k; u++) {
          for (let v = 0; v < k; v++) {
            for (let ch = 0; ch < c; ch++) {
              const row = (n * gh + i) * gw + j;
              const got = y[(row * k * k + u * k + v) * c + ch];
              const want = xs[((n * c + ch) * h + i * k + u) * w + j * k + v];
              assert.equal(got, want, `window (${n}, ${i}, ${j}) pixel (${u}, ${v}) channel ${ch}`);
            }
          }
        }
      }
    }
  }
});

Deno.test("spatial-reduction attention with ratio r keeps N queries and attends over N/r² keys", () => {
  const b = buildLayer("eval", [2, 16, 4], LAYERS["sr attention r=2"].f);
  assert.deepEqual(b.y.shape, [2, 16, 4]);
  const softmaxIn = b.graph.nodes.filter((n) => n.op === "softmax").map((n) => n.shape);
  assert.deepEqual(softmaxIn, [[2, 2, 16, 4]], "[B, heads, N, N/r²]");
  const names = b.ctx.record.params.map((p) => p.name).sort();
  assert.deepEqual(names, [
    "kv.bias",
    "kv.weight",
    "norm.bias",
    "norm.weight",
    "proj.bias",
    "proj.weight",
    "q.bias",
    "q.weight",
    "sr.bias",
    "sr.weight",
  ]);
  assert.throws(
    () => buildLayer("eval", [2, 17, 4], LAYERS["sr attention r=2"].f),
    /prefix tokens only with ratio 1/,
  );
});

for (const [name, { f, shape }] of Object.entries(LAYERS)) {
  Deno.test(`${name}: gradients of the input and every parameter match finite differences`, async () => {
    await checkInputGradient(f, shape);
    const n = await spotCheckParams(f, shape, { points: 3 });
    assert.ok(n >= 9, `checked ${n} parameter entries`);
  });
}

const ortOk = await ortAvailability(ortCpuBackend);
for (const [name, { f, shape }] of Object.entries(LAYERS)) {
  Deno.test({
    name: `ort-cpu ${name}: output and gradients match reference`,
    ignore: !ortOk,
    fn: () => checkParity(ortCpuBackend, f, shape),
  });
  gpuTest(
    `webgpu ${name}: output and gradients match reference`,
    () => checkParity(webgpuBackend, f, shape),
  );
  Deno.test(`tfjs-wasm, tfjs-cpu ${name}: output and gradients match reference`, async () => {
    await checkParity(tfjsWasmBackend, f, shape);
    await checkParity(tfjsCpuBackend, f, shape);
  });
}
