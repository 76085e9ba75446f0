/**
 * WebAssembly text → module, for onednn-cpu's generated kernels, with
 * wabt (`npm:wabt`, the WebAssembly project's own toolkit, compiled to
 * WASM): the kernels are written as text — readable, and checked by wabt's
 * validator — instead of through a hand-written binary encoder. wabt is
 * loaded once, on the first onednn-cpu compile (`loadAssembler`); assembling
 * is synchronous after that, and each distinct text is assembled once.
 * @module
 */
import { ActlabError } from "../../../core/errors.ts";

interface Wabt {
  parseWat(
    name: string,
    text: string,
    features: Record<string, boolean>,
  ): { toBinary(o: Record<string, unknown>): { buffer: Uint8Array<ArrayBuffer> }; destroy(): void };
}

let wabt: Wabt | null = null;
const modules = new Map<string, WebAssembly.Module>();

/** Load wabt (once); false with the reason when it cannot load. */
export async function loadAssembler(): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (wabt) return { ok: true };
  try {
    const init = (await import("wabt")).default as unknown as () => Promise<Wabt>;
    wabt = await init();
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/** Whether `loadAssembler` has succeeded. */
export function assemblerLoaded(): boolean {
  return wabt !== null;
}

/** The compiled module of `text` (cached by text); `loadAssembler` must have succeeded. */
export function assemble(text: string): WebAssembly.Module {
  const hit = modules.get(text);
  if (hit) return hit;
  if (!wabt) {
    throw new ActlabError(
      "the WebAssembly assembler is not loaded",
      "await loadAssembler() before compiling (a bug in onednn-cpu)",
    );
  }
  const parsed = wabt.parseWat("kernel.wat", text, { simd: true });
  try {
    const module = new WebAssembly.Module(parsed.toBinary({}).buffer);
    modules.set(text, module);
    return module;
  } finally {
    parsed.destroy();
  }
}
