/**
 * DPA, Dual-Perspective Activation (Qiu et al., NeurIPS 2024), exactly as
 * DESIGN §2 and the golden vectors pin it down:
 *
 * - TAU: y = x ≥ τ ? x : 0, gradient passing where x ≥ τ (train and eval).
 * - Train phase only: the pooled pre-activation v [B, C] (class token, token
 *   mean or spatial mean), a forward memory F [K, C] and a backward memory
 *   G [K, C] (zero-initialised state), updated by the per-class sequential EMA
 *   whose host-computed weights (`class_ema.ts`) also fold in the update gate
 *   (step + 1) % U == 0.
 * - Mask M = (F_b < τ) ∧ (v > τ) ∧ (G_old[k_b] < 0), where F_b is the sample's
 *   own view of F right after its own update and G_old is G before this step.
 * - Channel loss: Σ M·v² / Σ M pooled over every DPA layer (`dpa_channel`),
 *   differentiated into v only (the mask and memories are constants).
 * - G's update uses s = sign(∂total/∂y) at the pooled position (+1 where > 0,
 *   −1 otherwise) through a tap on y. For `avg` pooling the gradient is the
 *   spatial (token) mean of ∂total/∂y, as in the authors' code
 *   (`grad_output[0].mean((-1, -2))` in qtcls/modules/DPA/dpa.py).
 *
 * Controls: `mask: "random"` swaps M for a random mask of the same size
 * (`dpa_random_mask.ts`); `mask: "none"` is TAU alone (no memories, no loss).
 *
 * The memories are declared in both phases so train and eval graphs share
 * state names (checkpoints load into either); eval reads neither.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import {
  cast,
  concat,
  div,
  gather,
  gt,
  lt,
  matmul,
  mul,
  slice,
  square,
  stopGradient,
  sum,
  threshold,
  where,
} from "../core/ops.ts";
import type { BuildContext } from "../plugin/context.ts";
import { checkLabels, classEmaWeights } from "../plugin/class_ema.ts";
import { randomMask } from "./dpa_random_mask.ts";
import { defineActivation } from "../plugin/define.ts";
import { readOptions } from "../plugin/options.ts";
import type {
  ActivationInstance,
  ActivationPlugin,
  ControlArm,
  OptionSchema,
  PluginOptions,
  Site,
} from "../plugin/types.ts";
import { checkSitePooling, checkSiteTensor, poolSite } from "../plugin/site_tensor.ts";

/**
 * DPA's options (DESIGN §2). Defaults: τ = 0, m = 0.9, U = 5 as in the
 * authors' code; λ = 5 is their CIFAR-100 setting (`configs/dpa.py`).
 */
export const DPA_OPTIONS = {
  tau: {
    type: "number",
    default: 0,
    min: 0,
    help: "TAU threshold τ: y = x >= τ ? x : 0",
  },
  momentum: {
    type: "number",
    default: 0.9,
    min: 0,
    minExclusive: true,
    max: 1,
    symbol: "m",
    help: "memory EMA momentum m: the weight of the new sample",
  },
  updateInterval: {
    type: "integer",
    default: 5,
    min: 1,
    symbol: "U",
    help: "memories update every U-th training step",
  },
  channelLoss: {
    type: "number",
    default: 5,
    min: 0,
    symbol: "lambda",
    help: "channel-loss coefficient λ",
  },
  mask: {
    type: "enum",
    choices: ["memory", "random", "none"],
    default: "memory",
    help: "memory = DPA, random = control, none = TAU only",
  },
  numClasses: {
    type: "integer",
    min: 1,
    help: "memory rows; unset: the model's class count",
  },
} as const satisfies OptionSchema;

/** Validated DPA options. */
export interface DpaOptions {
  /** Threshold τ ≥ 0 (default 0: inference is ReLU). */
  readonly tau: number;
  /** EMA momentum m in (0, 1]: the weight of the new sample (default 0.9). */
  readonly momentum: number;
  /** Memories update on training steps with (step + 1) % U == 0 (default 5). */
  readonly updateInterval: number;
  /** Coefficient λ of the pooled channel loss (default 5). */
  readonly channelLoss: number;
  /** Memory rows; defaults to the build's class count (must not be smaller). */
  readonly numClasses?: number;
  /**
   * Which mask the channel loss uses: `memory` (DPA, default); `random` (the
   * control of `dpa_random_mask.ts`: as many entries, drawn at random); `none`
   * (the TAU-only ablation: no memories, no channel loss, only the threshold).
   */
  readonly mask: DpaMaskKind;
}

/** Values of DPA's `mask` option. */
export type DpaMaskKind = "memory" | "random" | "none";

/**
 * DPA's named controls for `compare` (`dpa:random-mask`, `dpa:tau-only`,
 * `dpa:channel-loss-only`): each asks what one part of DPA contributes.
 */
export const DPA_CONTROLS: readonly ControlArm[] = [
  {
    name: "random-mask",
    options: { mask: "random" },
    help: "memory mask → random mask of the same size (does the memory matter?)",
  },
  {
    name: "tau-only",
    options: { mask: "none" },
    help: "TAU alone: no memories, no channel loss",
    requires: {
      text: "tau > 0",
      why: "at tau = 0 TAU alone is ReLU",
      fix: "sweep a threshold, e.g. --set tau=0.1",
      holds: (o) => Number(o.tau) > 0,
    },
  },
  {
    name: "channel-loss-only",
    options: { tau: 0 },
    help: "memories and channel loss with the threshold at 0",
  },
];

