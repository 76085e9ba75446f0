/**
 * PIL's `Image.resize` for 8-bit images with the BILINEAR and BICUBIC
 * filters — the resampling behind torchvision's `F.resize` /
 * `F.resized_crop` on PIL images, and so behind timm's
 * `RandomResizedCropAndInterpolation` and the eval `Resize` the DPA/DNRT
 * authors use (horrible-dong/DPA `qtcls/datasets/__init__.py` →
 * `timm.data.create_transform`).
 *
 * Semantics follow Pillow's `src/libImaging/Resample.c` (read, not copied):
 * separable convolution, the horizontal pass first, then the vertical one
 * on the 8-bit intermediate; a pass is skipped when its size is unchanged.
 * The filter is stretched by the scale factor when downscaling (support ×
 * scale, i.e. antialiasing), the taps of an output pixel are the input
 * pixels within `support` of its centre `(x + 0.5)·scale`, normalised to
 * sum 1, then turned into 22-bit fixed point (round half away from 0), and
 * each output is `clip8((2^21 + Σ pixel·tap) >> 22)`. Bilinear is the
 * triangle of support 1; bicubic is Keys' cubic with a = −0.5, support 2.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { U8Image } from "./image.ts";

/** The resampling filters the authors' pipeline draws from. */
export type Interpolation = "bilinear" | "bicubic";

/** Every interpolation name, for validation and help texts. */
export const INTERPOLATIONS: readonly Interpolation[] = ["bilinear", "bicubic"];

const PRECISION_BITS = 22; // 32 − 8 − 2, as Pillow
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

function bilinearFilter(x: number): number {
  if (x < 0) x = -x;
  return x < 1 ? 1 - x : 0;
}

function bicubicFilter(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

const FILTERS: Record<Interpolation, { f: (x: number) => number; support: number }> = {
  bilinear: { f: bilinearFilter, support: 1 },
  bicubic: { f: bicubicFilter, support: 2 },
};

/** Per output pixel: first input index, tap count and fixed-point taps (stride `ksize`). */
interface Coeffs {
  readonly ksize: number;
  readonly bounds: Int32Array;
  readonly k: Int32Array;
}

function precompute(inSize: number, outSize: number, interp: Interpolation): Coeffs {
  const { f, support: base } = FILTERS[interp];
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = base * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const k = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = f((x + xmin - center + 0.5) * ss);
      ww += w[x];
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x] / ww : w[x];
      k[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = Math.max(0, xmax);
  }
  return { ksize, bounds, k };
}

/** Pillow's clip8: the fixed-point sum back to 0..255. */
function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function horizontal(img: U8Image, outW: number, interp: Interpolation): U8Image {
  const { c, h, w, data } = img;
  const { ksize, bounds, k } = precompute(w, outW, interp);
  const out = new Uint8Array(c * h * outW);
  for (let r = 0; r < c * h; r++) {
    const src = r * w, dst = r * outW;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = bounds[2 * xx], n = bounds[2 * xx + 1], kb = xx * ksize;
      let ss = HALF, p = src + xmin, q = kb;
      // int32 arithmetic as Pillow's C (|0 keeps V8 on integer ops; no sum overflows)
      for (let x = 0; x < n; x++) ss = (ss + Math.imul(data[p++], k[q++])) | 0;
      out[dst + xx] = clip8(ss);
    }
  }
  return { c, h, w: outW, data: out };
}

function vertical(img: U8Image, outH: number, interp: Interpolation): U8Image {
  const { c, h, w, data } = img;
  const { ksize, bounds, k } = precompute(h, outH, interp);
  const out = new Uint8Array(c * outH * w);
  const acc = new Int32Array(w);
  for (let ch = 0; ch < c; ch++) {
    for (let yy = 0; yy < outH; yy++) {
      const ymin = bounds[2 * yy], n = bounds[2 * yy + 1], kb = yy * ksize;
      acc.fill(HALF);
      for (let y = 0; y < n; y++) {
        const kv = k[kb + y], src = (ch * h + ymin + y) * w;
        for (let x = 0; x < w; x++) acc[x] = (acc[x] + Math.imul(data[src + x], kv)) | 0;
      }
      const dst = (ch * outH + yy) * w;
      for (let x = 0; x < w; x++) out[dst + x] = clip8(acc[x]);
    }
  }
  return { c, h: outH, w, data: out };
}

/**
 * Resize `img` to `outH`×`outW` as PIL's `img.resize((outW, outH), filter)`
 * does (same size: a copy).
 */
export function resize(img: U8Image, outH: number, outW: number, interp: Interpolation): U8Image {
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH >= 1 && outW >= 1)) {
    throw new ActlabError(`augment: bad resize target ${outH}×${outW}`, "pass integer sizes ≥ 1");
  }
  if (!(interp in FILTERS)) {
    throw new ActlabError(
      `augment: unknown interpolation "${interp}"`,
      `use one of: ${INTERPOLATIONS.join(", ")}`,
    );
  }
  let out = img;
  if (outW !== img.w) out = horizontal(out, outW, interp);
  if (outH !== img.h) out = vertical(out, outH, interp);
  return out === img ? { ...img, data: img.data.slice() } : out;
}
