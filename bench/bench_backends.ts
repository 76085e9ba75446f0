/**
 * The step benchmarks' backend list: the requested names that are
 * available here, each unavailable one reported with its reason and fix
 * (never silently dropped, never replaced by another backend).
 * @module
 */
import "../backends/mod.ts";
import { getBackend } from "../backends/registry.ts";

/** The names in `names` whose backend is available; prints why for each one that is not. */
export async function availableBackends(names: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of names) {
    const a = await getBackend(name).probe();
    if (a.available) out.push(name);
    else console.log(`${name} unavailable: ${a.reason}\n  fix: ${a.fix}`);
  }
  return out;
}
