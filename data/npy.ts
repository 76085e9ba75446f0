/**
 * NumPy's `.npy` format (versions 1.0, 2.0, 3.0) and `.npz` archives (a zip of
 * `.npy` files, see `zip.ts`), for datasets shipped as NumPy arrays
 * (DGraph-Fin's `dgraphfin.npz`).
 *
 * Format (numpy/lib/format.py, NEP 1): magic `\x93NUMPY`, major/minor
 * version, a little-endian header length (uint16 in v1, uint32 in v2/v3), a
 * Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3,
 * 4), }` (latin1 in v1/v2, UTF-8 in v3), then the raw data. Supported dtypes:
 * bool, (u)int 8/16/32/64 and float 32/64, little- or big-endian, C order.
 * Fortran-ordered arrays of two or more dimensions are refused (1-D arrays are
 * the same either way); structured and object dtypes are refused.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { ZipArchive } from "./zip.ts";

/** The element types read: `f4` float32, `i8` int64, `b1` bool, … */
export type NpyDtype = "b1" | "u1" | "i1" | "u2" | "i2" | "u4" | "i4" | "u8" | "i8" | "f4" | "f8";

/** Typed arrays an `.npy` array is returned as (64-bit ints as BigInt arrays). */
export type NpyData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

/** One array read from a `.npy` file or `.npz` entry. */
export interface NpyArray {
  /** Element type (byte order already resolved: data is in native order). */
  readonly dtype: NpyDtype;
  /** Shape, C order (row-major); `[]` for a scalar. */
  readonly shape: readonly number[];
  /** The elements, row-major. */
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Ctor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NpyData;
  new (length: number): NpyData;
  readonly BYTES_PER_ELEMENT: number;
};
const CTORS: Record<NpyDtype, Ctor> = {
  b1: Uint8Array,
  u1: Uint8Array,
  i1: Int8Array,
  u2: Uint16Array,
  i2: Int16Array,
  u4: Uint32Array,
  i4: Int32Array,
  u8: BigUint64Array,
  i8: BigInt64Array,
  f4: Float32Array,
  f8: Float64Array,
} as unknown as Record<NpyDtype, Ctor>;

function bad(file: string, what: string): ActlabError {
  return new ActlabError(
    `${file}: not a valid .npy array (${what})`,
    "delete the file and fetch it again; it must be written by numpy.save / numpy.savez",
  );
}

function parseHeader(
  text: string,
  file: string,
): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  if (!descr) {
    throw new ActlabError(
      `${file}: unsupported .npy dtype (header ${text.trim()}); structured and object arrays are not read`,
      "save a plain numeric array (e.g. arr.astype(np.float32)) with numpy.save",
    );
  }
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!fortran || !shape) throw bad(file, `header without fortran_order/shape: ${text.trim()}`);
  const dims = shape[1].split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (!dims.every((d) => /^\d+L?$/.test(d))) throw bad(file, `bad shape (${shape[1]})`);
  return {
    descr: descr[1],
    fortran: fortran[1] === "True",
    shape: dims.map((d) => parseInt(d, 10)),
  };
}

function dtypeOf(descr: string, file: string): { dtype: NpyDtype; bigEndian: boolean } {
  const m = /^([<>|=]?)([biuf])(\d+)$/.exec(descr);
  const dtype = m ? `${m[2]}${m[3]}` as NpyDtype : null;
  if (!m || !dtype || !(dtype in CTORS)) {
    throw new ActlabError(
      `${file}: unsupported .npy dtype "${descr}" (read: bool, int8..int64, uint8..uint64, float32, float64)`,
      "convert the array with arr.astype(np.float32) (or an integer type) before saving",
    );
  }
  return { dtype, bigEndian: m[1] === ">" && CTORS[dtype].BYTES_PER_ELEMENT > 1 };
}

/**
 * Parse the bytes of one `.npy` file. `file` names the file (and entry) in
 * errors: a bad magic, an unsupported dtype, Fortran order, or data shorter
 * or longer than the shape says.
 */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw bad(file, "no \\x93NUMPY magic at the start");
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad(file, "cut short in the header length");
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw bad(file, `format version ${major}.${bytes[7]} (read: 1.0, 2.0, 3.0)`);
  }
  if (start + headerLen > bytes.length) throw bad(file, "cut short inside the header");
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(start, start + headerLen),
  );
  const h = parseHeader(text, file);
  dtypeOf(h.descr, file); // an unsupported dtype is named before any shape complaint
  if (h.fortran && h.shape.length > 1) {
    throw new ActlabError(
      `${file}: array of shape (${
        h.shape.join(", ")
      }) is stored in Fortran (column-major) order, which is not read`,
      "re-save it in C order: numpy.save(path, numpy.ascontiguousarray(arr))",
    );
  }
  return npyFromRaw(h.descr, h.shape, bytes.subarray(start + headerLen), file);
}

