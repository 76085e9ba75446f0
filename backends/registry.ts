/**
 * The backend registry: register, look up by name, probe all, and resolve
 * `auto` to the fastest available backend. Asking for an unavailable backend
 * is an error carrying its reason and fix — never a silent fallback.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Availability, Backend } from "./backend.ts";

const backends = new Map<string, Backend>();

/** Register a backend under its name (replacing is an error). */
export function registerBackend(backend: Backend): void {
  if (backends.has(backend.name)) {
    throw new ActlabError(
      `backend "${backend.name}" is registered twice`,
      "pick a unique backend name",
    );
  }
  backends.set(backend.name, backend);
}

/** Names of every registered backend, fastest first. */
export function listBackends(): string[] {
  return [...backends.values()].sort((a, b) => a.speedRank - b.speedRank).map((b) => b.name);
}

/** The backend called `name`; unknown names list the valid ones. */
export function getBackend(name: string): Backend {
  const b = backends.get(name);
  if (!b) {
    throw new ActlabError(
      `unknown backend "${name}"`,
      `use one of: auto, ${listBackends().join(", ")}`,
    );
  }
  return b;
}

/** Probe every backend, fastest first. */
export async function probeAll(): Promise<{ name: string; availability: Availability }[]> {
  const out: { name: string; availability: Availability }[] = [];
  for (const name of listBackends()) {
    out.push({ name, availability: await getBackend(name).probe() });
  }
  return out;
}

/**
 * Resolve a requested name to a usable backend: `auto` picks the fastest
 * available one; a named backend that is unavailable throws with its reason and fix.
 */
export async function resolveBackend(name: string): Promise<Backend> {
  if (name === "auto") {
    for (const { name: n, availability } of await probeAll()) {
      if (availability.available) return getBackend(n);
    }
    throw new ActlabError(
      "no backend is available",
      "the reference backend should always be; reinstall actlab",
    );
  }
  const b = getBackend(name);
  const a = await b.probe();
  if (!a.available) throw new ActlabError(`backend "${name}" is unavailable: ${a.reason}`, a.fix);
  return b;
}
