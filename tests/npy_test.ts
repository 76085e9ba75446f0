/**
 * The `.npy` / `.npz` readers (data/npy.ts, data/zip.ts) on files the test
 * writes (tests/graph_files.ts) and on a small `.npz` written by NumPy itself
 * (tests/fixtures/graph/make_npz.py): every supported dtype and header
 * version, stored / deflated / zip64 entries, and clear errors naming the
 * file for truncated, corrupt and unsupported input.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { npyToFloat32, npyToInt32, openNpz, parseNpy, readNpy } from "../data/npy.ts";
import { npyBytes, npzBytes, tempTree, zipBytes } from "./graph_files.ts";

const FIXTURES = new URL("./fixtures/graph/", import.meta.url).pathname;

function throwsActlab(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ActlabError, `expected ActlabError, got ${e}`);
    for (const p of parts) {
      if (typeof p === "string") assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
      else assert.match(e.message, p);
    }
    return true;
  });
}

async function rejectsActlab(fn: () => Promise<unknown>, ...parts: string[]): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof ActlabError, `expected ActlabError, got ${e}`);
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
    return true;
  });
}

Deno.test("npy: every supported dtype reads back its values, shape and type", () => {
  const cases: [string, ArrayBufferView, string, number[]][] = [
    ["<f4", new Float32Array([1.5, -2, 3.25, 0, 7, 8]), "f4", [2, 3]],
    ["<f8", new Float64Array([1e300, -0.1]), "f8", [2]],
    ["<i4", new Int32Array([-5, 2147483647]), "i4", [2]],
    ["<i8", new BigInt64Array([-3n, 1n << 40n]), "i8", [2]],
    ["<i2", new Int16Array([-32768, 12]), "i2", [2]],
    ["<u2", new Uint16Array([65535, 1]), "u2", [2]],
    ["|u1", new Uint8Array([0, 255, 7]), "u1", [3]],
    ["|i1", new Int8Array([-128, 127, 7]), "i1", [3]],
    ["|b1", new Uint8Array([1, 0, 1]), "b1", [3]],
  ];
  for (const [descr, data, dtype, shape] of cases) {
    const a = parseNpy(npyBytes(descr, shape, data), `t${descr}.npy`);
    assert.equal(a.dtype, dtype);
    assert.deepEqual(a.shape, shape);
    assert.deepEqual(
      Array.from(a.data as ArrayLike<number | bigint>),
      Array.from(data as unknown as ArrayLike<number | bigint>),
    );
  }
});

Deno.test("npy: header versions 1.0, 2.0 and 3.0 and a scalar shape", () => {
  for (const version of [1, 2, 3] as const) {
    const a = parseNpy(
      npyBytes("<f4", [2, 2], new Float32Array([1, 2, 3, 4]), { version }),
      "v.npy",
    );
    assert.deepEqual([...a.data as Float32Array], [1, 2, 3, 4]);
  }
  const s = parseNpy(npyBytes("<f8", [], new Float64Array([4.5])), "s.npy");
  assert.deepEqual(s.shape, []);
  assert.equal((s.data as Float64Array)[0], 4.5);
});

Deno.test("npy: big-endian data is byte-swapped to native order", () => {
  const be = new Uint8Array(8);
  new DataView(be.buffer).setFloat32(0, 1.25, false);
  new DataView(be.buffer).setFloat32(4, -3, false);
  const a = parseNpy(npyBytes(">f4", [2], be), "be.npy");
  assert.deepEqual([...a.data as Float32Array], [1.25, -3]);
});

Deno.test("npy: Fortran order is refused for 2-D arrays (with the fix) and accepted for 1-D", () => {
  throwsActlab(
    () => parseNpy(npyBytes("<f4", [2, 2], new Float32Array(4), { fortran: true }), "f.npy"),
    "f.npy",
    "Fortran",
    "ascontiguousarray",
  );
  const a = parseNpy(npyBytes("<i4", [3], new Int32Array([1, 2, 3]), { fortran: true }), "f1.npy");
  assert.deepEqual([...a.data as Int32Array], [1, 2, 3]);
});

Deno.test("npy: truncated data, bad magic, unsupported dtypes and versions are errors naming the file", () => {
  const good = npyBytes("<f8", [4], new Float64Array(4));
  throwsActlab(
    () => parseNpy(good.subarray(0, good.length - 3), "cut.npy"),
    "cut.npy",
    "truncated",
    "needs 32",
  );
  throwsActlab(
    () => parseNpy(good.subarray(0, 20), "head.npy"),
    "head.npy",
    "cut short inside the header",
  );
  throwsActlab(
    () => parseNpy(new TextEncoder().encode("hello world, no npy"), "txt.npy"),
    "txt.npy",
    "magic",
  );
  throwsActlab(
    () => parseNpy(npyBytes("<c8", [1], new Float32Array(2)), "c.npy"),
    "c.npy",
    '"<c8"',
  );
  const dict = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n";
  const structured = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length, 0]);
  const withHeader = new Uint8Array([...structured, ...new TextEncoder().encode(dict), 0, 0, 0, 0]);
  throwsActlab(() => parseNpy(withHeader, "s.npy"), "s.npy", "structured");
  const v9 = good.slice();
  v9[6] = 9;
  throwsActlab(() => parseNpy(v9, "v9.npy"), "v9.npy", "version 9");
});

Deno.test("npy: conversions to int32 refuse values that do not fit, naming the array", () => {
  const ok = parseNpy(npyBytes("<i8", [3], new BigInt64Array([-1n, 0n, 2147483647n])), "a");
  assert.deepEqual([...npyToInt32(ok, "a")], [-1, 0, 2147483647]);
  const big = parseNpy(npyBytes("<i8", [2], new BigInt64Array([1n, 1n << 33n])), "b");
  throwsActlab(
    () => npyToInt32(big, "b.npy (array edge_index)"),
    "b.npy (array edge_index)",
    "element 1",
  );
  const f = parseNpy(npyBytes("<f8", [2], new Float64Array([1.5, 2])), "c");
  throwsActlab(() => npyToInt32(f, "c"), "element 0");
  assert.deepEqual([...npyToFloat32(ok)], [-1, 0, 2147483648]);
});

Deno.test("readNpy: a missing file is an error naming it", async () => {
  await rejectsActlab(() => readNpy("/nonexistent/x.npy"), "/nonexistent/x.npy");
});

Deno.test("npz: stored, deflated and zip64 archives read the same arrays", async () => {
  const arrays = {
    x: ["<f4", [2, 2], new Float32Array([1, 2, 3, 4])] as [string, number[], ArrayBufferView],
    idx: ["<i8", [3], new BigInt64Array([5n, 6n, 7n])] as [string, number[], ArrayBufferView],
  };
  for (const opts of [{}, { deflate: true }, { zip64: true }, { deflate: true, zip64: true }]) {
    const dir = await tempTree({ "a.npz": npzBytes(arrays, opts) });
    const npz = await openNpz(`${dir}/a.npz`);
    assert.deepEqual([...npz.names].sort(), ["idx", "x"]);
    assert.deepEqual([...(await npz.get("x")).data as Float32Array], [1, 2, 3, 4]);
    assert.deepEqual([...(await npz.get("idx")).data as BigInt64Array], [5n, 6n, 7n]);
    await rejectsActlab(() => npz.get("y"), "a.npz", 'no array "y"', "idx");
    npz.close();
  }
});

Deno.test("npz: written by NumPy itself (savez and savez_compressed) reads back", async () => {
  for (const name of ["numpy_savez.npz", "numpy_savez_compressed.npz"]) {
    const npz = await openNpz(`${FIXTURES}${name}`);
    const a = await npz.get("a");
    assert.deepEqual(a.shape, [2, 3]);
    assert.equal(a.dtype, "f8");
    assert.deepEqual([...a.data as Float64Array], [0, 0.5, 1, 1.5, 2, 2.5]);
    const b = await npz.get("b");
    assert.equal(b.dtype, "i8");
    assert.deepEqual([...b.data as BigInt64Array], [-1n, 0n, 1n, 1n << 40n]);
    const m = await npz.get("m");
    assert.equal(m.dtype, "b1");
    assert.deepEqual([...m.data as Uint8Array], [1, 0, 1]);
    npz.close();
  }
});

Deno.test("npz: a flipped data byte (CRC), a cut archive, a bad offset and a non-zip are errors naming the file", async () => {
  const bytes = npzBytes({ x: ["<f4", [4], new Float32Array([1, 2, 3, 4])] });
  const flipped = bytes.slice();
  flipped[flipped.length - 22 - 46 - 5 - 3] ^= 0xff; // a data byte of the only entry
  const cut = bytes.slice(0, bytes.length - 30);
  const badOffset = bytes.slice();
  // Central directory entry's local-header offset (byte 42 of the entry) pointed past the data.
  const cdStart = bytes.length - 22 - (46 + "x.npy".length);
  new DataView(badOffset.buffer).setUint32(cdStart + 42, 7, true);
  const dir = await tempTree({
    "flipped.npz": flipped,
    "cut.npz": cut,
    "offset.npz": badOffset,
    "plain.npz": "not a zip at all",
  });
  const flippedNpz = await openNpz(`${dir}/flipped.npz`);
  await rejectsActlab(() => flippedNpz.get("x"), "flipped.npz", "CRC-32");
  flippedNpz.close();
  await rejectsActlab(() => openNpz(`${dir}/cut.npz`), "cut.npz", "truncated or corrupt zip");
  const offsetNpz = await openNpz(`${dir}/offset.npz`);
  await rejectsActlab(() => offsetNpz.get("x"), "offset.npz", "bad local header");
  offsetNpz.close();
  await rejectsActlab(() => openNpz(`${dir}/plain.npz`), "plain.npz", "not a zip file");
  await rejectsActlab(() => openNpz(`${dir}/absent.npz`), "absent.npz", "cannot open");
});

Deno.test("zip: an unsupported compression method is named", async () => {
  const z = zipBytes([{ name: "x.npy", data: npyBytes("<f4", [1], new Float32Array(1)) }]);
  const cd = z.length - 22 - 46 - 5;
  new DataView(z.buffer).setUint16(cd + 10, 12, true); // bzip2
  const dir = await tempTree({ "m.npz": z });
  await rejectsActlab(() => openNpz(`${dir}/m.npz`), "m.npz", "method 12");
});
