/**
 * A minimal protobuf wire-format writer: varints (int32/int64 with
 * two's-complement negatives), fixed32 floats, length-delimited bytes and
 * packed repeated scalars. Just enough for ONNX's ModelProto.
 * @module
 */

const utf8 = new TextEncoder();

/** Protobuf wire types used by ONNX. */
const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** Appends protobuf fields to a growing byte buffer. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;
  private readonly f32 = new DataView(new ArrayBuffer(4));

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /**
   * Write an unsigned or signed integer as a varint. Negative values take
   * the 10-byte two's-complement form protobuf uses for int32/int64.
   */
  varint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`varint: ${v} is not a safe integer`);
    if (v >= 0) {
      // Division instead of >>> keeps values above 2^32 exact.
      while (v >= 0x80) {
        this.byte((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      this.byte(v);
      return;
    }
    let u = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 9; i++) {
      this.byte(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    this.byte(Number(u));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** An int32/int64/enum/bool field (always written, even when 0). */
  int(field: number, v: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint(v);
  }

  /** A float field (fixed32, little-endian). */
  float(field: number, v: number): void {
    this.tag(field, WIRE_FIXED32);
    this.f32.setFloat32(0, v, true);
    this.reserve(4);
    for (let i = 0; i < 4; i++) this.buf[this.len++] = this.f32.getUint8(i);
  }

  /** A bytes field. */
  bytes(field: number, data: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** A string field (UTF-8). */
  string(field: number, s: string): void {
    this.bytes(field, utf8.encode(s));
  }

  /** An embedded message field, encoded by `body` into a nested writer. */
  message(field: number, body: (w: ProtoWriter) => void): void {
    const w = new ProtoWriter();
    body(w);
    this.bytes(field, w.finish());
  }

  /** A packed repeated int32/int64 field (omitted when empty, as protobuf does). */
  packedInts(field: number, vs: readonly number[]): void {
    if (vs.length === 0) return;
    const w = new ProtoWriter();
    for (const v of vs) w.varint(v);
    this.bytes(field, w.finish());
  }

  /** A packed repeated float field (omitted when empty). */
  packedFloats(field: number, vs: readonly number[]): void {
    if (vs.length === 0) return;
    const data = new Uint8Array(vs.length * 4);
    const dv = new DataView(data.buffer);
    vs.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    this.bytes(field, data);
  }

  /** The bytes written so far (a view; copy before writing more). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
