/**
 * Full training steps of one backend against reference, shared by the
 * per-backend model tests: every model × {relu, gelu, dpa} at a small size
 * (image models on random images; `bert` on short padded token sequences) —
 * forward, loss (with DPA's channel loss), backward, AdamW — compared after
 * each of 3 steps (1 for resnet18): loss terms, logits and every state
 * tensor (parameters, moments, BatchNorm statistics, DPA memories). DPA's
 * other mask criteria (the Table 3 controls `dpa:forward`, …) run on one
 * small model only: they differ from `dpa` in the mask alone.
 *
 * Graph models (`gcn`, `graphsage`) run the node task's full-batch step on
 * a tiny graph (`GRAPH_SMALL`): labels −1 outside the train split, so DPA
 * takes its linear, masked EMA; dropout masks are host feeds, equal on
 * every backend.
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
import { textBatch, textTaskForShape } from "../tasks/text.ts";
import { karateGraph } from "../data/graph/karate.ts";
import { sbmGraph } from "../data/graph/synthetic.ts";
import type { GraphData } from "../data/graph/types.ts";
import { nodeTask } from "../tasks/node.ts";
import type { Task, TaskBatch } from "../train/task.ts";
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
    /** Per-sample image shape, or for a text model [T] tokens. */
    shape: number[];
    /** A text model: token ids from a vocabulary of this size, padded rows, segment ids. */
    text?: { vocab: number };
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
  // VGG-11-BN: likewise on onednn-cpu, whose batch-norm primitives sum in float32 in their own
  // order (gradients agree to 2e-7 of their largest): the first AdamW step moves a near-zero-
  // gradient classifier weight by 1.1e-4 of max |param|; the moments agree to 1e-4.
  vgg11_bn: {
    shape: [3, 32, 32],
    batch: 4,
    options: { width: 1 / 32, dropout: 0, convBias: false },
    paramRtol: 1e-3,
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
  deit_tiny: {
    shape: [3, 8, 8],
    batch: 6,
    options: { embedDim: 8, depth: 2, numHeads: 2, patchSize: 4, qkvBias: false },
  },
  // LayerScale at 0.1 rather than CaiT's 1e-5, so the attention and MLP branches (talking
  // heads, class attention) move the logits by more than float32 rounding does. On onednn-cpu
  // (oneDNN's layer-norm primitives sum in float32) the first AdamW step moves a class-attention
  // norm bias whose gradient is near zero by 1.1e-4 of max |param|; the moments agree to 1e-4.
  cait_xxs24: {
    shape: [3, 8, 8],
    batch: 6,
    options: {
      embedDim: 12,
      depth: 2,
      numHeads: 3,
      classDepth: 1,
      patchSize: 4,
      qkvBias: false,
      initValues: 0.1,
    },
    paramRtol: 1e-3,
  },
  // Patch 1 and ratios 2/2/2/1 on 8 px: stage grids 8/4/2/1, keys reduced to 4x4/2x2/1x1.
  pvt_tiny: {
    shape: [3, 8, 8],
    batch: 6,
    options: {
      embedDims: [4, 8, 8, 12],
      numHeads: [1, 2, 2, 3],
      mlpRatios: [2, 2, 1, 1],
      depths: [1, 1, 1, 1],
      srRatios: [2, 2, 2, 1],
      patchSize: 1,
      qkvBias: false,
    },
  },
  // Patch 4, pixel stride 2 on 8 px: 4 patches of 2x2 pixel tokens.
  tnt_small: {
    shape: [3, 8, 8],
    batch: 6,
    options: {
      embedDim: 12,
      innerDim: 4,
      depth: 1,
      numHeads: 3,
      innerHeads: 2,
      patchSize: 4,
      pixelStride: 2,
      qkvBias: false,
    },
  },
  // Short sequences with padding (lengths 2–7 of 7) and both segments; BERT's dropout 0.1 on
  // (its masks are host feeds, the same on every backend) and its qkv bias. Parameters are
  // held to 3e-4: at init the gradients reaching layer 0's FFN output weight are small (max
  // 2.7e-5) and one element's is 2.5e-9, below AdamW's eps 1e-8, where the first update
  // lr·g/(|g| + eps) is proportional to g. With GELU the backends' float32 gradient there
  // differs by 0.6 % (1e-4 of the tensor's largest, inside the moments' 1e-4), which moves
  // the weight by 1.2e-4 (ort-cpu, tfjs-wasm) to 1.5e-4 (webgpu) of max |weight|.
  bert: {
    shape: [7],
    text: { vocab: 23 },
    batch: 4,
    options: { size: "tiny", layers: 2, hidden: 8, heads: 2 },
    paramRtol: 3e-4,
  },
};

/** The task of a SMALL entry: an image task, or a text task of T tokens. */
function smallTask(small: (typeof SMALL)[string]): Task {
  if (small.text) {
    return textTaskForShape({
      maxLength: small.shape[0],
      numClasses: 4,
      vocabSize: small.text.vocab,
    });
  }
  const c = small.shape[0];
  return imageTaskForShape({
    inputShape: small.shape as [number, number, number],
    numClasses: 4,
    mean: c === 1 ? [0.5] : [0.5, 0.4, 0.3],
    std: c === 1 ? [0.25] : [0.25, 0.2, 0.3],
  });
}

