/**
 * The onednn-cpu backend (oneDNN through Deno FFI); see `backend.ts`.
 * @module
 */
export { onednnCpuBackend } from "./backend.ts";
export { onednnOps } from "./kernel.ts";
