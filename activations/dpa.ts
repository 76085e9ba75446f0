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
 * Mask criteria (`mask`, the paper's Table 3 ablation; controls `dpa:<name>`):
 * - `memory`: M above, F ∩ B (the method, default);
 * - `forward`: (F_b < τ) ∧ (v > τ), forward memory only;
 * - `backward`: (G_old[k_b] < 0) ∧ (v > τ), backward memory only;
 * - `union`: ((F_b < τ) ∨ (G_old[k_b] < 0)) ∧ (v > τ), both memories;
 * - `all`: v > τ, every active channel, no memory;
 * - `random`: M swapped for a random mask of the same size
 *   (`dpa_random_mask.ts`), both memories;
 * - `none`: TAU alone (no memories, no loss).
 * A criterion allocates only the memories it reads (`DPA_MASK_MEMORIES`): no
 * F state or update without the forward memory, no G state, update or
 * gradient tap without the backward memory, no EMA weights feed with
 * neither. So the state differs between criteria that read different
 * memories, and resuming one's checkpoint under another is refused
 * (`train/restore.ts`: the state must match exactly).
 *
 * The memories are declared in both phases so train and eval graphs share
 * state names (checkpoints load into either); eval reads neither.
 *
 * Two forms of the EMA, the same arithmetic: batches up to
 * `DENSE_EMA_MAX_BATCH` with every sample labelled (image classification)
 * use the dense [B+K, B+K] matrix of `class_ema.ts`; larger batches, and
 * tasks whose samples may be unlabelled (label −1, `ctx.partialLabels`: node
 * classification), use the linear-cost form of `class_ema_linear.ts`, where
 * an unlabelled sample updates no memory and is never masked.
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
  maximum,
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
import {
  DENSE_EMA_MAX_BATCH,
  type LinearEmaFeeds,
  linearEmaHostFeeds,
  linearEmaLabelled,
  linearEmaRows,
  linearEmaUpdate,
  linearEmaView,
} from "../plugin/class_ema_linear.ts";
import { randomMask } from "./dpa_random_mask.ts";
import { defineActivation } from "../plugin/define.ts";
import { readOptions } from "../plugin/options.ts";
import { byClassCount } from "../plugin/task_default.ts";
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
 * authors' code. λ follows their configs per dataset (`configs/dpa.py`:
 * `channel_loss_coef = 5  # 1 for cifar10`): 1 for 10 classes, 5 for 100,
 * resolved where the class count is known; 5 where it is not.
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
    taskDefault: byClassCount([
      { numClasses: 10, value: 1, dataset: "CIFAR-10" },
      { numClasses: 100, value: 5, dataset: "CIFAR-100" },
    ], "configs/dpa.py"),
    min: 0,
    symbol: "lambda",
    help: "channel-loss coefficient λ",
  },
  mask: {
    type: "enum",
    choices: ["memory", "forward", "backward", "union", "all", "random", "none"],
    default: "memory",
    help: "memory = DPA (F∩B); forward, backward, union, all = Table 3 criteria; " +
      "random = control; none = TAU only",
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
  /** Coefficient λ of the pooled channel loss (default by class count: 1 for 10, 5 for 100). */
  readonly channelLoss: number;
  /** Memory rows; defaults to the build's class count (must not be smaller). */
  readonly numClasses?: number;
  /**
   * Which mask the channel loss uses: `memory` (DPA, F ∩ B, default);
   * `forward`, `backward`, `union`, `all` (the paper's Table 3 criteria, see
   * the module header); `random` (the control of `dpa_random_mask.ts`: as
   * many entries as `memory`, drawn at random); `none` (the TAU-only
   * ablation: no memories, no channel loss, only the threshold).
   */
  readonly mask: DpaMaskKind;
}

/** Values of DPA's `mask` option. */
export type DpaMaskKind = (typeof DPA_OPTIONS.mask.choices)[number];

/** The memories each mask criterion reads, and so allocates (state, update, tap). */
export const DPA_MASK_MEMORIES: Readonly<
  Record<DpaMaskKind, { readonly forward: boolean; readonly backward: boolean }>
> = {
  memory: { forward: true, backward: true },
  forward: { forward: true, backward: false },
  backward: { forward: false, backward: true },
  union: { forward: true, backward: true },
  all: { forward: false, backward: false },
  random: { forward: true, backward: true },
  none: { forward: false, backward: false },
};

