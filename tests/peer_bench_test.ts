/** The peer-bench table arithmetic: medians, img/s, step ÷ ReLU step, actlab ÷ PyTorch. */
import assert from "node:assert/strict";
import { median, peerEnv, type StepTimes, tableRows } from "../bench/peer_bench.ts";

Deno.test("peer bench: median of odd and even counts", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

Deno.test("peer bench: rows give img/s, ratios to ReLU and to the peer", () => {
  const runs: StepTimes[] = [
    {
      backend: "ort-cpu",
      activation: "relu",
      flops: 2e9,
      peakBytes: 2 ** 20,
      times: [100, 90, 110],
    },
    {
      backend: "ort-cpu",
      activation: "dpa",
      flops: 2e9,
      peakBytes: 2 ** 21,
      times: [103, 102, 104],
    },
    { backend: "onednn-cpu", activation: "relu", flops: 2e9, peakBytes: 2 ** 20, times: [50] },
    { backend: "onednn-cpu", activation: "dpa", flops: 2e9, peakBytes: 2 ** 20, times: [51] },
  ];
  const peer = [
    { activation: "relu", img_per_s: 640, threads: 2, torch: "x" },
    { activation: "dpa", img_per_s: 1000, threads: 2, torch: "x" },
  ];
  const [relu, dpa, onednnRelu, onednnDpa] = tableRows("m", 128, runs, peer);
  // 128 images in 100 ms = 1280 img/s; 2 GFLOP in 100 ms = 20 GFLOP/s; 1280 / 640 = 2.00×.
  assert.equal(relu, "| m | ort-cpu | relu | 1280.0 | 20 | 1.000 | 1 | 640.0 | 2.00× |");
  // 128 / 0.103 s = 1242.7 img/s; 103 / 100 = 1.030; 1242.7 / 1000 = 1.24×.
  assert.equal(dpa, "| m | ort-cpu | dpa | 1242.7 | 19 | 1.030 | 2 | 1000.0 | 1.24× |");
  // Each backend's DPA step is divided by its own ReLU step: 51 / 50 = 1.020.
  assert.equal(onednnRelu, "| m | onednn-cpu | relu | 2560.0 | 40 | 1.000 | 1 | 640.0 | 4.00× |");
  assert.equal(onednnDpa, "| m | onednn-cpu | dpa | 2509.8 | 39 | 1.020 | 1 | 1000.0 | 2.51× |");
  const noPeer = tableRows("m", 128, runs, "no torch");
  assert.match(noPeer[0], /\| — \| — \|$/);
});

Deno.test("peer bench: OpenBLAS is pointed at its AVX-512 kernels only on an AVX-512 CPU", () => {
  const avx512 = "flags\t\t: fpu sse2 avx2 avx512f avx512bw\n";
  assert.deepEqual(peerEnv(avx512, undefined), { OPENBLAS_CORETYPE: "SkylakeX" });
  assert.deepEqual(peerEnv("flags\t\t: fpu sse2 avx2 fma\n", undefined), {});
  assert.deepEqual(peerEnv("", undefined), {});
  // The user's own setting wins: nothing is added.
  assert.deepEqual(peerEnv(avx512, "Haswell"), {});
});
