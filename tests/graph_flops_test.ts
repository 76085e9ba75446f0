/** The contraction-FLOP count behind the benchmarks' GFLOP/s figures. */
import assert from "node:assert/strict";
import { Graph } from "../core/graph.ts";
import { conv2d, conv2dFilterGrad, conv2dInputGrad, matmul, tanh } from "../core/ops.ts";
import { contractionFlops } from "../bench/graph_flops.ts";

Deno.test("flops: matmul counts 2·M·N·K per batch, honouring transA", () => {
  const g = new Graph();
  const a = g.input("a", [3, 8, 4]); // transA: [3, 4, 8] as a, k = 8
  const b = g.input("b", [3, 8, 16]);
  matmul(a, b, true, false); // out [3, 4, 16]
  assert.equal(contractionFlops(g), 2 * 3 * 4 * 16 * 8);
});

Deno.test("flops: conv2d and both its gradients cost the same, elementwise costs nothing", () => {
  const g = new Graph();
  const x = g.input("x", [2, 4, 8, 8]);
  const w = g.input("w", [6, 2, 3, 3]);
  const opts = { padding: 1, groups: 2 };
  const y = conv2d(x, w, opts); // [2, 6, 8, 8]: each output meets 2·3·3 weights
  const forward = 2 * (2 * 6 * 8 * 8) * (2 * 3 * 3);
  assert.equal(contractionFlops(g), forward);
  tanh(y);
  assert.equal(contractionFlops(g), forward);
  conv2dInputGrad(y, w, x.shape, opts);
  conv2dFilterGrad(x, y, w.shape, opts);
  assert.equal(contractionFlops(g), 3 * forward);
});
