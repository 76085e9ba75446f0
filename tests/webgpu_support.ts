/**
 * Shared gating for WebGPU tests: probe once; without an adapter, skip
 * (printing why) unless CI=true, where the tests run and fail with the reason.
 */
import type { Availability } from "../backends/backend.ts";
import { webgpuBackend } from "../backends/webgpu/mod.ts";

let probed: Promise<Availability> | null = null;

/** The webgpu backend's availability, probed once per process. */
export function gpuAvailability(): Promise<Availability> {
  probed ??= webgpuBackend.probe();
  return probed;
}

const availability = await gpuAvailability();
const ci = Deno.env.get("CI") === "true";

/** Whether WebGPU tests are skipped in this process (no adapter and not CI). */
export const gpuSkipped: boolean = !availability.available && !ci;

/** Register a test that needs a WebGPU device. */
export function gpuTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: gpuSkipped,
    fn: async () => {
      if (!availability.available) {
        throw new Error(`webgpu unavailable: ${availability.reason}\n  fix: ${availability.fix}`);
      }
      await fn();
    },
  });
}
