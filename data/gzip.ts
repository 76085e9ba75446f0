/**
 * Transparent gzip: dataset files may be stored compressed or plain under
 * either name, so compression is detected from the bytes, not the file name.
 * @module
 */
import { gunzipSync } from "node:zlib";
import { ActlabError } from "../core/errors.ts";

/** True when `bytes` starts with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * `bytes` decompressed when they are gzip data, otherwise unchanged. A gzip
 * stream that is corrupt or cut short is an error naming `file`, so a partial
 * file can never be parsed as a shorter complete one.
 */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new ActlabError(
      `${file}: corrupt or truncated gzip data (${(e as Error).message})`,
      "delete the file and fetch it again (or reinstall the package that provides it)",
    );
  }
}
