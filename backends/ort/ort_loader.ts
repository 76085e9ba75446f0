/**
 * Loads `onnxruntime-node` lazily, so that importing actlab never needs FFI
 * permission; failures become an explanation with a fix instead of a crash.
 * @module
 */
import type * as Ort from "onnxruntime-node";

/** The onnxruntime-node module. */
export type OrtModule = typeof Ort;

/** The outcome of loading onnxruntime-node. */
export type OrtLoad =
  | { readonly ok: true; readonly ort: OrtModule }
  | { readonly ok: false; readonly reason: string; readonly fix: string };

let cached: Promise<OrtLoad> | undefined;

async function load(): Promise<OrtLoad> {
  const ffi = await Deno.permissions.query({ name: "ffi" });
  if (ffi.state !== "granted") {
    return {
      ok: false,
      reason: "onnxruntime-node is a native addon and Deno was started without FFI permission",
      fix: "run deno with --allow-ffi (e.g. `deno test --allow-ffi …` or `deno run --allow-ffi …`)",
    };
  }
  try {
    const ort = await import("onnxruntime-node");
    return { ok: true, ort };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    return {
      ok: false,
      reason: `onnxruntime-node failed to load: ${msg}`,
      fix: "install it with `deno install` (npm:onnxruntime-node@1.30.0; its install script is " +
        "not needed for the CPU backend — keep ONNXRUNTIME_NODE_INSTALL=skip when using npm)",
    };
  }
}

/** Load onnxruntime-node once per process. */
export function loadOrt(): Promise<OrtLoad> {
  cached ??= load();
  return cached;
}
