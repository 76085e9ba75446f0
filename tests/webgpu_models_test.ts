/**
 * Full training steps on webgpu against reference: every model × {relu,
 * gelu, dpa} at a small size — forward, loss (with DPA's channel loss),
 * backward, AdamW — compared after each of 3 steps (1 for resnet18): outputs
 * and every state tensor (parameters, moments, BatchNorm statistics, DPA
 * memories). Sizes and criteria are those of tests/ort_models_test.ts, which
 * explains them: tensors are compared norm-wise, max|gpu − ref| ≤ rtol ·
 * max|ref| (1e-4; resnet18 1e-3, one step, parameters skipped), because
 * after AdamW an element with a near-zero gradient moves by ±lr set by
 * rounding noise, and BatchNorm over 4 values amplifies float32 rounding.
 */
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import "../models/mod.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { webgpuBackend } from "../backends/webgpu/mod.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import { listModels, type ModelOptions } from "../models/registry.ts";
import { resolveConfig } from "../train/config.ts";
import { type DataShape, Session } from "../train/session.ts";
import { lcg } from "./gradcheck.ts";
import { gpuTest } from "./webgpu_support.ts";

const SMALL: Record<
  string,
  {
    shape: [number, number, number];
    batch: number;
    options: ModelOptions;
    rtol?: number;
    steps?: number;
    skipParams?: boolean;
  }
> = {
  mlp: { shape: [1, 6, 6], batch: 6, options: { widths: [12, 8] } },
  convnet: { shape: [3, 8, 8], batch: 6, options: { channels: [4, 6] } },
  resnet18: { shape: [3, 4, 4], batch: 4, options: {}, rtol: 1e-3, steps: 1, skipParams: true },
  vit_micro: {
    shape: [3, 8, 8],
    batch: 6,
    options: { embedDim: 8, depth: 2, numHeads: 2, patchSize: 4, qkvBias: false },
  },
  vit_tiny: {
    shape: [3, 8, 8],
    batch: 6,
    options: { embedDim: 12, depth: 1, numHeads: 3, patchSize: 4, qkvBias: false },
  },
};

/** max|got − want| ≤ rtol · max|want|. */
function assertNormClose(name: string, got: HostTensor, want: HostTensor, rtol: number): void {
  let diff = 0;
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    if (!(d <= diff)) [diff, worst] = [d, i];
    scale = Math.max(scale, Math.abs(want.data[i]));
  }
  if (!(diff <= rtol * scale + 1e-30)) {
    throw new Error(
      `${name}: max |diff| ${diff.toExponential(2)} at [${worst}] (got ${got.data[worst]}, ` +
        `reference ${want.data[worst]}) exceeds ${rtol} × max |ref| ${scale.toExponential(2)}`,
    );
  }
}

for (const model of listModels()) {
  for (const activation of ["relu", "gelu", "dpa"]) {
    gpuTest(`webgpu ${model} × ${activation}: training steps match reference`, async () => {
      const small = SMALL[model];
      if (!small) throw new Error(`no small configuration for model "${model}": add one`);
      const config = resolveConfig({
        out: "/tmp/unused",
        model,
        modelOptions: small.options,
        activation,
        // DPA memories update every other step, so both paths run.
        activationOptions: activation === "dpa" ? { updateInterval: 2 } : {},
        batchSize: small.batch,
        evalBatchSize: small.batch,
        seed: 3,
      });
      const data: DataShape = {
        inputShape: small.shape,
        numClasses: 4,
        mean: small.shape[0] === 1 ? [0.5] : [0.5, 0.4, 0.3],
        std: small.shape[0] === 1 ? [0.25] : [0.25, 0.2, 0.3],
      };
      const ref = await Session.create(config, data, referenceBackend);
      const gpu = await Session.create(config, data, webgpuBackend);
      try {
        const rand = lcg(17);
        const params = new Set(ref.trainStep.record.params.map((p) => p.name));
        const n = small.batch * small.shape.reduce((a, b) => a * b, 1);
        for (let step = 0; step < (small.steps ?? 3); step++) {
          const x = Float32Array.from({ length: n }, () => rand());
          const labels = Int32Array.from({ length: small.batch }, (_, i) => (i * 3 + step) % 4);
          const feeds = ref.trainFeeds(x, labels, step, 1e-2);
          const want = await ref.trainExe.run(feeds);
          const got = await gpu.trainExe.run(feeds);
          const rtol = small.rtol ?? 1e-4;
          const tag = `${model}/${activation} step ${step}`;
          for (const k of Object.keys(want)) assertNormClose(`${tag} ${k}`, got[k], want[k], rtol);
          const ws = await ref.trainExe.readState();
          const gs = await gpu.trainExe.readState();
          for (const k of Object.keys(ws)) {
            if (params.has(k) && small.skipParams) continue;
            assertNormClose(`${tag} state ${k}`, gs[k], ws[k], rtol);
          }
        }
      } finally {
        ref.dispose();
        gpu.dispose();
      }
    });
  }
}
