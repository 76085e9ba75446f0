/**
 * Per-op GPU time: every step submitted and awaited on its own. A
 * diagnostic for finding slow kernels, not a run.
 * @module
 */
import { checkAlive, type GpuContext } from "./device.ts";
import { encodeSteps, type Step } from "./steps.ts";

/** Milliseconds per op over `steps`, each minus the cost of an empty submission and wait. */
export async function profileSteps(
  ctx: GpuContext,
  steps: readonly Step[],
): Promise<Record<string, number>> {
  const q = ctx.device.queue;
  await q.onSubmittedWorkDone();
  let idle = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    q.submit([ctx.device.createCommandEncoder().finish()]);
    await q.onSubmittedWorkDone();
    idle = Math.min(idle, performance.now() - t0);
  }
  const ms: Record<string, number> = {};
  for (const s of steps) {
    const enc = ctx.device.createCommandEncoder();
    encodeSteps(enc, [s]);
    const t0 = performance.now();
    q.submit([enc.finish()]);
    await q.onSubmittedWorkDone();
    ms[s.op] = (ms[s.op] ?? 0) + Math.max(0, performance.now() - t0 - idle);
  }
  checkAlive(ctx);
  return ms;
}
