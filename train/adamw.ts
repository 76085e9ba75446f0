/**
 * AdamW as graph ops, appended to a train-phase step graph: global-norm
 * gradient clipping, decoupled weight decay (only where `ParamSpec.decay`),
 * bias-corrected moments. The learning rate and the bias corrections are
 * host feeds (`opt.lr`, `opt.bc1`, `opt.bc2`) so schedules cost nothing.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { add, div, minimum, mul, rsqrt, sqrt, square, sub, sum } from "../core/ops.ts";
import type { StepGraph } from "./step_graph.ts";

/** AdamW hyper-parameters. */
export interface AdamWConfig {
  /** First-moment decay. */
  readonly beta1: number;
  /** Second-moment decay. */
  readonly beta2: number;
  /** Denominator epsilon. */
  readonly eps: number;
  /** Decoupled weight decay. */
  readonly weightDecay: number;
  /** Global gradient-norm clip (0 or Infinity disables). */
  readonly clipNorm: number;
}

/** PyTorch's AdamW defaults, with weight decay 0.05 and clipping at 1.0 (timm-style). */
export const DEFAULT_ADAMW: AdamWConfig = {
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.05,
  clipNorm: 1,
};

/** Feeds the optimizer adds (host computes them per step). */
export const OPT_FEEDS = { lr: "opt.lr", bc1: "opt.bc1", bc2: "opt.bc2" } as const;

/** Host values of the optimizer feeds at 0-based step `step` with learning rate `lr`. */
export function adamwFeedValues(
  cfg: AdamWConfig,
  step: number,
  lr: number,
): { lr: number; bc1: number; bc2: number } {
  const t = step + 1;
  return { lr, bc1: 1 - cfg.beta1 ** t, bc2: 1 - cfg.beta2 ** t };
}

/** Append AdamW to a train-phase step graph; moments become state `opt.m.<p>`, `opt.v.<p>`. */
export function appendAdamW(step: StepGraph, cfg: AdamWConfig = DEFAULT_ADAMW): void {
  if (step.phase !== "train") {
    throw new ActlabError("AdamW needs a train-phase step graph", "build with phase 'train'");
  }
  const g = step.graph;
  const lr = g.input(OPT_FEEDS.lr, [], "f32");
  const bc1 = g.input(OPT_FEEDS.bc1, [], "f32");
  const bc2 = g.input(OPT_FEEDS.bc2, [], "f32");
  const params = step.record.params;
  const grads: Tensor[] = params.map((p) => step.grads.get(p.name)!);
  if (grads.length === 0) return;
  const sq = grads.map((gr) => sum(square(gr))).reduce((a, t) => add(a, t));
  const norm = sqrt(sq);
  g.output("opt.grad_norm", norm);
  // The clip factor, the bias corrections and the learning rate are scalars: fold them into
  // per-step coefficients once, so each parameter costs the fewest full-size passes. The
  // update is PyTorch's: denom = sqrt(v)/sqrt(bc2) + eps, p ← p·(1 − lr·wd) − (lr/bc1)·m/denom.
  const clip = cfg.clipNorm > 0 && Number.isFinite(cfg.clipNorm)
    ? minimum(div(cfg.clipNorm, add(norm, 1e-6)), 1)
    : undefined;
  const mCoef = clip ? mul(clip, 1 - cfg.beta1) : undefined;
  const vCoef = clip ? mul(square(clip), 1 - cfg.beta2) : undefined;
  const stepSize = div(lr, bc1);
  const rootBc2 = rsqrt(bc2);
  const keep = sub(1, mul(lr, cfg.weightDecay));
  params.forEach((p, i) => {
    const gr = grads[i];
    const m = g.state(`opt.m.${p.name}`, p.tensor.shape);
    const v = g.state(`opt.v.${p.name}`, p.tensor.shape);
    const m1 = add(mul(m, cfg.beta1), mul(gr, mCoef ?? 1 - cfg.beta1));
    const v1 = add(mul(v, cfg.beta2), mul(square(gr), vCoef ?? 1 - cfg.beta2));
    const denom = add(mul(sqrt(v1), rootBc2), cfg.eps);
    const decayed = p.decay && cfg.weightDecay > 0 ? mul(p.tensor, keep) : p.tensor;
    const p1 = sub(decayed, div(mul(m1, stepSize), denom));
    g.setStateUpdate(`opt.m.${p.name}`, m1);
    g.setStateUpdate(`opt.v.${p.name}`, v1);
    g.setStateUpdate(p.name, p1);
  });
}
