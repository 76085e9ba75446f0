/**
 * A minimal zip reader, enough for NumPy's `.npz` archives: stored (method 0)
 * and deflate (method 8) entries, zip64 sizes and offsets (NumPy writes every
 * entry with `force_zip64=True`), CRC-32 checked on every read.
 *
 * The archive is read by random access (central directory first, then one
 * entry at a time), so a 600 MB `.npz` never sits in memory whole: the peak is
 * one entry's bytes (plus its compressed bytes for deflate entries). Inflate
 * and CRC are `node:zlib`'s native `inflateRawSync` / `crc32`.
 * Format: PKWARE APPNOTE.TXT §4.3 (local header, central directory, EOCD,
 * zip64 EOCD locator and extra field 0x0001).
 * @module
 */
import { crc32, inflateRawSync } from "node:zlib";
import { ActlabError } from "../core/errors.ts";

/** One file inside a zip archive, as its central directory describes it. */
export interface ZipEntry {
  /** Path inside the archive. */
  readonly name: string;
  /** 0 = stored, 8 = deflate (the only two supported). */
  readonly method: number;
  /** Bytes of the entry's data in the archive. */
  readonly compressedSize: number;
  /** Bytes once inflated. */
  readonly size: number;
  /** CRC-32 of the inflated bytes. */
  readonly crc32: number;
  /** Offset of the entry's local header from the start of the archive. */
  readonly headerOffset: number;
}

const EOCD_SIG = 0x06054b50;
const EOCD64_LOCATOR_SIG = 0x07064b50;
const EOCD64_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const U32_MAX = 0xffffffff;

function corrupt(file: string, what: string): ActlabError {
  return new ActlabError(
    `${file}: truncated or corrupt zip archive (${what})`,
    "delete the file and fetch it again; an .npz must be written by numpy.savez / savez_compressed",
  );
}

function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
}

async function readAt(f: Deno.FsFile, offset: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await f.seek(offset, Deno.SeekMode.Start);
  let got = 0;
  while (got < length) {
    const n = await f.read(out.subarray(got));
    if (n === null) break;
    got += n;
  }
  return got === length ? out : out.subarray(0, got);
}

/** An open zip archive; `read` returns one entry's inflated, CRC-checked bytes. */
export class ZipArchive {
  /** Entries by name, in central-directory order. */
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** The archive's path (used in every error). */
  readonly file: string;
  readonly #f: Deno.FsFile;
  readonly #size: number;

  private constructor(file: string, f: Deno.FsFile, size: number, entries: Map<string, ZipEntry>) {
    this.file = file;
    this.#f = f;
    this.#size = size;
    this.entries = entries;
  }

  /** Open `file` and read its central directory; a malformed one is an error naming the file. */
  static async open(file: string): Promise<ZipArchive> {
    let f: Deno.FsFile;
    try {
      f = await Deno.open(file, { read: true });
    } catch (e) {
      throw new ActlabError(
        `${file}: cannot open (${(e as Error).message})`,
        "check the path given with --data-dir",
      );
    }
    try {
      const size = (await f.stat()).size;
      const entries = await readCentral(f, size, file);
      return new ZipArchive(file, f, size, entries);
    } catch (e) {
      f.close();
      throw e;
    }
  }

