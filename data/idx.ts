/**
 * Reader for the IDX format of (Fashion-)MNIST: a big-endian magic number
 * (two zero bytes, a type byte, the number of dimensions), one big-endian
 * uint32 per dimension, then the elements. Only unsigned-byte data (type
 * 0x08) occurs in these datasets. Gzip is undone transparently.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { maybeGunzip } from "./gzip.ts";

/** Magic number of an IDX file of unsigned-byte images: 3 dimensions (count, rows, columns). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned-byte labels: 1 dimension (count). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** The content of an IDX file. */
export interface IdxArray {
  /** Dimensions from the header (outermost first). */
  readonly dims: number[];
  /** The elements, row-major; length is the product of `dims`. */
  readonly data: Uint8Array;
}

function describe(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return "IDX unsigned-byte images (3 dimensions)";
  if (magic === IDX_LABELS_MAGIC) return "IDX unsigned-byte labels (1 dimension)";
  return "not an IDX unsigned-byte file";
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, "0")}`;
}

const FIX = "delete the file and fetch it again (or reinstall the package that provides it)";

/**
 * Parse IDX `bytes` (gzip or plain) that must carry `magic`. Every
 * inconsistency — wrong magic number, a header or payload cut short, bytes
 * past the end of the payload — is an `ActlabError` naming `file`.
 */
export function parseIdx(bytes: Uint8Array, file: string, magic: number): IdxArray {
  const raw = maybeGunzip(bytes, file);
  if (raw.length < 4) {
    throw new ActlabError(`${file}: truncated IDX file (${raw.length} bytes, no header)`, FIX);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const got = view.getUint32(0, false);
  if (got !== magic) {
    throw new ActlabError(
      `${file}: wrong magic number ${hex(got)} (${describe(got)}), expected ${hex(magic)} ` +
        `(${describe(magic)})`,
      got === IDX_IMAGES_MAGIC || got === IDX_LABELS_MAGIC
        ? "the images and labels files seem swapped; check the file names"
        : FIX,
    );
  }
  const ndims = magic & 0xff;
  const headerBytes = 4 + 4 * ndims;
  if (raw.length < headerBytes) {
    throw new ActlabError(
      `${file}: truncated IDX header (${raw.length} bytes, needs ${headerBytes})`,
      FIX,
    );
  }
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const have = raw.length - headerBytes;
  if (have !== count) {
    throw new ActlabError(
      `${file}: ${have < count ? "truncated" : "has trailing bytes"}: the header says ` +
        `${dims.join("×")} = ${count} bytes of data, the file has ${have}`,
      FIX,
    );
  }
  return { dims, data: raw.subarray(headerBytes) };
}

/** Read and parse the IDX file at `path` (see `parseIdx`). */
export async function readIdx(path: string, magic: number): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new ActlabError(
      `${path}: cannot read (${(e as Error).message})`,
      "check that the file exists and is readable (deno needs --allow-read)",
    );
  }
  return parseIdx(bytes, path, magic);
}
