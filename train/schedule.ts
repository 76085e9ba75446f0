/**
 * Learning-rate schedule: linear warmup then cosine decay to `minLr`.
 * Computed on the host and fed to the step graph each step.
 * @module
 */

/** Schedule parameters (steps are 0-based optimizer steps). */
export interface CosineSchedule {
  readonly baseLr: number;
  readonly minLr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
}

/** Learning rate at 0-based `step`. */
export function learningRate(s: CosineSchedule, step: number): number {
  if (step < s.warmupSteps) return (s.baseLr * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const t = Math.min(1, (step - s.warmupSteps) / span);
  return s.minLr + 0.5 * (s.baseLr - s.minLr) * (1 + Math.cos(Math.PI * t));
}