  /** The inflated bytes of entry `name`, CRC-checked. */
  async read(name: string): Promise<Uint8Array> {
    const e = this.entries.get(name);
    if (!e) {
      throw new ActlabError(
        `${this.file}: no entry "${name}" (has: ${[...this.entries.keys()].join(", ")})`,
        "check that the archive is the dataset's original file",
      );
    }
    const where = `entry "${name}"`;
    if (e.headerOffset + 30 > this.#size) throw corrupt(this.file, `${where}: header past the end`);
    const local = await readAt(this.#f, e.headerOffset, 30);
    const lv = new DataView(local.buffer, local.byteOffset, local.byteLength);
    if (local.length < 30 || lv.getUint32(0, true) !== LOCAL_SIG) {
      throw corrupt(this.file, `${where}: bad local header at byte ${e.headerOffset}`);
    }
    const start = e.headerOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
    if (start + e.compressedSize > this.#size) {
      throw corrupt(
        this.file,
        `${where}: data runs past the end (needs ${
          start + e.compressedSize
        } bytes, file has ${this.#size})`,
      );
    }
    const raw = await readAt(this.#f, start, e.compressedSize);
    let data: Uint8Array;
    if (e.method === 0) {
      data = raw;
    } else {
      try {
        const out = inflateRawSync(raw);
        data = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      } catch (err) {
        throw corrupt(this.file, `${where}: bad deflate data (${(err as Error).message})`);
      }
    }
    if (data.length !== e.size) {
      throw corrupt(this.file, `${where}: ${data.length} bytes, the directory says ${e.size}`);
    }
    if ((crc32(data) >>> 0) !== e.crc32) throw corrupt(this.file, `${where}: CRC-32 mismatch`);
    return data;
  }

  /** Release the file handle. */
  close(): void {
    this.#f.close();
  }
}

async function readCentral(
  f: Deno.FsFile,
  size: number,
  file: string,
): Promise<Map<string, ZipEntry>> {
  // The end-of-central-directory record is 22 bytes plus a comment of up to 65535 bytes.
  const tailLen = Math.min(size, 22 + 65535 + 20);
  const tail = await readAt(f, size - tailLen, tailLen);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw corrupt(file, "no end-of-central-directory record: not a zip file, or cut short");
  }
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) {
    const loc = eocd - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== EOCD64_LOCATOR_SIG) {
      throw corrupt(file, "zip64 end-of-central-directory locator missing");
    }
    const at = u64(tv, loc + 8);
    const rec = await readAt(f, at, 56);
    const rv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    if (rec.length < 56 || rv.getUint32(0, true) !== EOCD64_SIG) {
      throw corrupt(file, "bad zip64 end-of-central-directory record");
    }
    count = u64(rv, 32);
    cdSize = u64(rv, 40);
    cdOffset = u64(rv, 48);
  }
  if (cdOffset + cdSize > size) {
    throw corrupt(
      file,
      `central directory (bytes ${cdOffset}..${cdOffset + cdSize}) past the end (${size})`,
    );
  }
  const cd = await readAt(f, cdOffset, cdSize);
  const v = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.length || v.getUint32(p, true) !== CENTRAL_SIG) {
      throw corrupt(file, `bad central directory entry ${k}`);
    }
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    let compressedSize = v.getUint32(p + 20, true);
    let sizeU = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let headerOffset = v.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen > cd.length) {
      throw corrupt(file, `central directory entry ${k} cut short`);
    }
    const name = new TextDecoder().decode(cd.subarray(p + 46, p + 46 + nameLen));
    // Zip64 extra field: the 8-byte values replace, in order, the fields saturated at 0xFFFFFFFF.
    let q = p + 46 + nameLen;
    const extraEnd = q + extraLen;
    while (q + 4 <= extraEnd) {
      const id = v.getUint16(q, true);
      const len = v.getUint16(q + 2, true);
      if (id === 0x0001) {
        let r = q + 4;
        if (sizeU === U32_MAX) (sizeU = u64(v, r)), (r += 8);
        if (compressedSize === U32_MAX) (compressedSize = u64(v, r)), (r += 8);
        if (headerOffset === U32_MAX) headerOffset = u64(v, r);
      }
      q += 4 + len;
    }
    if (flags & 1) {
      throw new ActlabError(
        `${file}: entry "${name}" is encrypted`,
        "use an unencrypted archive (numpy.savez writes one)",
      );
    }
    if (method !== 0 && method !== 8) {
      throw new ActlabError(
        `${file}: entry "${name}" uses compression method ${method}; only stored (0) and deflate (8) are read`,
        "re-save the arrays with numpy.savez or numpy.savez_compressed",
      );
    }
    entries.set(name, { name, method, compressedSize, size: sizeU, crc32: crc, headerOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