/**
 * DPA's named controls for `compare` (`dpa:random-mask`, `dpa:tau-only`,
 * `dpa:channel-loss-only`, and the Table 3 criteria `dpa:forward`,
 * `dpa:backward`, `dpa:union`, `dpa:all`): each asks what one part of DPA
 * contributes.
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
  {
    name: "forward",
    options: { mask: "forward" },
    help: "mask from the forward memory alone: F_b < τ ∧ v > τ (Table 3)",
  },
  {
    name: "backward",
    options: { mask: "backward" },
    help: "mask from the backward memory alone: G_old < 0 ∧ v > τ (Table 3)",
  },
  {
    name: "union",
    options: { mask: "union" },
    help: "either memory: (F_b < τ ∨ G_old < 0) ∧ v > τ (Table 3)",
  },
  {
    name: "all",
    options: { mask: "all" },
    help: "every active channel, no memory: v > τ (Table 3)",
  },
];

/** Tensors of one traced DPA site (train phase), for tests and analysis tools. */
export interface DpaTrace {
  /** Pooled pre-activation v [B, C] (differentiable). */
  readonly pooled: Tensor;
  /** Each sample's view of the forward memory after its own update, [B, C] (null: not read). */
  readonly forwardView: Tensor | null;
  /** Each sample's row of the backward memory before this step, [B, C] (null: not read). */
  readonly backwardView: Tensor | null;
  /** The mask the channel loss uses as f32 0/1, [B, C] (the criterion's, or the random control's R). */
  readonly mask: Tensor;
  /**
   * The criterion's mask as f32 0/1, [B, C]: M = F ∩ B for `memory` and
   * `random`, equal to `mask` unless `mask: "random"`.
   */
  readonly criterionMask: Tensor;
  /** Σ M·v² (scalar). */
  readonly numerator: Tensor;
  /** Σ M (scalar). */
  readonly denominator: Tensor;
  /** The forward memory state F [K, C] (null: the criterion has none). */
  readonly forwardMemory: Tensor | null;
  /** The backward memory state G [K, C] (null: the criterion has none). */
  readonly backwardMemory: Tensor | null;
}

/** Parse and validate DPA options (clear errors for bad values). */
export function parseDpaOptions(options: PluginOptions): DpaOptions {
  return readOptions("dpa", options, DPA_OPTIONS);
}

/** The linear EMA's host feeds of a DPA build (shared by key, like the dense matrix). */
function linearEmaFeeds(ctx: BuildContext, o: DpaOptions, k: number, b: number): LinearEmaFeeds {
  return linearEmaHostFeeds(ctx, {
    key: `dpa.lin.m${o.momentum}.u${o.updateInterval}.k${k}`,
    momentum: o.momentum,
    numClasses: k,
    batchSize: b,
    updates: (step) => (step + 1) % o.updateInterval === 0,
    who: "dpa",
  });
}

/** The host-feed key of the EMA weights: shared by DPA layers with equal momentum, interval and K. */
export function dpaFeedKey(o: DpaOptions, numClasses: number): string {
  return `dpa.ema.m${o.momentum}.u${o.updateInterval}.k${numClasses}`;
}

/**
 * The mask of criterion `kind` as f32 0/1 [B, C] from the gradient-stopped
 * pooled value, each sample's forward view F_b and backward row G_old[k_b]
 * (null where the criterion reads no such memory). `random` starts from
 * `memory`'s mask. Factors are traced in the order F, v, G so `memory`
 * builds the graph it always has.
 */
