/**
 * PIL's `Image.transform(size, AFFINE, data, resample, fillcolor)` and
 * `Image.rotate(angle, resample, fillcolor=…)` for 8-bit images with the
 * BILINEAR and BICUBIC filters: the geometric ops of timm's RandAugment
 * (`timm/data/auto_augment.py`: `rotate`, `shear_x/y`, `translate_x/y_rel`,
 * all through `img.transform` / `img.rotate` with a random bilinear/bicubic
 * `resample` and `fillcolor = img_mean`).
 *
 * Semantics follow Pillow 9's `src/libImaging/Geometry.c`
 * (`ImagingGenericTransform`, `affine_transform`, `bilinear_filter32RGB`,
 * `bicubic_filter32RGB`) and `Image.rotate` in `PIL/Image.py` (read, not
 * copied): output pixel (x, y) samples the input at
 * (a0·(x+½) + a1·(y+½) + a2, a3·(x+½) + a4·(y+½) + a5); a sample point
 * outside [0, w)×[0, h) keeps the fill colour; inside, neighbours past the
 * border are clamped to the edge. Bilinear truncates its result to an
 * integer; bicubic (the a = −1 cubic of Geometry.c, not Resample.c's
 * a = −0.5) clamps to [0, 255] and truncates.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { U8Image } from "./image.ts";
import type { Interpolation } from "./resample.ts";

/** An affine map output → input, PIL's 6-tuple (a, b, c, d, e, f). */
export type AffineData = readonly [number, number, number, number, number, number];

function cubic(v1: number, v2: number, v3: number, v4: number, d: number): number {
  const p1 = v2;
  const p2 = -v1 + v3;
  const p3 = 2 * (v1 - v2) + v3 - v4;
  const p4 = -v1 + v2 - v3 + v4;
  return p1 + d * (p2 + d * (p3 + d * p4));
}

/**
 * Warp `img` by the affine map `a` (output pixel centre → input
 * coordinates), same size, sampling with `interp`; points outside the
 * input take `fill` (one value per channel).
 */
export function affineTransform(
  img: U8Image,
  a: AffineData,
  interp: Interpolation,
  fill: readonly number[],
): U8Image {
  if (interp !== "bilinear" && interp !== "bicubic") {
    throw new ActlabError(
      `augment: unknown interpolation "${interp}"`,
      "use bilinear or bicubic",
    );
  }
  const { c, h, w, data } = img;
  const plane = h * w;
  const out = new Uint8Array(data.length);
  const [a0, a1, a2, a3, a4, a5] = a;
  const xc = (x: number) => (x < 0 ? 0 : x < w ? x : w - 1);
  for (let y = 0; y < h; y++) {
    const yin0 = y + 0.5;
    for (let x = 0; x < w; x++) {
      const xin0 = x + 0.5;
      let xin = a0 * xin0 + a1 * yin0 + a2;
      let yin = a3 * xin0 + a4 * yin0 + a5;
      const o = y * w + x;
      if (!(xin >= 0 && xin < w && yin >= 0 && yin < h)) {
        for (let ch = 0; ch < c; ch++) out[ch * plane + o] = fill[ch] ?? 0;
        continue;
      }
      xin -= 0.5;
      yin -= 0.5;
      let xi = Math.floor(xin), yi = Math.floor(yin);
      const dx = xin - xi, dy = yin - yi;
      if (interp === "bilinear") {
        const x0 = xc(xi), x1 = xc(xi + 1);
        const r0 = (yi < 0 ? 0 : yi < h ? yi : h - 1) * w, r1 = (yi + 1) * w;
        const hasR1 = yi + 1 >= 0 && yi + 1 < h;
        for (let ch = 0; ch < c; ch++) {
          const b = ch * plane;
          const p0 = data[b + r0 + x0], p1 = data[b + r0 + x1];
          const v1 = p0 + (p1 - p0) * dx;
          let v2 = v1;
          if (hasR1) {
            const q0 = data[b + r1 + x0], q1 = data[b + r1 + x1];
            v2 = q0 + (q1 - q0) * dx;
          }
          out[b + o] = Math.trunc(v1 + (v2 - v1) * dy);
        }
      } else {
        xi--;
        yi--;
        const x0 = xc(xi), x1 = xc(xi + 1), x2 = xc(xi + 2), x3 = xc(xi + 3);
        // Rows y−1..y+2 as Geometry.c: the first clamped (YCLIP), each other one
        // replaced by the previous row's value when it lies outside the image.
        const ry0 = (yi < 0 ? 0 : yi < h ? yi : h - 1) * w;
        const ry1 = yi + 1 >= 0 && yi + 1 < h ? (yi + 1) * w : -1;
        const ry2 = yi + 2 >= 0 && yi + 2 < h ? (yi + 2) * w : -1;
        const ry3 = yi + 3 >= 0 && yi + 3 < h ? (yi + 3) * w : -1;
        for (let ch = 0; ch < c; ch++) {
          const b = ch * plane;
          let r = b + ry0;
          const v1 = cubic(data[r + x0], data[r + x1], data[r + x2], data[r + x3], dx);
          r = b + ry1;
          const v2 = ry1 < 0
            ? v1
            : cubic(data[r + x0], data[r + x1], data[r + x2], data[r + x3], dx);
          r = b + ry2;
          const v3 = ry2 < 0
            ? v2
            : cubic(data[r + x0], data[r + x1], data[r + x2], data[r + x3], dx);
          r = b + ry3;
          const v4 = ry3 < 0
            ? v3
            : cubic(data[r + x0], data[r + x1], data[r + x2], data[r + x3], dx);
          const v = cubic(v1, v2, v3, v4, dy);
          out[b + o] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
        }
      }
    }
  }
  return { c, h, w, data: out };
}

