/**
 * Writers for the graph loader tests: `.npy` bytes, zip archives (stored or
 * deflated entries, optionally with zip64 extra fields as NumPy writes them),
 * gzip'd CSV text, and temp folders. Test-only, so the tests generate every
 * file they read and need no network and no Python.
 * @module
 */
import { crc32, deflateRawSync, gzipSync } from "node:zlib";

/** `.npy` bytes for raw little-endian `data` (format version `version`, header padded to 64). */
export function npyBytes(
  descr: string,
  shape: readonly number[],
  data: ArrayBufferView,
  opts: { version?: 1 | 2 | 3; fortran?: boolean } = {},
): Uint8Array {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${
    opts.fortran ? "True" : "False"
  }, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  const pad = 64 - ((pre + dict.length + 1) % 64);
  dict = dict + " ".repeat(pad % 64) + "\n";
  const header = new TextEncoder().encode(dict);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(pre + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, header.length, true);
  else v.setUint32(8, header.length, true);
  out.set(header, pre);
  out.set(body, pre + header.length);
  return out;
}

/** A zip archive of `entries`; `deflate` compresses them, `zip64` writes 0x0001 extras for sizes. */
export function zipBytes(
  entries: { name: string; data: Uint8Array }[],
  opts: { deflate?: boolean; zip64?: boolean } = {},
): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const body = opts.deflate ? new Uint8Array(deflateRawSync(e.data)) : e.data;
    const crc = crc32(e.data) >>> 0;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, opts.deflate ? 8 : 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const extra = opts.zip64 ? 28 : 0;
    const c = new Uint8Array(46 + name.length + extra);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, 45, true);
    cv.setUint16(10, opts.deflate ? 8 : 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, opts.zip64 ? 0xffffffff : body.length, true);
    cv.setUint32(24, opts.zip64 ? 0xffffffff : e.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, extra, true);
    cv.setUint32(42, opts.zip64 ? 0xffffffff : offset, true);
    c.set(name, 46);
    if (opts.zip64) {
      const x = 46 + name.length;
      cv.setUint16(x, 1, true);
      cv.setUint16(x + 2, 24, true);
      cv.setBigUint64(x + 4, BigInt(e.data.length), true);
      cv.setBigUint64(x + 12, BigInt(body.length), true);
      cv.setBigUint64(x + 20, BigInt(offset), true);
    }
    parts.push(local, body);
    central.push(c);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((a, p) => a + p.length, 0));
  let p = 0;
  for (const a of all) (out.set(a, p), (p += a.length));
  return out;
}

/** An `.npz` of named arrays given as `[descr, shape, data]`. */
export function npzBytes(
  arrays: Record<string, [string, number[], ArrayBufferView]>,
  opts: { deflate?: boolean; zip64?: boolean } = {},
): Uint8Array {
  return zipBytes(
    Object.entries(arrays).map(([k, [d, s, a]]) => ({ name: `${k}.npy`, data: npyBytes(d, s, a) })),
    opts,
  );
}

/** gzip'd text. */
export function gz(text: string): Uint8Array {
  return new Uint8Array(gzipSync(new TextEncoder().encode(text)));
}

/** Write `files` (relative path → bytes or text) under a new temp dir and return it. */
export async function tempTree(files: Record<string, Uint8Array | string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "actlab-graph-" });
  for (const [rel, body] of Object.entries(files)) {
    const path = `${dir}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (typeof body === "string") await Deno.writeTextFile(path, body);
    else await Deno.writeFile(path, body);
  }
  return dir;
}
