/**
 * Learning-rate schedule: linear warmup from `warmupStartLr` then cosine
 * decay to `minLr`. Computed on the host and fed to the step graph each step.
 *
 * Step s < W warms up at start + (base − start)·(s+1)/W: the start value is
 * where the line begins one step before the first, so with start 0 (the
 * default) step 0 already trains at base/W. The authors' timm
 * `CosineLRScheduler` (`warmup_lr_init` 1e-6, stepped after each update in
 * their `engine.py`) runs step 0 and 1 at the start value and reaches the
 * peak at step W + 1: with `warmupStartLr` 1e-6 actlab's warmup follows
 * theirs two steps ahead, out of thousands of warmup steps.
 * @module
 */

/** Schedule parameters (steps are 0-based optimizer steps). */
export interface CosineSchedule {
  /** Peak learning rate, reached at the end of the warmup. */
  readonly baseLr: number;
  /** Learning rate at the end of the cosine. */
  readonly minLr: number;
  /** Warmup length W in steps (0: none). */
  readonly warmupSteps: number;
  /** All steps of the run. */
  readonly totalSteps: number;
  /** Where the warmup line starts (default 0). */
  readonly warmupStartLr?: number;
}

/** Learning rate at 0-based `step`. */
export function learningRate(s: CosineSchedule, step: number): number {
  if (step < s.warmupSteps) {
    const start = s.warmupStartLr ?? 0;
    return start + ((s.baseLr - start) * (step + 1)) / s.warmupSteps;
  }
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const t = Math.min(1, (step - s.warmupSteps) / span);
  return s.minLr + 0.5 * (s.baseLr - s.minLr) * (1 + Math.cos(Math.PI * t));
}
