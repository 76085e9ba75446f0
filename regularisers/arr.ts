/**
 * ARR, the aggregated response regulariser of DNRT (Qiu et al.). At each
 * response site it keeps a per-class running mean μ [K, C] of the pooled
 * response (momentum 0.1 by default) plus a `seen` flag per class: a class's
 * first observation sets its entry, later ones do μ ← μ + m(v − μ). Each
 * sample is compared with its class mean read right after its own update,
 * and the L1 distance Σ|v − μ_b| is pooled over every site into one mean
 * (`arr`, coefficient `lambda`: 10 for 10 classes, 20 for 100). The means
 * are constants to the gradient, as in the authors' code (kept in numpy).
 *
 * The sequential update is vectorised like DPA's (`class_ema.ts`): the first
 * observation of an unseen class weighs (1−m)^r instead of m(1−m)^r, which is
 * the seen-class formula with that class's old mean replaced by its first
 * sample. So the graph forms base[k] = seen[k] ? μ[k] : v[first of k] and
 * applies the shared EMA matrix to [v; base].
 *
 * Like DPA, batches with unlabelled samples (label −1, `ctx.partialLabels`:
 * node classification) and batches above `DENSE_EMA_MAX_BATCH` take the
 * linear-cost EMA (`class_ema_linear.ts`) on the same [v; base]; there an
 * unlabelled sample updates no mean and adds nothing to the loss, whose
 * count is the labelled samples' entries.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import {
  abs,
  add,
  concat,
  full,
  gather,
  matmul,
  maximum,
  mul,
  reshape,
  slice,
  stopGradient,
  sub,
  sum,
} from "../core/ops.ts";
import { checkLabels, classEmaWeights, firstOfClass } from "../plugin/class_ema.ts";
import {
  DENSE_EMA_MAX_BATCH,
  linearEmaHostFeeds,
  linearEmaLabelled,
  linearEmaRows,
  linearEmaUpdate,
  linearEmaView,
} from "../plugin/class_ema_linear.ts";

import { defineRegulariser } from "../plugin/define.ts";
import { byClassCount } from "../plugin/task_default.ts";
import type {
  OptionSchema,
  RegulariserInstance,
  RegulariserPlugin,
  Site,
} from "../plugin/types.ts";
import { checkSitePooling, checkSiteTensor, poolSite } from "../plugin/site_tensor.ts";
import type { BuildContext } from "../plugin/context.ts";

/** Validated ARR options. */
export interface ArrOptions {
  /** Coefficient of the pooled L1 loss (default by class count: 10 for 10, 20 for 100). */
  readonly lambda: number;
  /** Running-mean momentum: the weight of the new sample (default 0.1). */
  readonly momentum: number;
}

/** Tensors of one traced ARR site (train phase), for tests and analysis tools. */
export interface ArrTrace {
  /** Pooled response v [B, C]. */
  readonly pooled: Tensor;
  /** Each sample's class mean after its own update [B, C]. */
  readonly classView: Tensor;
  /** Σ|v − μ_b| (scalar). */
  readonly numerator: Tensor;
  /** The class-mean state μ [K, C]. */
  readonly means: Tensor;
  /** The seen-flag state [K] (0/1). */
  readonly seen: Tensor;
}

/** The host-feed key of ARR's weights: [E; first-of-class selection]. */
export function arrFeedKey(o: ArrOptions, numClasses: number): string {
  return `arr.ema.m${o.momentum}.k${numClasses}`;
}

/**
 * Host weights for ARR, [B+2K, B+K]: rows 0..B+K−1 are the EMA matrix of
 * `classEmaWeights` (always updating), rows B+K.. hold the first-of-class
 * selection [K, B] in their first B columns.
 */
export function arrWeights(labels: Int32Array, numClasses: number, m: number): Float32Array {
  const b = labels.length;
  const w = b + numClasses;
  const out = new Float32Array((b + 2 * numClasses) * w);
  out.set(classEmaWeights(labels, numClasses, m, true, "arr"));
  const first = firstOfClass(labels, numClasses, "arr");
  for (let k = 0; k < numClasses; k++) {
    out.set(first.subarray(k * b, (k + 1) * b), (w + k) * w);
  }
  return out;
}

