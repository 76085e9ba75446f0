/**
 * The safetensors reader (data/safetensors.ts): a written file reads back
 * exactly; F16, BF16 and F64 convert to float32; metadata is kept; and every
 * malformed file — too short, a header longer than the file, bad JSON, an
 * unsupported dtype, a size that disagrees with the shape, offsets out of
 * range, overlapping, misaligned, leaving a hole or trailing bytes — is an
 * `ActlabError` saying what is wrong.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { encodeSafetensors, parseSafetensors, readSafetensors } from "../data/safetensors.ts";

/** A file from a raw header object and data bytes (header not padded). */
function rawFile(header: unknown, data: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

function u16(values: number[]): Uint8Array {
  const b = new Uint8Array(2 * values.length);
  values.forEach((v, i) => new DataView(b.buffer).setUint16(2 * i, v, true));
  return b;
}

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => parseSafetensors(bytes, "bad.safetensors"),
    (e: unknown) =>
      e instanceof ActlabError && e.message.includes("bad.safetensors") && pattern.test(e.message),
  );
}

Deno.test("safetensors: written tensors read back exactly, with metadata", async () => {
  const a = { shape: [2, 3], data: [1, -2.5, 3e-8, 4, 1e30, -0] };
  const b = { shape: [4], data: [0.1, 0.2, 0.3, 0.4] };
  const bytes = encodeSafetensors({ a, b }, { format: "pt" });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0, "header padded to 8 bytes");
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  try {
    await Deno.writeFile(path, bytes);
    const st = await readSafetensors(path);
    assert.deepEqual([...st.tensors.keys()], ["a", "b"]);
    assert.deepEqual(st.metadata, { format: "pt" });
    assert.deepEqual(st.tensors.get("a")!.shape, [2, 3]);
    assert.deepEqual(Array.from(st.tensors.get("a")!.data), Array.from(Float32Array.from(a.data)));
    assert.deepEqual(Array.from(st.tensors.get("b")!.data), Array.from(Float32Array.from(b.data)));
  } finally {
    await Deno.remove(path);
  }
  await assert.rejects(readSafetensors("/nonexistent/x.safetensors"), ActlabError);
});

Deno.test("safetensors: F16, BF16 and F64 become float32", () => {
  // F16: 1, −2, 0.5, 65504 (max), 2^-24 (smallest subnormal); BF16: 1, −3, 0.15625.
  const f16 = u16([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001]);
  const bf16 = u16([0x3f80, 0xc040, 0x3e20]);
  const f64 = new Uint8Array(16);
  new DataView(f64.buffer).setFloat64(0, Math.PI, true);
  new DataView(f64.buffer).setFloat64(8, -1e-3, true);
  const data = new Uint8Array(16 + 10 + 6);
  data.set(f64, 0);
  data.set(f16, 16);
  data.set(bf16, 26);
  const st = parseSafetensors(
    rawFile({
      d: { dtype: "F64", shape: [2], data_offsets: [0, 16] },
      h: { dtype: "F16", shape: [5], data_offsets: [16, 26] },
      b: { dtype: "BF16", shape: [3, 1], data_offsets: [26, 32] },
    }, data),
    "mixed.safetensors",
  );
  assert.deepEqual(Array.from(st.tensors.get("h")!.data), [1, -2, 0.5, 65504, 2 ** -24]);
  assert.deepEqual(Array.from(st.tensors.get("b")!.data), [1, -3, 0.15625]);
  assert.deepEqual(st.tensors.get("b")!.shape, [3, 1]);
  assert.deepEqual(
    Array.from(st.tensors.get("d")!.data),
    Array.from(Float32Array.of(Math.PI, -1e-3)),
  );
});

Deno.test("safetensors: malformed files are clear errors", () => {
  const four = new Uint8Array(16);
  const t = (offsets: number[], extra: Record<string, unknown> = {}) => ({
    x: { dtype: "F32", shape: [2], data_offsets: offsets },
    ...extra,
  });
  rejects(new Uint8Array(5), /shorter than the 8-byte header length/);
  const long = new Uint8Array(16);
  new DataView(long.buffer).setBigUint64(0, 1000n, true);
  rejects(long, /header length 1000 exceeds the file/);
  const junk = new Uint8Array(12);
  new DataView(junk.buffer).setBigUint64(0, 4n, true);
  junk.set(new TextEncoder().encode("{no "), 8);
  rejects(junk, /not UTF-8 JSON/);
  rejects(rawFile([1, 2], four), /not a JSON object/);
  rejects(
    rawFile({ x: { dtype: "I64", shape: [2], data_offsets: [0, 16] } }, four),
    /dtype "I64"; supported: F32, F16, BF16, F64/,
  );
  rejects(rawFile({ x: { dtype: "F32", shape: [-1], data_offsets: [0, 8] } }, four), /shape/);
  rejects(rawFile(t([8, 4]), four), /invalid data_offsets/);
  rejects(rawFile(t([0, 12]), four), /needs 8 bytes but its data_offsets \[0, 12\] span 12/);
  rejects(rawFile(t([16, 24]), four), /ends at byte 24, past the 16 bytes of data/);
  rejects(
    rawFile(t([0, 8], { y: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }), four),
    /overlaps/,
  );
  rejects(
    rawFile({ x: { dtype: "F32", shape: [3], data_offsets: [2, 14] } }, four),
    /starts at byte 2, not aligned to its 4-byte elements/,
  );
  rejects(
    rawFile(t([0, 8], { y: { dtype: "F32", shape: [1], data_offsets: [12, 16] } }), four),
    /bytes \[8, 12\) before tensor "y" belong to no tensor/,
  );
  rejects(rawFile(t([0, 8]), four), /8 bytes after the last tensor belong to no tensor/);
  rejects(rawFile({ __metadata__: { a: 1 } }, new Uint8Array(0)), /__metadata__.a is not a string/);
  // The error says how to fix it.
  assert.throws(
    () => parseSafetensors(new Uint8Array(3), "bad.safetensors"),
    (e: unknown) => e instanceof ActlabError && e.hint.length > 0,
  );
});