/**
 * A random batch of a SMALL entry: images in [0, 1), or token sequences of
 * varying length (row r has 2 + (3r + step) mod (T − 1) tokens, `[CLS]` = 2
 * first, segment 1 on the second half, padding 0 with mask 0).
 */
function smallBatch(
  small: (typeof SMALL)[string],
  rand: () => number,
  labels: Int32Array,
  step: number,
): TaskBatch {
  const b = small.batch;
  if (!small.text) {
    const n = b * small.shape.reduce((a, d) => a * d, 1);
    return imageBatch(Float32Array.from({ length: n }, () => rand()), labels, small.shape);
  }
  const t = small.shape[0], v = small.text.vocab;
  const ids = new Int32Array(b * t), types = new Int32Array(b * t), mask = new Float32Array(b * t);
  for (let r = 0; r < b; r++) {
    const len = 2 + ((3 * r + step) % (t - 1));
    for (let i = 0; i < len; i++) {
      ids[r * t + i] = i === 0 ? 2 : Math.floor(rand() * v);
      types[r * t + i] = i >= Math.ceil(len / 2) ? 1 : 0;
      mask[r * t + i] = 1;
    }
  }
  return textBatch(ids, types, mask, labels);
}

/**
 * Graph models on tiny graphs: GCN on a 24-node SBM graph with 5 features
 * (the linear first layer), GraphSAGE on the karate club (identity features:
 * the embedding-table first layer).
 */
const GRAPH_SMALL: Record<string, { graph: () => GraphData; options: ModelOptions }> = {
  gcn: {
    graph: () =>
      sbmGraph({ numNodes: 24, numClasses: 3, numFeatures: 5, pIn: 0.3, pOut: 0.05, seed: 1 }),
    options: { hidden: 8 },
  },
  graphsage: { graph: karateGraph, options: { hidden: 8 } },
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
  const graphSmall = GRAPH_SMALL[model];
  if (!small && !graphSmall) {
    throw new Error(`no small configuration for model "${model}": add one`);
  }
  const control = activation.includes(":") ? getControl(activation) : null;
  const plugin = control?.activation ?? activation;
  const config = resolveConfig({
    out: "/tmp/unused",
    task: graphSmall ? "node" : "image",
    model,
    modelOptions: graphSmall?.options ?? small.options,
    activation: plugin,
    activationOptions: {
      ...control?.control.options,
      // DPA memories update every other step, so both paths run.
      ...(plugin === "dpa" ? { updateInterval: 2 } : {}),
    },
    batchSize: small?.batch ?? 1,
    evalBatchSize: small?.batch ?? 1,
    seed: 3,
  });
  let task: Task, batchFor: (step: number, rand: () => number) => TaskBatch;
  if (graphSmall) {
    const nt = nodeTask(graphSmall.graph());
    task = nt;
    const o = { batchSize: nt.fullBatch!, seed: 3, epoch: 0, startBatch: 0 };
    batchFor = () => [...nt.trainBatches(o)][0];
  } else {
    task = smallTask(small);
    batchFor = (step, rand) => {
      const labels = Int32Array.from({ length: small.batch }, (_, i) => (i * 3 + step) % 4);
      return smallBatch(small, rand, labels, step);
    };
  }
  const ref = await Run.open(config, { backend: referenceBackend, task });
  const others: Run[] = [];
  try {
    for (const b of backends) others.push(await Run.open(config, { backend: b, task }));
    const rand = lcg(17);
    const params = new Set(ref.trainStep.record.params.map((p) => p.name));
    // A graph step's DPA must exercise its masked, linear EMA: the channel loss fires.
    const nonZero = options.nonZero ?? (graphSmall && plugin === "dpa" ? "loss.dpa_channel" : "");
    let seen = false;
    for (let step = 0; step < (options.steps ?? small?.steps ?? 3); step++) {
      const feeds = ref.trainFeeds(batchFor(step, rand), step, 1e-2);
      const want = await ref.trainExe.run(feeds);
      const ws = await ref.trainExe.readState();
      if (nonZero && want[nonZero].data[0] !== 0) seen = true;
      const rtol = small?.rtol ?? 1e-4;
      for (const [i, other] of others.entries()) {
        const got = await other.trainExe.run(feeds);
        const tag = `${backends[i].name} ${model}/${activation} step ${step}`;
        for (const k of Object.keys(want)) assertNormClose(`${tag} ${k}`, got[k], want[k], rtol);
        const gs = await other.trainExe.readState();
        for (const k of Object.keys(ws)) {
          if (params.has(k) && small?.skipParams) continue;
          if (small?.zeroGrad?.test(k)) continue;
          const tol = params.has(k)
            ? Math.max(rtol, options.paramRtol ?? small?.paramRtol ?? 0)
            : rtol;
          assertNormClose(`${tag} state ${k}`, gs[k], ws[k], tol);
        }
      }
    }
    if (nonZero && !seen) {
      throw new Error(`${model}/${activation}: ${nonZero} stayed 0 on reference`);
    }
  } finally {
    ref.dispose();
    for (const o of others) o.dispose();
  }
}