/** Python's `round(x, 15)` for |x| ≤ 1 (correctly rounded decimal, as CPython). */
function round15(x: number): number {
  return Number(x.toFixed(15));
}

/**
 * PIL's `img.rotate(degrees, resample, fillcolor=fill)` (counter-clockwise,
 * about the image centre (w/2, h/2), same size). Angle 0 (mod 360) is a
 * copy, as in PIL; the transposition shortcuts PIL takes at 90/180/270° are
 * not implemented, since RandAugment's angles stay within ±30°.
 */
export function rotate(
  img: U8Image,
  degrees: number,
  interp: Interpolation,
  fill: readonly number[],
): U8Image {
  // Python's float `%`: the C remainder, shifted by 360 only when negative.
  const r = degrees % 360;
  const ang = r < 0 ? r + 360 : r;
  if (ang === 0) return { ...img, data: img.data.slice() };
  if (ang === 90 || ang === 180 || ang === 270) {
    throw new ActlabError(
      `augment: rotate by ${degrees}° takes PIL's transposition path, which is not implemented`,
      "RandAugment rotates by at most ±30°; use an angle that is not a multiple of 90",
    );
  }
  const t = -ang * (Math.PI / 180);
  const cos = round15(Math.cos(t)), sin = round15(Math.sin(t)), msin = round15(-Math.sin(t));
  const cx = img.w / 2, cy = img.h / 2;
  const m2 = cos * -cx + sin * -cy + 0 + cx;
  const m5 = msin * -cx + cos * -cy + 0 + cy;
  return affineTransform(img, [cos, sin, m2, msin, cos, m5], interp, fill);
}

/** timm's `shear_x`: x_in = x + factor·y. */
export function shearX(
  img: U8Image,
  factor: number,
  interp: Interpolation,
  fill: readonly number[],
): U8Image {
  return affineTransform(img, [1, factor, 0, 0, 1, 0], interp, fill);
}

/** timm's `shear_y`: y_in = factor·x + y. */
export function shearY(
  img: U8Image,
  factor: number,
  interp: Interpolation,
  fill: readonly number[],
): U8Image {
  return affineTransform(img, [1, 0, 0, factor, 1, 0], interp, fill);
}

/** timm's `translate_x_rel`: x_in = x + pct·width. */
export function translateXRel(
  img: U8Image,
  pct: number,
  interp: Interpolation,
  fill: readonly number[],
): U8Image {
  return affineTransform(img, [1, 0, pct * img.w, 0, 1, 0], interp, fill);
}

/** timm's `translate_y_rel`: y_in = y + pct·height. */
export function translateYRel(
  img: U8Image,
  pct: number,
  interp: Interpolation,
  fill: readonly number[],
): U8Image {
  return affineTransform(img, [1, 0, 0, 0, 1, pct * img.h], interp, fill);
}
