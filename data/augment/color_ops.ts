/**
 * The pixel-value ops of timm's RandAugment (`timm/data/auto_augment.py`:
 * `auto_contrast`, `equalize`, `invert`, `posterize`, `solarize`,
 * `solarize_add`, `color`, `contrast`, `brightness`, `sharpness`) with the
 * semantics of the Pillow 9 functions they call (read, not copied):
 *
 * - `ImageOps.autocontrast` (cutoff 0): per channel, lo/hi = the lowest and
 *   highest values present; lut[i] = int(i·255/(hi−lo) − lo·255/(hi−lo))
 *   clipped, identity when hi ≤ lo.
 * - `ImageOps.equalize`: per channel, step = (Σ counts − count of the last
 *   non-empty bin) // 255; lut[i] = (step//2 + Σ_{j<i} h[j]) // step
 *   (identity when step is 0 or only one value is present).
 * - `ImageOps.posterize(bits)`: i & ~(2^(8−bits) − 1); `solarize(t)`:
 *   i < t ? i : 255 − i; timm's `solarize_add(add, thresh=128)`:
 *   i < 128 ? min(255, i + add) : i.
 * - `ImageEnhance.{Color,Contrast,Brightness,Sharpness}(img).enhance(f)` =
 *   `Image.blend(degenerate, img, f)`, with degenerate = the grey image
 *   (Color), a flat grey at int(mean(L) + 0.5) (Contrast), black
 *   (Brightness), or the SMOOTH 3×3 filter [1 1 1; 1 5 1; 1 1 1]/13 with
 *   border pixels copied (Sharpness). `Blend.c` computes in C float:
 *   in1 + f·(in2 − in1), truncated (clipped to [0, 255] when f ∉ [0, 1]).
 * @module
 */
import { applyLut, toGrey, type U8Image } from "./image.ts";

const IDENTITY = Uint8Array.from({ length: 256 }, (_, i) => i);

function histograms(img: U8Image): Float64Array[] {
  const plane = img.h * img.w, out: Float64Array[] = [];
  for (let ch = 0; ch < img.c; ch++) {
    const hist = new Float64Array(256);
    for (let p = ch * plane, e = p + plane; p < e; p++) hist[img.data[p]]++;
    out.push(hist);
  }
  return out;
}

/** `ImageOps.autocontrast(img)`: stretch each channel's range to 0..255. */
export function autoContrast(img: U8Image): U8Image {
  const luts = histograms(img).map((h) => {
    let lo = 0, hi = 255;
    while (lo < 256 && !h[lo]) lo++;
    while (hi >= 0 && !h[hi]) hi--;
    if (hi <= lo) return IDENTITY;
    const scale = 255 / (hi - lo), offset = -lo * scale;
    return Uint8Array.from({ length: 256 }, (_, i) => {
      const v = Math.trunc(i * scale + offset);
      return v < 0 ? 0 : v > 255 ? 255 : v;
    });
  });
  return applyLut(img, luts);
}

/** `ImageOps.equalize(img)`: per-channel histogram equalisation. */
export function equalize(img: U8Image): U8Image {
  const luts = histograms(img).map((h) => {
    let total = 0, last = 0, present = 0;
    for (let i = 0; i < 256; i++) {
      if (h[i]) {
        total += h[i];
        last = h[i];
        present++;
      }
    }
    if (present <= 1) return IDENTITY;
    const step = Math.floor((total - last) / 255);
    if (!step) return IDENTITY;
    let n = Math.floor(step / 2);
    const lut = new Uint8Array(256);
    for (let i = 0; i < 256; i++) {
      lut[i] = Math.min(255, Math.floor(n / step));
      n += h[i];
    }
    return lut;
  });
  return applyLut(img, luts);
}

/** `ImageOps.invert`: 255 − v. */
export function invert(img: U8Image): U8Image {
  return applyLut(img, Uint8Array.from({ length: 256 }, (_, i) => 255 - i));
}

/** `ImageOps.posterize(img, bits)` (timm returns the image unchanged for bits ≥ 8). */
export function posterize(img: U8Image, bits: number): U8Image {
  if (bits >= 8) return { ...img, data: img.data.slice() };
  const mask = ~(2 ** (8 - bits) - 1);
  return applyLut(img, Uint8Array.from({ length: 256 }, (_, i) => i & mask));
}

