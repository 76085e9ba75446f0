/**
 * Attention with a key padding mask (nn/attention.ts): padded keys get
 * exactly zero probability, a padded sequence's tokens see what the
 * unpadded sequence's tokens see (i32 and f32 masks), the weights' gradients
 * match finite differences with a mask, the masked weights agree with
 * reference on ort-cpu, webgpu, tfjs-wasm and tfjs-cpu, and without a mask
 * the graph is the unmasked one.
 */
import assert from "node:assert/strict";
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { tfjsCpuBackend, tfjsWasmBackend } from "../backends/tfjs/mod.ts";
import { webgpuBackend } from "../backends/webgpu/mod.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { ActlabError } from "../core/errors.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { hostTensor } from "../core/host_tensor.ts";
import { mul } from "../core/ops.ts";
import { attentionWeights, keyMaskBias, selfAttention } from "../nn/attention.ts";
import { buildLayer, compile, randomValues } from "./build_harness.ts";
import { type GradCase, gradCheck } from "./gradcheck.ts";
import { parityCheck } from "./parity.ts";
import { ortAvailability } from "./ort_support.ts";
import { gpuTest } from "./webgpu_support.ts";

const B = 2, H = 2, N = 5, D = 3;
/** Row 0 has 3 tokens, row 1 has 5 (no padding). */
const MASK = [1, 1, 1, 0, 0, 1, 1, 1, 1, 1];

/** Masked attention weights of per-head q, k [B, H, N, D] (mask as input x2, not differentiated). */
function weightsCase(dtype: "f32" | "i32"): GradCase {
  return {
    op: "attention",
    name: `masked weights, ${dtype} mask`,
    inputs: [
      { shape: [B, H, N, D] },
      { shape: [B, H, N, D] },
      { shape: [B, N], dtype, values: MASK, noGrad: true },
    ],
    build: (q: Tensor, k: Tensor, m: Tensor) => attentionWeights(mul(q, 0.7), k, keyMaskBias(m)),
  };
}

Deno.test("masked keys get exactly zero attention probability", async () => {
  for (const dtype of ["f32", "i32"] as const) {
    const g = new Graph();
    const q = g.input("q", [B, H, N, D]), k = g.input("k", [B, H, N, D]);
    const m = g.input("m", [B, N], dtype);
    g.output("p", attentionWeights(q, k, keyMaskBias(m)));
    for (const precision of ["f32", "f64"] as const) {
      const exe = await referenceBackend.compile(g, { precision });
      const big = (s: number) => randomValues(B * H * N * D, s, 30); // large scores too
      const p = (await exe.run({
        q: hostTensor("f32", [B, H, N, D], big(1)),
        k: hostTensor("f32", [B, H, N, D], big(2)),
        m: hostTensor(dtype, [B, N], MASK),
      })).p.data;
      for (let b = 0; b < B; b++) {
        for (let r = 0; r < H * N; r++) {
          let total = 0;
          for (let j = 0; j < N; j++) {
            const v = p[(b * H * N + r) * N + j];
            if (MASK[b * N + j] === 0) assert.equal(v, 0, `${dtype}/${precision} b${b} key ${j}`);
            total += v;
          }
          assert.ok(Math.abs(total - 1) < 1e-5, `row sums to ${total}`);
        }
      }
    }
  }
});

Deno.test("a padded sequence's tokens see exactly what the unpadded sequence's tokens see", async () => {
  const c = 4, heads = 2, len = 3, n = 6;
  const x = randomValues(n * c, 3);
  const build = (tokens: number, mask?: "f32" | "i32") =>
    buildLayer("eval", [1, tokens, c], (ctx, xt) => {
      const m = mask ? ctx.graph.input("m", [1, tokens], mask) : undefined;
      return selfAttention(ctx, xt, { numHeads: heads, keyMask: m });
    });
  const short = build(len);
  const shortExe = await compile(short);
  const want = (await shortExe.run({ x: hostTensor("f32", [1, len, c], x.slice(0, len * c)) }))
    .y.data;
  for (const dtype of ["f32", "i32"] as const) {
    const padded = build(n, dtype);
    const exe = await compile(padded);
    const mask = Array.from({ length: n }, (_, i) => (i < len ? 1 : 0));
    // The padding tokens hold arbitrary values: they must not matter.
    const y = (await exe.run({
      x: hostTensor("f32", [1, n, c], x.map((v, i) => (i < len * c ? v : 100 * v))),
      m: hostTensor(dtype, [1, n], mask),
    })).y.data;
    for (let i = 0; i < len * c; i++) {
      assert.ok(Math.abs(y[i] - want[i]) < 1e-12, `${dtype} [${i}]: ${y[i]} vs ${want[i]}`);
    }
  }
});

Deno.test("gradcheck attention weights with a padding mask (f32 and i32 masks)", async () => {
  for (const dtype of ["f32", "i32"] as const) {
    const r = await gradCheck(weightsCase(dtype));
    assert.ok(r.checked >= 48, `checked ${r.checked}`);
  }
});

Deno.test("without a mask the attention graph has no masking nodes; a bad mask is an error", () => {
  const plain = buildLayer("eval", [2, 4, 4], (ctx, x) => selfAttention(ctx, x, { numHeads: 2 }));
  const ops = plain.graph.nodes.map((n) => n.op);
  assert.ok(!ops.includes("where") && !ops.includes("eq"), ops.join(","));
  const masked = buildLayer(
    "eval",
    [2, 4, 4],
    (ctx, x) =>
      selfAttention(ctx, x, { numHeads: 2, keyMask: ctx.graph.input("m", [2, 4], "f32") }),
  );
  // The masked graph is the plain one plus the bias (eq, where, reshape, its scalars) and one add.
  assert.ok(masked.graph.nodes.length > ops.length);
  assert.throws(
    () =>
      buildLayer(
        "eval",
        [2, 4, 4],
        (ctx, x) =>
          selfAttention(ctx, x, { numHeads: 2, keyMask: ctx.graph.input("m", [2, 3], "f32") }),
      ),
    (e: unknown) => e instanceof ActlabError && /key mask \[2,3\]/.test(e.message),
  );
  const g = new Graph();
  assert.throws(() => keyMaskBias(g.input("m", [2, 3, 1])), ActlabError);
});

const ortOk = await ortAvailability(ortCpuBackend);
for (const dtype of ["f32", "i32"] as const) {
  Deno.test({
    name: `ort-cpu parity: masked attention weights (${dtype} mask)`,
    ignore: !ortOk,
    fn: () => parityCheck(ortCpuBackend, weightsCase(dtype)),
  });
  for (const backend of [tfjsWasmBackend, tfjsCpuBackend]) {
    Deno.test(
      `${backend.name} parity: masked attention weights (${dtype} mask)`,
      () => parityCheck(backend, weightsCase(dtype)),
    );
  }
  gpuTest(
    `webgpu parity: masked attention weights (${dtype} mask)`,
    () => parityCheck(webgpuBackend, weightsCase(dtype)),
  );
}
