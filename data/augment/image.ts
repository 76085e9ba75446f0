/**
 * The image form every augmentation op works on: one decoded 8-bit image,
 * planar channel-first (CHW, the layout `Dataset.images` stores per sample),
 * with 1 (grey) or 3 (RGB) channels. Ops are pure: they return a new image
 * and never touch their input, so a streaming loader can call them on one
 * decoded sample at a time.
 *
 * Why CHW rather than PIL's interleaved HWC: the in-memory datasets are CHW
 * already, the float output the graph reads is CHW, and every PIL operation
 * the authors' pipeline uses acts on each band independently (resampling,
 * affine warps, LUTs, blends) or on a grey conversion computed once per
 * pixel, so planar layout loses nothing.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";

/** One 8-bit image, planar CHW: `data[(ch · h + y) · w + x]`. */
export interface U8Image {
  /** Channels: 1 (grey, PIL mode "L") or 3 (RGB). */
  readonly c: number;
  /** Height in pixels. */
  readonly h: number;
  /** Width in pixels. */
  readonly w: number;
  /** c·h·w bytes, channel-first. */
  readonly data: Uint8Array;
}

/** A checked image view over `data` (not copied). */
export function u8Image(c: number, h: number, w: number, data: Uint8Array): U8Image {
  if (c !== 1 && c !== 3) {
    throw new ActlabError(
      `augment: images must have 1 or 3 channels, got ${c}`,
      "convert the image to grey-scale or RGB first",
    );
  }
  if (!(Number.isInteger(h) && Number.isInteger(w) && h >= 1 && w >= 1)) {
    throw new ActlabError(`augment: bad image size ${h}×${w}`, "pass integer sizes ≥ 1");
  }
  if (data.length !== c * h * w) {
    throw new ActlabError(
      `augment: a ${c}×${h}×${w} image needs ${c * h * w} bytes, got ${data.length}`,
      "pass the image's CHW bytes",
    );
  }
  return { c, h, w, data };
}

/** A blank image filled with one value per channel. */
export function filledImage(c: number, h: number, w: number, fill: readonly number[]): U8Image {
  const data = new Uint8Array(c * h * w);
  for (let ch = 0; ch < c; ch++) data.fill(fill[ch] ?? 0, ch * h * w, (ch + 1) * h * w);
  return { c, h, w, data };
}

/** The rectangle [top, top+height) × [left, left+width) of `img` (PIL's `crop` inside the image). */
export function cropImage(
  img: U8Image,
  top: number,
  left: number,
  height: number,
  width: number,
): U8Image {
  if (
    top < 0 || left < 0 || height < 1 || width < 1 || top + height > img.h || left + width > img.w
  ) {
    throw new ActlabError(
      `augment: crop ${height}×${width} at (${top}, ${left}) is outside the ${img.h}×${img.w} image`,
      "pick a box inside the image",
    );
  }
  const out = new Uint8Array(img.c * height * width);
  for (let ch = 0; ch < img.c; ch++) {
    for (let y = 0; y < height; y++) {
      const s = (ch * img.h + top + y) * img.w + left;
      out.set(img.data.subarray(s, s + width), (ch * height + y) * width);
    }
  }
  return { c: img.c, h: height, w: width, data: out };
}

/** Mirror left-right (PIL's `transpose(FLIP_LEFT_RIGHT)`, torchvision's `hflip`). */
export function hflip(img: U8Image): U8Image {
  const { c, h, w } = img;
  const out = new Uint8Array(img.data.length);
  for (let r = 0; r < c * h; r++) {
    const o = r * w;
    for (let x = 0; x < w; x++) out[o + x] = img.data[o + w - 1 - x];
  }
  return { c, h, w, data: out };
}

/** Apply a 256-entry lookup table to every channel (PIL's `point(lut)` on L/RGB). */
export function applyLut(
  img: U8Image,
  lut: ArrayLike<number> | readonly ArrayLike<number>[],
): U8Image {
  const src = img.data, out = new Uint8Array(src.length);
  const plane = img.h * img.w;
  for (let ch = 0; ch < img.c; ch++) {
    const t = Uint8Array.from(
      Array.isArray(lut) ? (lut as ArrayLike<number>[])[ch] : lut as ArrayLike<number>,
    );
    for (let p = ch * plane, e = p + plane; p < e; p++) out[p] = t[src[p]];
  }
  return { ...img, data: out };
}

/**
 * PIL's RGB → L conversion (`ImagingConvert`, rgb2l):
 * L = (19595·R + 38470·G + 7471·B + 0x8000) >> 16 — the ITU-R 601 weights in
 * 16-bit fixed point. A grey image is returned as is.
 */
export function toGrey(img: U8Image): Uint8Array {
  const plane = img.h * img.w;
  if (img.c === 1) return img.data.slice(0, plane);
  const d = img.data, out = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) {
    out[p] = (d[p] * 19595 + d[plane + p] * 38470 + d[2 * plane + p] * 7471 + 0x8000) >>> 16;
  }
  return out;
}

/** Python's `round(x)` for a float: halves go to the even neighbour (banker's rounding). */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