/**
 * Per class, the index of its first labelled sample (0 when absent) and
 * whether it is present; per sample, whether it is its class's first.
 */
export function firstOfClassIndex(
  labels: Int32Array,
  numClasses: number,
): { first: Int32Array; present: Float32Array; isFirst: Float32Array } {
  const first = new Int32Array(numClasses);
  const present = new Float32Array(numClasses);
  const isFirst = new Float32Array(labels.length);
  labels.forEach((k, j) => {
    if (k < 0 || k >= numClasses || present[k]) return;
    present[k] = 1;
    first[k] = j;
    isFirst[j] = 1;
  });
  return { first, present, isFirst };
}

/** One ARR response site. `trace` is set by `observe` in the train phase. */
export class ArrRegulariser implements RegulariserInstance {
  /** The site. */
  readonly site: Site;
  /** Validated options. */
  readonly options: ArrOptions;
  /** Tensors of the last train-phase `observe`. */
  trace: ArrTrace | null = null;

  /** Configure ARR for `site`. */
  constructor(site: Site, options: ArrOptions) {
    this.site = site;
    this.options = options;
  }

  /** Add the site's state, its running-mean update and its share of the pooled L1 loss. */
  observe(ctx: BuildContext, x: Tensor): void {
    const { site, options: o } = this;
    checkSiteTensor("arr", site, x);
    const c = site.channels;
    const k = ctx.numClasses;
    const means = ctx.buffer("class_mean", [k, c]);
    const seen = ctx.buffer("seen", [k]);
    if (!ctx.training) return;
    const b = x.shape[0];
    if (b !== ctx.batchSize) {
      throw new ActlabError(
        `arr: response batch ${b} differs from the build's batch size ${ctx.batchSize}`,
        "ARR pairs every sample with its label; keep the batch axis intact up to the site",
      );
    }
    if (ctx.partialLabels || b > DENSE_EMA_MAX_BATCH) {
      this.observeLinear(ctx, x, means, seen);
      return;
    }
    const q = ctx.hostFeed(
      arrFeedKey(o, k),
      [b + 2 * k, b + k],
      "f32",
      (batch) => {
        checkLabels(batch.labels, k, "arr", b);
        return {
          dtype: "f32",
          shape: [b + 2 * k, b + k],
          data: arrWeights(batch.labels, k, o.momentum),
        };
      },
    );
    const eSample = slice(q, [0, 0], [b, b + k]);
    const eClass = slice(q, [b, 0], [b + k, b + k]);
    const first = slice(q, [b + k, 0], [b + 2 * k, b]);

    const v = poolSite("arr", site, x);
    const vFixed = stopGradient(v);
    const seenCol = reshape(seen, [k, 1]);
    // seen ? μ : v[first]; an absent, unseen class gets 0 (= its untouched μ).
    const base = add(mul(seenCol, means), mul(sub(1, seenCol), matmul(first, vFixed)));
    const stack = concat([vFixed, base], 0);
    const classView = matmul(eSample, stack);
    ctx.updateBuffer(means, matmul(eClass, stack));
    ctx.updateBuffer(seen, reshape(maximum(seenCol, sum(first, [1], true)), [k]));

    // A first observation equals its own mean; in f32, m·v + (1−m)·v can miss v by an ulp,
    // so those rows are zeroed to keep the reference's exact 0 loss and 0 gradient there.
    const fresh = mul(sum(first, [0]), sub(1, gather(seen, ctx.labels as Tensor, 0)));
    const numerator = sum(mul(abs(sub(v, classView)), reshape(sub(1, fresh), [b, 1])));
    ctx.addPooledLoss("arr", numerator, full(x, [], b * c), o.lambda);
    this.trace = { pooled: v, classView, numerator, means, seen };
  }

