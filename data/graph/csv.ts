/**
 * Streaming reader for numeric CSV files, gzip-compressed or plain (OGB's
 * `raw/*.csv.gz`: no header, one row per node or edge). The file is read in
 * chunks through `DecompressionStream` and parsed byte by byte into a typed
 * array that grows by doubling, so a 200 MB feature table never becomes one
 * string. Decimal fields take the exact fast path (≤ 15 significant digits,
 * |exponent| ≤ 22: one division of exact doubles, as correctly rounded as
 * `Number()`); anything else falls back to `Number()`. Floats are rounded
 * through float64 to float32, as pandas + `astype(np.float32)` does in OGB.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";

/** A parsed numeric table. */
export interface NumericTable<T extends Float32Array | Int32Array> {
  /** Rows read (blank lines skipped). */
  readonly rows: number;
  /** Columns per row. */
  readonly cols: number;
  /** Values, row-major. */
  readonly values: T;
}

const POW10 = [
  1e0,
  1e1,
  1e2,
  1e3,
  1e4,
  1e5,
  1e6,
  1e7,
  1e8,
  1e9,
  1e10,
  1e11,
  1e12,
  1e13,
  1e14,
  1e15,
  1e16,
  1e17,
  1e18,
  1e19,
  1e20,
  1e21,
  1e22,
];

function parseField(buf: Uint8Array, len: number): number {
  let i = 0;
  let neg = false;
  if (buf[0] === 45 /* - */ || buf[0] === 43 /* + */) {
    neg = buf[0] === 45;
    i = 1;
  }
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let any = false;
  for (; i < len; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) break;
    any = true;
    if (mant !== 0 || c !== 0) digits++;
    mant = mant * 10 + c;
  }
  if (i < len && buf[i] === 46 /* . */) {
    for (i++; i < len; i++) {
      const c = buf[i] - 48;
      if (c < 0 || c > 9) break;
      any = true;
      if (mant !== 0 || c !== 0) digits++;
      mant = mant * 10 + c;
      frac++;
    }
  }
  let exp = 0;
  if (any && i < len && (buf[i] === 101 || buf[i] === 69) /* e E */) {
    let j = i + 1;
    let eneg = false;
    if (buf[j] === 45 || buf[j] === 43) eneg = buf[j++] === 45;
    let e = 0;
    let edig = false;
    for (; j < len; j++) {
      const c = buf[j] - 48;
      if (c < 0 || c > 9) break;
      e = e * 10 + c;
      edig = true;
    }
    if (edig) {
      exp = eneg ? -e : e;
      i = j;
    }
  }
  if (any && i === len && digits <= 15) {
    const p = exp - frac;
    if (p >= -22 && p <= 22) {
      const v = p < 0 ? mant / POW10[-p] : mant * POW10[p];
      if (p <= 0 || v <= 9007199254740991) return neg ? -v : v;
    }
  }
  return Number(new TextDecoder().decode(buf.subarray(0, len)));
}

/**
 * Read the numeric CSV `file` (gzip detected from its magic bytes). Every row
 * must have `cols` fields (or the first row's count when `cols` is omitted);
 * a field that is not a number, a ragged row, or a truncated gzip stream is an
 * ActlabError naming the file and line. `capacity` pre-sizes the output.
 */
export async function readNumericCsv<K extends "float32" | "int32">(
  file: string,
  kind: K,
  opts: { cols?: number; capacity?: number } = {},
): Promise<NumericTable<K extends "float32" ? Float32Array : Int32Array>> {
  type Out = K extends "float32" ? Float32Array : Int32Array;
  const make = (n: number) => (kind === "float32" ? new Float32Array(n) : new Int32Array(n)) as Out;
  const fail = (what: string, fix = "delete the file and fetch the dataset again") =>
    new ActlabError(`${file}: ${what}`, fix);
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(file, { read: true });
  } catch (e) {
    throw fail(`cannot open (${(e as Error).message})`, "check the path given with --data-dir");
  }
  const head = new Uint8Array(2);
  const nHead = (await handle.read(head)) ?? 0;
  await handle.seek(0, Deno.SeekMode.Start);
  const gz = nHead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  const stream: ReadableStream<Uint8Array> = gz
    ? handle.readable.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    )
    : handle.readable;

  let values = make(Math.max(1024, opts.capacity ?? 0));
  let n = 0;
  let cols = opts.cols ?? -1;
  let rowFields = 0;
  let rows = 0;
  let line = 1;
  const field = new Uint8Array(256);
  let flen = 0;
  const isInt = kind === "int32";

  const push = (v: number) => {
    if (n === values.length) {
      const bigger = make(values.length * 2);
      bigger.set(values);
      values = bigger;
    }
    values[n++] = v;
  };
  const endField = () => {
    if (flen === 0) throw fail(`line ${line}: empty field`);
    const v = parseField(field, flen);
    if (Number.isNaN(v) && !(flen === 3 && field[0] === 110)) {
      throw fail(
        `line ${line}: "${new TextDecoder().decode(field.subarray(0, flen))}" is not a number`,
      );
    }
    if (isInt && (!Number.isInteger(v) || v > 2147483647 || v < -2147483648)) {
      throw fail(`line ${line}: ${v} is not a 32-bit integer`);
    }
    push(v);
    flen = 0;
    rowFields++;
  };
  const endRow = () => {
    if (flen === 0 && rowFields === 0) return; // blank line
    endField();
    if (cols < 0) cols = rowFields;
    if (rowFields !== cols) {
      throw fail(
        `line ${line}: ${rowFields} fields, expected ${cols} (a cut-short or corrupt file)`,
      );
    }
    rows++;
    rowFields = 0;
  };

  try {
    for await (const chunk of stream) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === 44 /* , */) endField();
        else if (b === 10 /* \n */) {
          endRow();
          line++;
        } else if (b !== 13 /* \r */ && b !== 32 /* space */) {
          if (flen === field.length) {
            throw fail(`line ${line}: a field longer than ${field.length} bytes`);
          }
          field[flen++] = b;
        }
      }
    }
  } catch (e) {
    if (e instanceof ActlabError) throw e;
    throw fail(`corrupt or truncated ${gz ? "gzip stream" : "file"} (${(e as Error).message})`);
  } finally {
    try {
      handle.close();
    } catch { /* already closed by the stream */ }
  }
  endRow();
  return { rows, cols: Math.max(cols, 0), values: values.slice(0, n) as Out };
}
