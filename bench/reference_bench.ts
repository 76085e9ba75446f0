/**
 * Reference-backend timings of the two coarse ops everything else leans on:
 * a 512×512×512 matmul and a [8,64,32,32]⊛[64,64,3,3] conv2d (padding 1).
 * Run: `deno task bench` (or `deno bench bench/reference_bench.ts`).
 */
import { referenceBackend } from "../backends/reference/mod.ts";
import { Graph } from "../core/graph.ts";
import { type HostTensor, hostTensor, sizeOf } from "../core/host_tensor.ts";
import { conv2d, matmul } from "../core/ops.ts";

function random(shape: number[]): HostTensor {
  const n = sizeOf(shape);
  const data = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 4294967296 - 0.5;
  }
  return hostTensor("f32", shape, data);
}

const mm = new Graph();
mm.output("y", matmul(mm.input("a", [512, 512]), mm.input("b", [512, 512])));
const mmExe = await referenceBackend.compile(mm);
const mmFeeds = { a: random([512, 512]), b: random([512, 512]) };

const cv = new Graph();
cv.output(
  "y",
  conv2d(cv.input("x", [8, 64, 32, 32]), cv.input("w", [64, 64, 3, 3]), { padding: 1 }),
);
const cvExe = await referenceBackend.compile(cv);
const cvFeeds = { x: random([8, 64, 32, 32]), w: random([64, 64, 3, 3]) };

Deno.bench({
  name: "reference matmul 512x512x512 (0.27 GFLOP)",
  group: "reference",
  n: 10,
  async fn() {
    await mmExe.run(mmFeeds);
  },
});

Deno.bench({
  name: "reference conv2d [8,64,32,32]*[64,64,3,3] pad 1 (0.60 GFLOP)",
  group: "reference",
  n: 5,
  async fn() {
    await cvExe.run(cvFeeds);
  },
});
