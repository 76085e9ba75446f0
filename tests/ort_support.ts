/**
 * Shared gate of the ORT tests: when the backend cannot load, fail with the
 * reason under CI=true (a CI machine must have it), skip with the reason otherwise.
 */
import type { Backend } from "../backends/backend.ts";

/** True when `backend` is available; registers a failing test or prints why not otherwise. */
export async function ortAvailability(backend: Backend): Promise<boolean> {
  const a = await backend.probe();
  if (a.available) return true;
  const msg = `${backend.name} unavailable: ${a.reason}\n  fix: ${a.fix}`;
  if (Deno.env.get("CI") === "true") {
    Deno.test(`${backend.name} is available (required under CI=true)`, () => {
      throw new Error(msg);
    });
  } else {
    console.log(`skipping ${backend.name} tests — ${msg}`);
  }
  return false;
}
