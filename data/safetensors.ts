/**
 * Reads and writes the safetensors format (Hugging Face, `safetensors`
 * `docs/source/index.mdx`): an 8-byte little-endian header length N, N
 * bytes of UTF-8 JSON (`{name: {dtype, shape, data_offsets: [begin, end]}}`
 * plus an optional `__metadata__` of strings), then the raw little-endian
 * tensor bytes, offsets relative to the start of that data. Tensors are
 * read as float32: F32, F16 and BF16 (and F64) are converted; other dtypes
 * are an error naming the tensor. Validation follows the reference
 * implementation: every offset pair within the data, sized `∏shape ×
 * element size`, aligned to the element size, and together covering the
 * data exactly — no overlap, no hole, no trailing bytes.
 *
 * Hand-written (about 150 lines): no safetensors package is in the npm
 * registry lists this project can install from.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { type HostTensor, sizeOf } from "../core/host_tensor.ts";

/** Bytes per element of the dtypes this reader converts to float32. */
const ELEMENT_BYTES: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

/** Largest header accepted (the reference implementation's limit, 100 MB). */
const MAX_HEADER = 100_000_000;

/** A parsed safetensors file: tensors as float32 by name, and the header's metadata. */
export interface Safetensors {
  /** Tensors in file order, converted to f32. */
  readonly tensors: Map<string, HostTensor>;
  /** `__metadata__` (string to string), empty when absent. */
  readonly metadata: Readonly<Record<string, string>>;
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function decode(dtype: string, view: DataView, n: number): Float32Array {
  const out = new Float32Array(n);
  if (dtype === "F32") { for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true); }
  else if (dtype === "F64") { for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true); }
  else if (dtype === "F16") {
    for (let i = 0; i < n; i++) out[i] = f16ToF32(view.getUint16(2 * i, true));
  } else {
    // BF16 is the upper half of a float32.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, v: unknown, bad: (what: string) => never): Entry {
  const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof v !== "object" || v === null) bad(`tensor "${name}" is not an object`);
  const shape = e.shape, offsets = e.data_offsets;
  if (
    !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)
  ) bad(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every((d) => Number.isSafeInteger(d) && d >= 0) || offsets[0] > offsets[1]
  ) bad(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
  if (typeof e.dtype !== "string" || !(e.dtype in ELEMENT_BYTES)) {
    bad(
      `tensor "${name}" has dtype ${JSON.stringify(e.dtype)}; supported: ${
        Object.keys(ELEMENT_BYTES).join(", ")
      }`,
    );
  }
  const [begin, end] = offsets as number[];
  return { name, dtype: e.dtype as string, shape: shape as number[], begin, end };
}

/** Parse safetensors bytes; `source` names the file in errors. */
export function parseSafetensors(bytes: Uint8Array, source: string): Safetensors {
  const bad = (what: string): never => {
    throw new ActlabError(
      `${source} is not a valid safetensors file: ${what}`,
      "re-download or re-export the checkpoint (e.g. with safetensors.torch.save_file)",
    );
  };
  if (bytes.length < 8) bad(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > MAX_HEADER || 8 + n > bytes.length) {
    bad(`header length ${n} exceeds the file (${bytes.length} bytes)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    bad(`the header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    bad("the header is not a JSON object");
  }
  const dataStart = 8 + n, dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof v !== "object" || v === null) bad("__metadata__ is not an object");
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== "string") bad(`__metadata__.${k} is not a string`);
        metadata[k] = s as string;
      }
      continue;
    }
    const e = parseEntry(name, v, bad);
    const size = ELEMENT_BYTES[e.dtype];
    if (e.end - e.begin !== sizeOf(e.shape) * size) {
      bad(
        `tensor "${name}" (${e.dtype} [${e.shape}]) needs ${sizeOf(e.shape) * size} bytes ` +
          `but its data_offsets [${e.begin}, ${e.end}] span ${e.end - e.begin}`,
      );
    }
    if (e.end > dataLength) {
      bad(`tensor "${name}" ends at byte ${e.end}, past the ${dataLength} bytes of data`);
    }
    if (e.begin % size !== 0) {
      bad(`tensor "${name}" starts at byte ${e.begin}, not aligned to its ${size}-byte elements`);
    }
    entries.push(e);
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin < at) bad(`tensor "${e.name}" [${e.begin}, ${e.end}) overlaps the one before it`);
    if (e.begin > at) {
      bad(`bytes [${at}, ${e.begin}) before tensor "${e.name}" belong to no tensor`);
    }
    at = e.end;
  }
  if (at !== dataLength) bad(`${dataLength - at} bytes after the last tensor belong to no tensor`);
  const tensors = new Map<string, HostTensor>();
  for (const e of entries) {
    const view = new DataView(
      bytes.buffer,
      bytes.byteOffset + dataStart + e.begin,
      e.end - e.begin,
    );
    tensors.set(e.name, {
      dtype: "f32",
      shape: e.shape,
      data: decode(e.dtype, view, sizeOf(e.shape)),
    });
  }
  return { tensors, metadata };
}

/** Read a safetensors file; a missing file is an error naming it. */
export async function readSafetensors(path: string): Promise<Safetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new ActlabError(
      `cannot read ${path}: ${(e as Error).message}`,
      "pass an existing .safetensors file (e.g. model.safetensors of a Hugging Face checkpoint)",
    );
  }
  return parseSafetensors(bytes, path);
}

/**
 * Encode float32 tensors as safetensors (dtype F32, in the given order,
 * header padded with spaces to 8 bytes as the reference writer does).
 */
export function encodeSafetensors(
  tensors: Readonly<
    Record<string, { readonly shape: readonly number[]; readonly data: ArrayLike<number> }>
  >,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (t.data.length !== sizeOf(t.shape)) {
      throw new ActlabError(
        `safetensors: tensor "${name}" has ${t.data.length} values for shape [${t.shape}]`,
        "pass one value per element",
      );
    }
    const bytes = 4 * sizeOf(t.shape);
    header[name] = { dtype: "F32", shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of Object.values(tensors)) {
    for (let i = 0; i < t.data.length; i++, at += 4) dv.setFloat32(at, t.data[i], true);
  }
  return out;
}
