/**
 * Checkpoint files: the whole training state in one versioned file, written
 * atomically (temp file + rename) so a crash never leaves a half-written one.
 *
 * Layout (all integers little-endian):
 *   bytes 0–7   magic "ACTLABCK"
 *   bytes 8–11  format version (u32, currently 2)
 *   bytes 12–15 header length H (u32)
 *   bytes 16–19 CRC-32 of everything after byte 19 (version 2 only)
 *   H bytes     UTF-8 JSON header: { meta, tensors: [{ name, dtype, shape, offset, bytes }] }
 *   then        tensor payloads, each at `offset` from the payload start,
 *               raw little-endian f32 / i32 / u8 (bool)
 * The CRC catches bit flips and truncation anywhere in the header or the
 * tensors (a flipped bit in a float would otherwise load silently). Version 1
 * files (no CRC) are still read.
 * `meta` holds step, epoch, rng state and the run config; tensors hold
 * parameters, optimizer moments, BatchNorm statistics and plugin memories
 * (every piece of graph state).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { allocData, type DType, type HostTensor, sizeOf } from "../core/host_tensor.ts";
import { crc32 } from "./crc32.ts";
import { writeBytesAtomic } from "./files.ts";

const MAGIC = "ACTLABCK";
/** Current checkpoint format version. */
export const CHECKPOINT_VERSION = 2;
/** Fixed prefix length by version: v1 has no CRC field. */
const PREFIX: Readonly<Record<number, number>> = { 1: 16, 2: 20 };

/** JSON-serialisable metadata stored with the tensors. */
export type CheckpointMeta = Record<string, unknown>;

/** A loaded checkpoint. */
export interface Checkpoint {
  /** Step, epoch, position in the data order and the run configuration. */
  readonly meta: CheckpointMeta;
  /** Every piece of graph state by name. */
  readonly tensors: Record<string, HostTensor>;
}

interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number;
  bytes: number;
}

function bytesOf(t: HostTensor): Uint8Array {
  const data = t.dtype === "f32" && !(t.data instanceof Float32Array)
    ? Float32Array.from(t.data)
    : t.data;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Serialise a checkpoint to bytes. */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const entries: TensorEntry[] = [];
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(ckpt.tensors)) {
    const b = bytesOf(t);
    entries.push({ name, dtype: t.dtype, shape: [...t.shape], offset, bytes: b.length });
    blobs.push(b);
    offset += b.length;
    offset += (4 - (offset % 4)) % 4; // keep payloads 4-byte aligned
  }
  const header = new TextEncoder().encode(JSON.stringify({ meta: ckpt.meta, tensors: entries }));
  const prefix = PREFIX[CHECKPOINT_VERSION];
  const out = new Uint8Array(prefix + header.length + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, CHECKPOINT_VERSION, true);
  dv.setUint32(12, header.length, true);
  out.set(header, prefix);
  const base = prefix + header.length;
  entries.forEach((e, i) => out.set(blobs[i], base + e.offset));
  dv.setUint32(16, crc32(out.subarray(prefix)), true);
  return out;
}

/** Length the header's tensor table implies, or null when the header does not parse. */
function expectedLength(bytes: Uint8Array, prefix: number, hlen: number): number | null {
  try {
    const h = JSON.parse(new TextDecoder().decode(bytes.subarray(prefix, prefix + hlen)));
    const end = Math.max(0, ...h.tensors.map((e: TensorEntry) => e.offset + e.bytes));
    return prefix + hlen + end;
  } catch {
    return null;
  }
}

/** Parse checkpoint bytes; `path` names the file in errors. */
export function decodeCheckpoint(bytes: Uint8Array, path: string): Checkpoint {
  const bad = (what: string): never => {
    throw new ActlabError(
      `checkpoint ${path}: ${what}`,
      "the file is damaged or not an actlab checkpoint: use an intact copy (or another " +
        "checkpoint of the run), or start a fresh run without --resume",
    );
  };
  if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    bad("wrong magic bytes");
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  const prefix = PREFIX[version];
  if (prefix === undefined) {
    bad(`format version ${version}, this actlab reads versions 1 and ${CHECKPOINT_VERSION}`);
  }
  if (bytes.length < prefix) bad("truncated header");
  const hlen = dv.getUint32(12, true);
  if (prefix + hlen > bytes.length) bad("truncated header");
  if (version >= 2) {
    const want = dv.getUint32(16, true);
    const got = crc32(bytes.subarray(prefix));
    if (got !== want) {
      const need = expectedLength(bytes, prefix, hlen);
      bad(
        need !== null && need > bytes.length
          ? `truncated: ${bytes.length} bytes, the header describes ${need}`
          : `checksum mismatch (stored ${want.toString(16)}, computed ${got.toString(16)}): ` +
            "the file is corrupt",
      );
    }
  }
  let header: { meta: CheckpointMeta; tensors: TensorEntry[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(prefix, prefix + hlen)));
  } catch {
    return bad("unreadable header");
  }
  if (!header || typeof header !== "object" || !Array.isArray(header.tensors)) {
    bad("header lacks the tensor table");
  }
  const base = prefix + hlen;
  const tensors: Record<string, HostTensor> = {};
  for (const e of header.tensors) {
    const n = sizeOf(e.shape);
    const data = allocData(e.dtype, n);
    if (data.byteLength !== e.bytes || base + e.offset + e.bytes > bytes.length) {
      bad(`tensor "${e.name}" is truncated or has the wrong size`);
    }
    new Uint8Array(data.buffer).set(bytes.subarray(base + e.offset, base + e.offset + e.bytes));
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data };
  }
  return { meta: header.meta, tensors };
}

/** Write a checkpoint atomically: temp file in the same folder, then rename. */
export function saveCheckpoint(path: string, ckpt: Checkpoint): Promise<void> {
  return writeBytesAtomic(path, encodeCheckpoint(ckpt));
}

/** Read a checkpoint file with clear errors for missing or corrupt files. */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ActlabError(
        `checkpoint ${path} does not exist`,
        "pass the path of a .ckpt file from a run directory",
      );
    }
    throw e;
  }
  return decodeCheckpoint(bytes, path);
}

/** "model {options} + activation [+ regulariser]" of a run configuration, for messages. */
export function describeRun(config: unknown): string {
  const c = config as Record<string, unknown> | undefined;
  if (!c || typeof c !== "object") return "an unknown run";
  const opts = c.modelOptions && Object.keys(c.modelOptions).length
    ? ` ${JSON.stringify(c.modelOptions)}`
    : "";
  return `${c.model}${opts} + ${c.activation}${c.regulariser ? ` + ${c.regulariser}` : ""}`;
}
