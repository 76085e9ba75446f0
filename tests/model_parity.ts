/**
 * Full training steps of one backend against reference, shared by the
 * per-backend model tests: every model × {relu, gelu, dpa} at a small size —
 * forward, loss (with DPA's channel loss), backward, AdamW — compared after
 * each of 3 steps (1 for resnet18): loss terms, logits and every state
 * tensor (parameters, moments, BatchNorm statistics, DPA memories). DPA's
 * other mask criteria (the Table 3 controls `dpa:forward`, …) run on one
 * small model only: they differ from `dpa` in the mask alone.
 *
 * Tensors are compared norm-wise: max|got − ref| ≤ rtol · max|ref| (rtol
 * 1e-4 unless a model says otherwise). Element-wise comparison, as the op
 * tests use, is not meaningful after AdamW: its first steps are close to
 * sign(gradient)·lr, so an element whose gradient is tiny moves by a relative
 * amount set by rounding noise.
 */
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import "../models/mod.ts";
import type { Backend } from "../backends/backend.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import type { ModelOptions } from "../models/registry.ts";
import { getControl } from "../compare/sweep.ts";
import { resolveConfig } from "../train/config.ts";
import { imageBatch, imageTaskForShape } from "../tasks/image.ts";
import { Run } from "../train/run.ts";
import { lcg } from "./gradcheck.ts";

/** The activations every model's step is compared with. */
export const PARITY_ACTIVATIONS: readonly string[] = ["relu", "gelu", "dpa"];

/**
 * DPA's other mask criteria (named controls, memory-free variants included)
 * and the one model they are compared on: class-token pooling as in the
 * paper's ViTs, two DPA layers, seconds per backend.
 */
export const DPA_CRITERIA_PARITY: {
  readonly model: string;
  readonly arms: readonly string[];
  readonly options: StepParityOptions;
} = {
  model: "vit_micro",
  arms: ["dpa:forward", "dpa:backward", "dpa:union", "dpa:all"],
  // Memories start at 0 and update on steps 1 and 3 (U = 2): the memory masks fire from
  // step 2 on, and step 3 updates G with the channel loss in the gradient.
  options: { steps: 4, nonZero: "loss.dpa_channel" },
};

/**
 * Small configurations. Two things make element-wise 1e-4 parity of a whole
 * step ill-posed, and the sizes avoid them: a pre-activation within float32
 * noise of a ReLU/TAU kink flips its mask (resnet18 has no size options, so
 * its input and batch are kept small to make that unlikely), and the
 * attention key bias has an exactly-zero gradient (softmax ignores a shift)
 * whose rounding noise AdamW's first steps turn into ±lr updates, so the ViTs
 * run without qkv bias.
 */
const SMALL: Record<
  string,
  {
    shape: [number, number, number];
    batch: number;
    options: ModelOptions;
    rtol?: number;
    steps?: number;
    skipParams?: boolean;
    /** Parameter tolerance (see `StepParityOptions.paramRtol`). */
    paramRtol?: number;
    /**
     * State not compared: parameters whose gradient is exactly zero in exact
     * arithmetic (and their AdamW moments) — a BatchNorm bias whose output
     * reaches the loss only through a conv into another BatchNorm, which
     * removes any per-channel shift. Their gradient is rounding noise that
     * AdamW turns into ±lr steps, differently on every backend. The next
     * BatchNorm's output (batch statistics) is blind to that shift, so every
     * output, loss and gradient is still compared; only its running mean
     * records it (and at step 0 that mean is an exact 0 in rounding noise),
     * so running means are listed here too. Likewise, with a positively
     * homogeneous activation (ReLU, DPA at τ = 0) a BatchNorm weight whose
     * output reaches the loss only through the activation and a depthwise
     * conv into another BatchNorm: scaling a channel there is normalised
     * away, so its gradient is exactly zero.
     */
    zeroGrad?: RegExp;
  }
