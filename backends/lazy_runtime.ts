/**
 * Runtimes loaded on first use. A backend built on a large npm package
 * (onnxruntime-node: ~290 MB of native binaries; TF.js) registers a small
 * stub — name, description, speed rank — and keeps everything that touches
 * the package in a runtime module, imported the first time the backend is
 * probed or compiled. The import specifier is computed, so the runtime is in
 * no static module graph: `deno info mod.ts` and every run that uses another
 * backend never resolve, download or load the package.
 *
 * The runtime module is still an ordinary file of actlab: `deno install`
 * installs its packages (they stay in deno.json "imports"); JSR publishes it
 * with its bare specifiers rewritten to `npm:` ones, and a JSR user's Deno
 * fetches it from jsr.io on first use (jsr.io is in Deno's default import
 * allow-list). A runtime that cannot load is a reason and a fix, never a
 * fallback.
 * @module
 */

/** The outcome of loading a runtime module. */
export type RuntimeLoad<R> =
  | { readonly ok: true; readonly runtime: R }
  | { readonly ok: false; readonly reason: string; readonly fix: string };

/** What a runtime module exports: its runtime object under the name `runtime`. */
interface RuntimeModule {
  readonly runtime?: unknown;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

async function load<R>(what: string, module: URL, fix: string): Promise<RuntimeLoad<R>> {
  if (module.protocol === "file:") {
    // A local module outside the static graph needs read permission to be imported.
    const read = await Deno.permissions.query({ name: "read", path: module });
    if (read.state !== "granted") {
      return {
        ok: false,
        reason: `${what} is loaded on first use from ${module.pathname}, and Deno was started ` +
          "without read permission for it",
        fix: "run deno with --allow-read (e.g. `deno run --allow-read …`)",
      };
    }
  }
  try {
    const mod: RuntimeModule = await import(module.href);
    if (typeof mod.runtime !== "object" || mod.runtime === null) {
      throw new Error(`${module.href} does not export a runtime`);
    }
    // The module's own `satisfies` clause checks the shape against R.
    return { ok: true, runtime: mod.runtime as R };
  } catch (e) {
    return { ok: false, reason: `${what} failed to load: ${firstLine(e)}`, fix };
  }
}

/**
 * A loader of the runtime module at `module` (a URL relative to the caller's
 * `import.meta.url`), importing it once per process; `what` names it in
 * messages and `fix` is the advice when it fails to load.
 */
export function lazyRuntime<R>(
  what: string,
  module: URL,
  fix: string,
): () => Promise<RuntimeLoad<R>> {
  let loading: Promise<RuntimeLoad<R>> | undefined;
  return () => (loading ??= load<R>(what, module, fix));
}
