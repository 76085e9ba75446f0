/**
 * A minimal reader for (ustar / GNU) tar archives, enough for the CIFAR
 * "binary version" archives: regular files only, read fully into memory.
 * @module
 */
import { ActlabError } from "../core/errors.ts";

const BLOCK = 512;

function text(bytes: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}

function octal(bytes: Uint8Array, start: number, len: number, file: string): number {
  const s = text(bytes, start, len).trim();
  if (!/^[0-7]*$/.test(s)) {
    throw new ActlabError(
      `${file}: not a tar archive (bad size field "${s}" in an entry header)`,
      "delete the archive and fetch it again",
    );
  }
  return s === "" ? 0 : parseInt(s, 8);
}

function corrupt(file: string, what: string): ActlabError {
  return new ActlabError(
    `${file}: truncated or corrupt tar archive (${what})`,
    "delete the archive and fetch it again",
  );
}

/**
 * The regular files of a tar archive, keyed by their path inside it. The
 * entries are views into `bytes` (no copy). Throws an error naming `file`
 * when a header is malformed or an entry runs past the end of the data.
 */
export function readTar(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let pos = 0;
  let longName: string | null = null;
  let sawEnd = false;
  while (pos + BLOCK <= bytes.length) {
    const header = bytes.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) {
      sawEnd = true;
      break;
    }
    // The checksum makes random bytes (e.g. a plain file misnamed .tar) fail here, not later.
    const stored = octal(header, 148, 8, file);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    if (sum !== stored) throw corrupt(file, `bad header checksum at byte ${pos}`);
    const size = octal(header, 124, 12, file);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = text(header, 345, 155);
    let name = text(header, 0, 100);
    if (prefix && text(header, 257, 6).startsWith("ustar")) name = `${prefix}/${name}`;
    const start = pos + BLOCK;
    const end = start + size;
    if (end > bytes.length) {
      throw corrupt(
        file,
        `entry "${longName ?? name}" needs ${size} bytes, only ${bytes.length - start} left`,
      );
    }
    if (type === "L") {
      longName = text(bytes, start, size);
    } else {
      if (type === "0" || type === "7") out.set(longName ?? name, bytes.subarray(start, end));
      longName = null;
    }
    pos = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  // Writers always end with zero blocks; without them the archive was cut at an entry boundary.
  if (!sawEnd) throw corrupt(file, "no end-of-archive marker: the archive is cut short");
  return out;
}