> = {
  mlp: { shape: [1, 6, 6], batch: 6, options: { widths: [12, 8] } },
  convnet: { shape: [3, 8, 8], batch: 6, options: { channels: [4, 6] } },
  // BatchNorm over 4 values (1×1 maps, batch 4) amplifies rounding: here even the float32
  // reference is 5e-5 (gradients) away from float64, and ORT (float32 accumulation) 2e-4.
  // The network is also chaotic at this size (one AdamW step moves the loss from 1.4 to 3.6;
  // the few ±lr steps of near-zero gradients then change the next loss by 4 %), so only
  // the first step is compared, through what it computes: outputs, moments (the
  // gradients), BatchNorm statistics — not the parameters AdamW moved.
  resnet18: { shape: [3, 4, 4], batch: 4, options: {}, rtol: 1e-3, steps: 1, skipParams: true },
  // The torchvision-geometry CNNs at tiny widths (AlexNet and VGG in their CIFAR geometry,
  // which takes 32 px); dropout off for VGG so its classifier sees every unit.
  // AlexNet has no normalisation, and at this width a few conv weights get gradients ~1e-6 of
  // the largest: the first AdamW step (≈ lr·sign(g) where |g| ≫ eps) moves them by an amount
  // set by rounding (ORT and TFJS float32 sums are ordered differently, up to 3e-3 of
  // max |param|). As for resnet18, the first step is compared through what it computes:
  // outputs, moments (the gradients), not the parameters AdamW moved.
  alexnet: { shape: [3, 32, 32], batch: 4, options: { width: 1 / 16 }, steps: 1, skipParams: true },
  // VGG-11 at this width: likewise, a few near-zero gradients move parameters by ~1e-4 of
  // max |param| on TFJS; everything else agrees to 1e-4.
  vgg11: {
    shape: [3, 32, 32],
    batch: 4,
    options: { width: 1 / 32, dropout: 0 },
    paramRtol: 1e-3,
  },
  vgg11_bn: {
    shape: [3, 32, 32],
    batch: 4,
    options: { width: 1 / 32, dropout: 0, convBias: false },
  },
  resnet32: { shape: [3, 8, 8], batch: 6, options: { blocks: 1, width: 1 / 4 } },
  // MobileNetV2 and ShuffleNetV2 in their CIFAR geometry (3 downsamplings) at 16 px, so no map
  // before the last stage is 1x1 (BatchNorm over a 1x1 map and a small batch amplifies rounding,
  // see resnet18); one residual (mobilenet) / split unit (shufflenet) at least. Both have
  // exactly-zero gradients (see `zeroGrad`) and, at these widths (4-48 channels, ~20 BatchNorms
  // deep), other near-zero ones that AdamW's first step turns into ±lr moves (step 1's logits
  // moved by 3 % on ORT under GELU). So, as resnet18 and alexnet, only the first step is
  // compared, through what it computes (outputs, moments, BN statistics), at rtol 1e-3.
  mobilenet_v2: {
    shape: [3, 16, 16],
    batch: 6,
    rtol: 1e-3,
    steps: 1,
    skipParams: true,
    // The linear bottleneck's BN (no activation) feeds the next expand (or the last) conv → BN
    // (blocks with a residual also pass it on through the add: the pattern cannot tell them
    // apart); the stem's and each expand's BN weight feed act → depthwise conv → BN.
    zeroGrad: /(\.project\.bn\.bias|(features\.0|\.expand)\.bn\.weight|running_mean)$/,
    options: {
      width: 1 / 8,
      divisor: 4,
      lastChannel: 16,
      repeats: [1, 2, 1, 1, 1, 1, 1],
      dropout: 0,
    },
  },
  shufflenet_v2: {
    shape: [3, 16, 16],
    batch: 6,
    rtol: 1e-3,
    steps: 1,
    skipParams: true,
    options: { channels: [4, 8, 8, 16, 16], repeats: [2, 1, 1] },
    // The depthwise convs' BNs (no activation) feed a 1x1 conv → BN; the main branch's first BN
    // weight feeds act → depthwise conv → BN.
    zeroGrad: /(\.(branch1\.0|branch2\.1)\.bn\.bias|\.branch2\.0\.bn\.weight|running_mean)$/,
  },
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

/** max|got − want| ≤ rtol · max|want| (both finite). */
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

/** Per-call allowances of `compareTrainingSteps`. */
export interface StepParityOptions {
  /**
   * Tolerance for the *parameters* only (outputs, moments, statistics and
   * memories keep the model's rtol). For a backend whose float32 sums are
   * ordered differently, an element with a near-zero gradient (|g| ~ 1e-5 of
   * the largest) gets an AdamW update m/√v that rounding moves by ~1e-3 of
   * lr; its moments still agree to 1e-4. Say which case needs it and why.
   */
  readonly paramRtol?: number;
  /** Steps to compare (default: the model's, 3 unless it says otherwise). */
  readonly steps?: number;
  /** A loss term the reference must see non-zero on some step: the case exercises it. */
  readonly nonZero?: string;
}

/**
 * Run `model` × `activation` training steps on `backend` (or several, against
 * one reference run) and on reference; throw on a mismatch. `activation` may
 * be a named control (`dpa:forward`): its options are the control's.
 */
export async function compareTrainingSteps(
  backend: Backend | readonly Backend[],
  model: string,
  activation: string,
  options: StepParityOptions = {},
): Promise<void> {
  const backends: readonly Backend[] = Array.isArray(backend) ? backend : [backend as Backend];
  const small = SMALL[model];
  if (!small) throw new Error(`no small configuration for model "${model}": add one`);
  const control = activation.includes(":") ? getControl(activation) : null;
  const plugin = control?.activation ?? activation;
  const config = resolveConfig({
    out: "/tmp/unused",
    model,
    modelOptions: small.options,
    activation: plugin,
    activationOptions: {
      ...control?.control.options,
      // DPA memories update every other step, so both paths run.
      ...(plugin === "dpa" ? { updateInterval: 2 } : {}),
    },
    batchSize: small.batch,
    evalBatchSize: small.batch,
    seed: 3,
  });
  const task = imageTaskForShape({
    inputShape: small.shape,
    numClasses: 4,
    mean: small.shape[0] === 1 ? [0.5] : [0.5, 0.4, 0.3],
    std: small.shape[0] === 1 ? [0.25] : [0.25, 0.2, 0.3],
  });
  const ref = await Run.open(config, { backend: referenceBackend, task });
  const others: Run[] = [];
  try {
    for (const b of backends) others.push(await Run.open(config, { backend: b, task }));
    const rand = lcg(17);
    const params = new Set(ref.trainStep.record.params.map((p) => p.name));
    const n = small.batch * small.shape.reduce((a, b) => a * b, 1);
    let seen = false;
    for (let step = 0; step < (options.steps ?? small.steps ?? 3); step++) {
      const x = Float32Array.from({ length: n }, () => rand());
      const labels = Int32Array.from({ length: small.batch }, (_, i) => (i * 3 + step) % 4);
      const feeds = ref.trainFeeds(imageBatch(x, labels, small.shape), step, 1e-2);
      const want = await ref.trainExe.run(feeds);
      const ws = await ref.trainExe.readState();
      if (options.nonZero && want[options.nonZero].data[0] !== 0) seen = true;
      const rtol = small.rtol ?? 1e-4;
      for (const [i, other] of others.entries()) {
        const got = await other.trainExe.run(feeds);
        const tag = `${backends[i].name} ${model}/${activation} step ${step}`;
        for (const k of Object.keys(want)) assertNormClose(`${tag} ${k}`, got[k], want[k], rtol);
        const gs = await other.trainExe.readState();
        for (const k of Object.keys(ws)) {
          if (params.has(k) && small.skipParams) continue;
          if (small.zeroGrad?.test(k)) continue;
          const tol = params.has(k)
            ? Math.max(rtol, options.paramRtol ?? small.paramRtol ?? 0)
            : rtol;
          assertNormClose(`${tag} state ${k}`, gs[k], ws[k], tol);
        }
      }
    }
    if (options.nonZero && !seen) {
      throw new Error(`${model}/${activation}: ${options.nonZero} stayed 0 on reference`);
    }
  } finally {
    ref.dispose();
    for (const o of others) o.dispose();
  }
}