/** `ImageOps.solarize(img, threshold)`: values ≥ threshold are inverted. */
export function solarize(img: U8Image, threshold: number): U8Image {
  return applyLut(img, Uint8Array.from({ length: 256 }, (_, i) => (i < threshold ? i : 255 - i)));
}

/** timm's `solarize_add(img, add, thresh=128)`: values below 128 get `add`, capped at 255. */
export function solarizeAdd(img: U8Image, add: number, thresh = 128): U8Image {
  return applyLut(
    img,
    Uint8Array.from({ length: 256 }, (_, i) => (i < thresh ? Math.min(255, i + add) : i)),
  );
}

/** `Image.blend(a, b, alpha)` on 8-bit images, in C float as Pillow's Blend.c. */
export function blend(a: Uint8Array, b: Uint8Array, alpha: number): Uint8Array {
  const f = Math.fround(alpha), fr = Math.fround;
  const out = new Uint8Array(a.length);
  if (f >= 0 && f <= 1) {
    for (let i = 0; i < a.length; i++) out[i] = Math.trunc(fr(a[i] + fr(f * (b[i] - a[i]))));
  } else {
    for (let i = 0; i < a.length; i++) {
      const t = fr(a[i] + fr(f * (b[i] - a[i])));
      out[i] = t <= 0 ? 0 : t >= 255 ? 255 : Math.trunc(t);
    }
  }
  return out;
}

/** Replicate one plane into `c` channels. */
function planes(grey: Uint8Array, c: number): Uint8Array {
  const out = new Uint8Array(grey.length * c);
  for (let ch = 0; ch < c; ch++) out.set(grey, ch * grey.length);
  return out;
}

/** `ImageEnhance.Color(img).enhance(f)`: blend with the grey image (0 = grey, 1 = original). */
export function color(img: U8Image, factor: number): U8Image {
  return { ...img, data: blend(planes(toGrey(img), img.c), img.data, factor) };
}

/** `ImageEnhance.Contrast(img).enhance(f)`: blend with the flat mean grey. */
export function contrast(img: U8Image, factor: number): U8Image {
  const grey = toGrey(img);
  let sum = 0;
  for (let p = 0; p < grey.length; p++) sum += grey[p];
  const mean = Math.trunc(sum / grey.length + 0.5);
  return { ...img, data: blend(new Uint8Array(img.data.length).fill(mean), img.data, factor) };
}

/** `ImageEnhance.Brightness(img).enhance(f)`: blend with black. */
export function brightness(img: U8Image, factor: number): U8Image {
  return { ...img, data: blend(new Uint8Array(img.data.length), img.data, factor) };
}

/** `img.filter(ImageFilter.SMOOTH)`: 3×3 [1 1 1; 1 5 1; 1 1 1]/13 per channel, border copied. */
export function smooth(img: U8Image): Uint8Array {
  const { c, h, w, data } = img;
  const fr = Math.fround;
  const k1 = fr(1 / 13), k5 = fr(5 / 13), offset = fr(0.5);
  const out = data.slice();
  for (let ch = 0; ch < c; ch++) {
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        const p = (ch * h + y) * w + x, q = p + w, r = p - w;
        // Filter.c's order: offset + row y+1 (kernel 0..2) + row y + row y−1, in float32.
        let ss = fr(
          offset + fr(fr(fr(data[q - 1] * k1) + fr(data[q] * k1)) + fr(data[q + 1] * k1)),
        );
        ss = fr(ss + fr(fr(fr(data[p - 1] * k1) + fr(data[p] * k5)) + fr(data[p + 1] * k1)));
        ss = fr(ss + fr(fr(fr(data[r - 1] * k1) + fr(data[r] * k1)) + fr(data[r + 1] * k1)));
        out[p] = ss <= 0 ? 0 : ss >= 255 ? 255 : Math.trunc(ss);
      }
    }
  }
  return out;
}

/** `ImageEnhance.Sharpness(img).enhance(f)`: blend with the smoothed image. */
export function sharpness(img: U8Image, factor: number): U8Image {
  return { ...img, data: blend(smooth(img), img.data, factor) };
}