function maskOf(
  kind: Exclude<DpaMaskKind, "none">,
  v: Tensor,
  forwardView: Tensor | null,
  backwardView: Tensor | null,
  tau: number,
): Tensor {
  const below = () => cast(lt(forwardView as Tensor, tau), "f32");
  const active = () => cast(gt(v, tau), "f32");
  const negative = () => cast(lt(backwardView as Tensor, 0), "f32");
  switch (kind) {
    case "memory":
    case "random":
      return mul(mul(below(), active()), negative());
    case "forward":
      return mul(below(), active());
    case "backward":
      return mul(negative(), active());
    case "union":
      return mul(maximum(below(), negative()), active());
    case "all":
      return active();
  }
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
    const reads = DPA_MASK_MEMORIES[o.mask];
    const fMem = reads.forward ? ctx.buffer("forward_memory", [k, c]) : null;
    const gMem = reads.backward ? ctx.buffer("backward_memory", [k, c]) : null;
    if (!ctx.training || o.mask === "none") return y;

    const b = x.shape[0];
    if (b !== ctx.batchSize) {
      throw new ActlabError(
        `dpa: input batch ${b} differs from the build's batch size ${ctx.batchSize}`,
        "DPA pairs every sample with its label; keep the batch axis intact up to the site",
      );
    }
    if (ctx.partialLabels || b > DENSE_EMA_MAX_BATCH) {
      this.applyLinear(ctx, x, y, fMem, gMem, k);
      return y;
    }
    // The EMA weights: rows [0, B) give each sample's view, rows [B, B + K) the new memories.
    let eSample: Tensor | null = null, eClass: Tensor | null = null;
    if (fMem || gMem) {
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
      if (fMem) eSample = slice(e, [0, 0], [b, b + k]);
      eClass = slice(e, [b, 0], [b + k, b + k]);
    }

    const v = poolSite("dpa", site, x);
    const vFixed = stopGradient(v);
    let forwardView: Tensor | null = null;
    if (fMem) {
      const fStack = concat([vFixed, fMem], 0);
      forwardView = matmul(eSample as Tensor, fStack);
      ctx.updateBuffer(fMem, matmul(eClass as Tensor, fStack));
    }
    const backwardView = gMem ? gather(gMem, ctx.labels as Tensor, 0) : null;

    const criterionMask = maskOf(o.mask, vFixed, forwardView, backwardView, tau);
    const mask = o.mask === "random" ? randomMask(ctx, vFixed, criterionMask, tau) : criterionMask;
    this.finish(
      ctx,
      y,
      { v, forwardView, backwardView, mask, criterionMask, fMem, gMem },
      b * c,
      (s) => matmul(eClass as Tensor, concat([s, gMem as Tensor], 0)),
    );
    return y;
  }

  /**
   * What both memory paths end with: the channel loss over the masked
   * entries, the masked fraction (of `maskable` entries), the backward
   * memory's update from the output gradient's sign (`updateBackward`), and
   * the trace.
   */
  private finish(
    ctx: BuildContext,
    y: Tensor,
    t: {
      v: Tensor;
      forwardView: Tensor | null;
      backwardView: Tensor | null;
      mask: Tensor;
      criterionMask: Tensor;
      fMem: Tensor | null;
      gMem: Tensor | null;
    },
    maskable: Tensor | number,
    updateBackward: (sign: Tensor) => Tensor,
  ): void {
    const { site, options: o } = this;
    const numerator = sum(mul(t.mask, square(t.v)));
    const denominator = sum(t.mask);
    ctx.addPooledLoss("dpa_channel", numerator, denominator, o.channelLoss);
    ctx.metric("masked_fraction", div(denominator, maskable));
    const gMem = t.gMem;
    if (gMem) {
      ctx.tap(y, (dy) => {
        const s = where(gt(poolSite("dpa", site, dy), 0), 1, -1);
        ctx.updateBuffer(gMem, updateBackward(s));
      });
    }
    this.trace = {
      pooled: t.v,
      forwardView: t.forwardView,
      backwardView: t.backwardView,
      mask: t.mask,
      criterionMask: t.criterionMask,
      numerator,
      denominator,
      forwardMemory: t.fMem,
      backwardMemory: gMem,
    };
  }

  /** The train-phase memories, mask and loss with the linear-cost EMA (see the module header). */
  private applyLinear(
    ctx: BuildContext,
    x: Tensor,
    y: Tensor,
    fMem: Tensor | null,
    gMem: Tensor | null,
    k: number,
  ): void {
    const { site, options: o } = this;
    const [b, c] = [x.shape[0], site.channels];
    // Declared even without memories (`all`): the labelled flags keep unlabelled samples unmasked.
    const feeds = linearEmaFeeds(ctx, o, k, b);
    const v = poolSite("dpa", site, x);
    const vFixed = stopGradient(v);
    let forwardView: Tensor | null = null;
    if (fMem) {
      forwardView = linearEmaView(feeds, vFixed, fMem);
      ctx.updateBuffer(fMem, linearEmaUpdate(feeds, vFixed, fMem));
    }
    const backwardView = gMem ? linearEmaRows(feeds, gMem) : null;
    const kind = o.mask as Exclude<DpaMaskKind, "none">; // apply returned early for "none"
    let criterionMask = maskOf(kind, vFixed, forwardView, backwardView, o.tau);
    // An unlabelled sample has no class memory: it is never masked, nor counted.
    const labelled = linearEmaLabelled(feeds);
    criterionMask = mul(criterionMask, labelled);
    const mask = o.mask === "random"
      ? randomMask(ctx, vFixed, criterionMask, o.tau, labelled)
      : criterionMask;
    this.finish(
      ctx,
      y,
      { v, forwardView, backwardView, mask, criterionMask, fMem, gMem },
      maximum(mul(sum(labelled), c), 1),
      (sign) => linearEmaUpdate(feeds, sign, gMem as Tensor),
    );
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
