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

/** Incremental parser state: values so far, the current row, and the partial line between chunks. */
class Parser<T extends Float32Array | Int32Array> {
  values: T;
  n = 0;
  cols: number;
  rowFields = 0;
  rows = 0;
  line = 1;
  private leftover: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly file: string,
    private readonly make: (n: number) => T,
    private readonly isInt: boolean,
    cols: number,
    capacity: number,
  ) {
    this.values = make(Math.max(1024, capacity));
    this.cols = cols;
  }

  fail(what: string): ActlabError {
    return new ActlabError(`${this.file}: ${what}`, "delete the file and fetch the dataset again");
  }

  /** Parse a chunk; a line cut by the chunk's end waits for the next chunk. */
  feed(chunk: Uint8Array): void {
    let from = 0;
    if (this.leftover.length > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        const joined = new Uint8Array(this.leftover.length + chunk.length);
        joined.set(this.leftover);
        joined.set(chunk, this.leftover.length);
        this.leftover = joined;
        return;
      }
      const joined = new Uint8Array(this.leftover.length + nl + 1);
      joined.set(this.leftover);
      joined.set(chunk.subarray(0, nl + 1), this.leftover.length);
      this.parseLines(joined, 0, joined.length);
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= from) this.parseLines(chunk, from, last + 1);
    this.leftover = chunk.slice(Math.max(from, last + 1));
  }

  /** The end of the stream: a last line without a newline. */
  finish(): void {
    if (this.leftover.length > 0) {
      const joined = new Uint8Array(this.leftover.length + 1);
      joined.set(this.leftover);
      joined[this.leftover.length] = 10;
      this.leftover = new Uint8Array(0);
      this.parseLines(joined, 0, joined.length);
    }
  }

  /** Parse whole lines `buf[start, end)` (`end` just past a newline). */
  private parseLines(buf: Uint8Array, start: number, end: number): void {
    let values = this.values;
    let n = this.n;
    let rowFields = this.rowFields;
    const isInt = this.isInt;
    let i = start;
    while (i < end) {
      const fieldStart = i;
      let c = buf[i];
      if (rowFields === 0 && (c === 10 || c === 13)) { // blank line
        if (c === 10) this.line++;
        i++;
        continue;
      }
      let neg = false;
      if (c === 45 || c === 43) {
        neg = c === 45;
        c = buf[++i];
      }
      let mant = 0;
      let digits = 0;
      let frac = 0;
      let any = false;
      while (c >= 48 && c <= 57) {
        if (mant !== 0 || c !== 48) digits++;
        mant = mant * 10 + (c - 48);
        any = true;
        c = buf[++i];
      }
      if (c === 46) {
        c = buf[++i];
        while (c >= 48 && c <= 57) {
          if (mant !== 0 || c !== 48) digits++;
          mant = mant * 10 + (c - 48);
          frac++;
          any = true;
          c = buf[++i];
        }
      }
      let exp = 0;
      if (any && (c === 101 || c === 69)) {
        c = buf[++i];
        let eneg = false;
        if (c === 45 || c === 43) {
          eneg = c === 45;
          c = buf[++i];
        }
        let edig = false;
        while (c >= 48 && c <= 57) {
          exp = exp * 10 + (c - 48);
          edig = true;
          c = buf[++i];
        }
        if (!edig) any = false;
        if (eneg) exp = -exp;
      }
      let v = NaN;
      const p = exp - frac;
      if (any && (c === 44 || c === 10 || c === 13) && digits <= 15 && p >= -22 && p <= 22) {
        v = p < 0 ? mant / POW10[-p] : mant * POW10[p];
        if (p > 0 && v > 9007199254740991) v = NaN;
        if (neg) v = -v;
      }
      if (Number.isNaN(v)) {
        // Not on the fast path: find the field's end and let Number() decide.
        while (c !== 44 && c !== 10 && c !== 13 && i < end) c = buf[++i];
        const text = new TextDecoder().decode(buf.subarray(fieldStart, i)).trim();
        if (text === "") throw this.fail(`line ${this.line}: empty field`);
        v = Number(text);
        if (Number.isNaN(v) && text.toLowerCase() !== "nan") {
          throw this.fail(`line ${this.line}: "${text}" is not a number`);
        }
      }
      if (isInt && (!Number.isInteger(v) || v > 2147483647 || v < -2147483648)) {
        throw this.fail(`line ${this.line}: ${v} is not a 32-bit integer`);
      }
      if (n === values.length) {
        const bigger = this.make(values.length * 2);
        bigger.set(values);
        values = this.values = bigger;
      }
      values[n++] = v;
      rowFields++;
      if (c === 13) c = buf[++i];
      if (c === 44) {
        i++;
      } else if (c === 10) {
        if (this.cols < 0) this.cols = rowFields;
        if (rowFields !== this.cols) {
          throw this.fail(
            `line ${this.line}: ${rowFields} fields, expected ${this.cols} (a cut-short or corrupt file)`,
          );
        }
        this.rows++;
        this.line++;
        rowFields = 0;
        i++;
      } else {
        throw this.fail(`line ${this.line}: unexpected byte 0x${(c ?? 0).toString(16)}`);
      }
    }
    this.n = n;
    this.rowFields = rowFields;
  }
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
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(file, { read: true });
  } catch (e) {
    throw new ActlabError(
      `${file}: cannot open (${(e as Error).message})`,
      "check the path given with --data-dir",
    );
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
  const parser = new Parser<Out>(file, make, kind === "int32", opts.cols ?? -1, opts.capacity ?? 0);
  try {
    for await (const chunk of stream) parser.feed(chunk);
  } catch (e) {
    if (e instanceof ActlabError) throw e;
    throw parser.fail(
      `corrupt or truncated ${gz ? "gzip stream" : "file"} (${(e as Error).message})`,
    );
  } finally {
    try {
      handle.close();
    } catch { /* already closed by the stream */ }
  }
  parser.finish();
  return {
    rows: parser.rows,
    cols: Math.max(parser.cols, 0),
    values: parser.values.slice(0, parser.n) as Out,
  };
}