/**
 * An array from its dtype string (`<f8`, `|b1`, …), shape and raw C-order
 * bytes, which must be exactly as long as the shape says. The result views
 * `raw` when it is native-order and aligned, else it is a copy. Shared by the
 * `.npy` reader and the pickle reader (numpy's `_reconstruct` state).
 */
export function npyFromRaw(
  descr: string,
  shape: readonly number[],
  raw: Uint8Array,
  file: string,
): NpyArray {
  const { dtype, bigEndian } = dtypeOf(descr, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const ctor = CTORS[dtype];
  const width = ctor.BYTES_PER_ELEMENT;
  const need = count * width;
  const have = raw.length;
  if (have !== need) {
    throw bad(
      file,
      `shape (${shape.join(", ")}) of ${descr} needs ${need} data bytes, found ${have}` +
        (have < need ? ": the file is truncated" : ""),
    );
  }
  let data: NpyData;
  if (!bigEndian && raw.byteOffset % width === 0) {
    data = new ctor(raw.buffer, raw.byteOffset, count); // a view, no copy
  } else {
    const copy = raw.slice();
    if (bigEndian) {
      for (let i = 0; i < need; i += width) copy.subarray(i, i + width).reverse();
    }
    data = new ctor(copy.buffer, 0, count);
  }
  return { dtype, shape: [...shape], data };
}

/** Read one `.npy` file. */
export async function readNpy(file: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (e) {
    throw new ActlabError(`${file}: cannot read (${(e as Error).message})`, "check the path");
  }
  return parseNpy(bytes, file);
}

/** An open `.npz` archive: arrays are read one at a time, on demand. */
export interface NpzFile {
  /** Array names (entry names without `.npy`). */
  readonly names: readonly string[];
  /** Read array `name`; a missing or corrupt entry is an error naming the file and entry. */
  get(name: string): Promise<NpyArray>;
  /** Release the file handle. */
  close(): void;
}

/** Open a `.npz` archive (stored or deflated entries, as `savez` / `savez_compressed` write). */
export async function openNpz(file: string): Promise<NpzFile> {
  const zip = await ZipArchive.open(file);
  const names = [...zip.entries.keys()].filter((n) => n.endsWith(".npy")).map((n) =>
    n.slice(0, -4)
  );
  return {
    names,
    async get(name: string): Promise<NpyArray> {
      if (!names.includes(name)) {
        throw new ActlabError(
          `${file}: no array "${name}" (has: ${names.join(", ") || "none"})`,
          "check that the .npz is the dataset's original file",
        );
      }
      return parseNpy(await zip.read(`${name}.npy`), `${file} (array "${name}")`);
    },
    close: () => zip.close(),
  };
}

/** The elements as float32 (a copy unless they already are). */
export function npyToFloat32(a: NpyArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  if (a.data instanceof BigInt64Array || a.data instanceof BigUint64Array) {
    const out = new Float32Array(a.data.length);
    for (let i = 0; i < out.length; i++) out[i] = Number(a.data[i]);
    return out;
  }
  return new Float32Array(a.data as ArrayLike<number>);
}

/**
 * The elements as int32; `what` names the array in the error raised when a
 * value does not fit (or the array holds floats that are not integers).
 */
export function npyToInt32(a: NpyArray, what: string): Int32Array {
  const d = a.data;
  const n = d.length;
  if (d instanceof Int32Array) return d;
  const out = new Int32Array(n);
  const overflow = (i: number, v: string) =>
    new ActlabError(
      `${what}: element ${i} = ${v} does not fit a 32-bit integer index`,
      "check that the file is the dataset's original one",
    );
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    // Read the two 32-bit halves: much faster than converting each BigInt.
    const w = new Int32Array(d.buffer, d.byteOffset, n * 2);
    const signed = d instanceof BigInt64Array;
    for (let i = 0; i < n; i++) {
      const lo = w[2 * i];
      const hi = w[2 * i + 1];
      if (hi !== (lo >> 31) || (!signed && lo < 0)) throw overflow(i, String(d[i]));
      out[i] = lo;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const v = (d as ArrayLike<number>)[i];
    if (!Number.isInteger(v) || v > 2147483647 || v < -2147483648) throw overflow(i, String(v));
    out[i] = v;
  }
  return out;
}