/** Tensors of one traced DPA site (train phase), for tests and analysis tools. */
export interface DpaTrace {
  /** Pooled pre-activation v [B, C] (differentiable). */
  readonly pooled: Tensor;
  /** Each sample's view of the forward memory after its own update, [B, C]. */
  readonly forwardView: Tensor;
  /** Each sample's row of the backward memory before this step, [B, C]. */
  readonly backwardView: Tensor;
  /** The mask the channel loss uses as f32 0/1, [B, C] (M, or the random control's R). */
  readonly mask: Tensor;
  /** DPA's memory mask M as f32 0/1, [B, C] (equal to `mask` unless `mask: "random"`). */
  readonly memoryMask: Tensor;
  /** Σ M·v² (scalar). */
  readonly numerator: Tensor;
  /** Σ M (scalar). */
  readonly denominator: Tensor;
  /** The forward memory state F [K, C]. */
  readonly forwardMemory: Tensor;
  /** The backward memory state G [K, C]. */
  readonly backwardMemory: Tensor;
}

/** Parse and validate DPA options (clear errors for bad values). */
export function parseDpaOptions(options: PluginOptions): DpaOptions {
  return readOptions("dpa", options, DPA_OPTIONS);
}

/** The host-feed key of the EMA weights: shared by DPA layers with equal momentum, interval and K. */
export function dpaFeedKey(o: DpaOptions, numClasses: number): string {
  return `dpa.ema.m${o.momentum}.u${o.updateInterval}.k${numClasses}`;
}

/** One DPA site. `trace` is set by `apply` in the train phase. */
export class DpaActivation implements ActivationInstance {
  /** The site. */
  readonly site: Site;
  /** Validated options. */
  readonly options: DpaOptions;
  /** Tensors of the last train-phase `apply` (null before, or in eval). */
  trace: DpaTrace | null = null;

  /** Configure DPA for `site`. */
  constructor(site: Site, options: DpaOptions) {
    this.site = site;
    this.options = options;
  }

  /** TAU plus, in the train phase, the memories, mask, channel loss and backward tap. */
  apply(ctx: BuildContext, x: Tensor): Tensor {
    const { site, options: o } = this;
    checkSiteTensor("dpa", site, x);
    const tau = o.tau;
    const c = site.channels;
    const k = o.numClasses ?? ctx.numClasses;
    if (k < ctx.numClasses) {
      throw new ActlabError(
        `dpa: numClasses ${k} is below the model's ${ctx.numClasses} classes`,
        "omit numClasses (it defaults to the model's) or raise it",
      );
    }
    const y = threshold(x, tau, true);
    const fMem = ctx.buffer("forward_memory", [k, c]);
    const gMem = ctx.buffer("backward_memory", [k, c]);
    if (!ctx.training || o.mask === "none") return y;

    const b = x.shape[0];
    if (b !== ctx.batchSize) {
      throw new ActlabError(
        `dpa: input batch ${b} differs from the build's batch size ${ctx.batchSize}`,
        "DPA pairs every sample with its label; keep the batch axis intact up to the site",
      );
    }
    const labels = ctx.labels as Tensor;
    const { momentum: m, updateInterval: u } = o;
    const e = ctx.hostFeed(
      dpaFeedKey(o, k),
      [b + k, b + k],
      "f32",
      (batch) => {
        checkLabels(batch.labels, k, "dpa", b);
        const update = (batch.step + 1) % u === 0;
        return {
          dtype: "f32",
          shape: [b + k, b + k],
          data: classEmaWeights(batch.labels, k, m, update, "dpa"),
        };
      },
    );
    const eSample = slice(e, [0, 0], [b, b + k]);
    const eClass = slice(e, [b, 0], [b + k, b + k]);

    const v = poolSite("dpa", site, x);
    const vFixed = stopGradient(v);
    const fStack = concat([vFixed, fMem], 0);
    const forwardView = matmul(eSample, fStack);
    ctx.updateBuffer(fMem, matmul(eClass, fStack));
    const backwardView = gather(gMem, labels, 0);

    const memoryMask = mul(
      mul(cast(lt(forwardView, tau), "f32"), cast(gt(vFixed, tau), "f32")),
      cast(lt(backwardView, 0), "f32"),
    );
    const mask = o.mask === "random" ? randomMask(ctx, vFixed, memoryMask, tau) : memoryMask;
    const numerator = sum(mul(mask, square(v)));
    const denominator = sum(mask);
    ctx.addPooledLoss("dpa_channel", numerator, denominator, o.channelLoss);
    ctx.metric("masked_fraction", div(denominator, b * c));

    ctx.tap(y, (dy) => {
      const s = where(gt(poolSite("dpa", site, dy), 0), 1, -1);
      ctx.updateBuffer(gMem, matmul(eClass, concat([s, gMem], 0)));
    });
    this.trace = {
      pooled: v,
      forwardView,
      backwardView,
      mask,
      memoryMask,
      numerator,
      denominator,
      forwardMemory: fMem,
      backwardMemory: gMem,
    };
    return y;
  }
}

/** The `dpa` plugin. */
export const dpaActivation: ActivationPlugin = defineActivation({
  name: "dpa",
  description: "DPA (NeurIPS 2024): TAU + forward/backward class memories + channel loss",
  options: DPA_OPTIONS,
  controls: DPA_CONTROLS,
  create(site, options): DpaActivation {
    checkSitePooling("dpa", site);
    return new DpaActivation(site, options);
  },
});