  /** The train-phase update and loss with the linear-cost EMA (see the module header). */
  private observeLinear(ctx: BuildContext, x: Tensor, means: Tensor, seen: Tensor): void {
    const { site, options: o } = this;
    const [b, c, k] = [x.shape[0], site.channels, ctx.numClasses];
    const key = `arr.lin.m${o.momentum}.k${k}`;
    const feeds = linearEmaHostFeeds(ctx, {
      key,
      momentum: o.momentum,
      numClasses: k,
      batchSize: b,
      updates: () => true,
      who: "arr",
    });
    // Each class's first labelled sample in the batch ([K], 0 when absent), whether the class
    // is present ([K]) and whether a sample is its class's first ([B]): what the dense form's
    // selection matrix holds.
    const firstIndex = ctx.hostFeed(`${key}.first`, [k], "i32", (batch) => ({
      dtype: "i32",
      shape: [k],
      data: firstOfClassIndex(batch.labels, k).first,
    }));
    const presentFeed = ctx.hostFeed(`${key}.present`, [k], "f32", (batch) => ({
      dtype: "f32",
      shape: [k],
      data: firstOfClassIndex(batch.labels, k).present,
    }));
    const isFirst = ctx.hostFeed(`${key}.is_first`, [b], "f32", (batch) => ({
      dtype: "f32",
      shape: [b],
      data: firstOfClassIndex(batch.labels, k).isFirst,
    }));
    const v = poolSite("arr", site, x);
    const vFixed = stopGradient(v);
    const seenCol = reshape(seen, [k, 1]);
    const present = reshape(presentFeed, [k, 1]);
    const firstRows = mul(gather(vFixed, firstIndex, 0), present);
    const base = add(mul(seenCol, means), mul(sub(1, seenCol), firstRows));
    const classView = linearEmaView(feeds, vFixed, base);
    ctx.updateBuffer(means, linearEmaUpdate(feeds, vFixed, base));
    ctx.updateBuffer(seen, reshape(maximum(seenCol, present), [k]));
    const labelled = linearEmaLabelled(feeds);
    const wasSeen = linearEmaRows(feeds, seenCol);
    const fresh = mul(reshape(isFirst, [b, 1]), sub(1, wasSeen));
    const keep = mul(labelled, sub(1, fresh));
    const numerator = sum(mul(abs(sub(v, classView)), keep));
    const count = mul(sum(labelled), c);
    ctx.addPooledLoss("arr", numerator, count, o.lambda);
    this.trace = { pooled: v, classView, numerator, means, seen };
  }
}

/**
 * ARR's options; defaults from the DNRT reference. λ follows its configs
 * per dataset (`configs/dnrt.py`: `arr_loss_coef = 20  # 10 for cifar10`):
 * 10 for 10 classes, 20 for 100, resolved where the class count is known;
 * 10 where it is not.
 */
export const ARR_OPTIONS = {
  lambda: {
    type: "number",
    default: 10,
    taskDefault: byClassCount([
      { numClasses: 10, value: 10, dataset: "CIFAR-10" },
      { numClasses: 100, value: 20, dataset: "CIFAR-100" },
    ], "configs/dnrt.py"),
    min: 0,
    help: "coefficient λ of the pooled L1 loss",
  },
  momentum: {
    type: "number",
    default: 0.1,
    min: 0,
    minExclusive: true,
    max: 1,
    symbol: "m",
    help: "running-mean momentum: the weight of the new sample",
  },
} as const satisfies OptionSchema;

/** The `arr` regulariser plugin (options `lambda`, `momentum`). */
export const arrRegulariser: RegulariserPlugin = defineRegulariser({
  name: "arr",
  description: "ARR (DNRT): L1 pull of pooled responses towards per-class running means",
  options: ARR_OPTIONS,
  coefficient: "lambda",
  create(site, options): ArrRegulariser {
    checkSitePooling("arr", site);
    return new ArrRegulariser(site, options);
  },
});
