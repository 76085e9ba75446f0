/**
 * Golden tests of the authors' augmentation ops (data/augment/) against
 * Pillow 9.4 / torchvision 0.14 outputs on fixed images, from fixtures
 * generated once by tests/fixtures/augment/make_fixtures.py (no Python at
 * test time). The deterministic op is compared given its parameters;
 * randomness is tested separately (tests/augment_params_test.ts).
 *
 * Tolerance: none — every value of every case must be equal. The ports
 * reproduce Pillow's arithmetic: LUT ops (autocontrast, equalize, invert,
 * posterize, solarize, solarize-add) are integer; the enhance blends (color,
 * contrast, brightness, sharpness) use Pillow's float32 steps via
 * Math.fround; resampling (RandomResizedCrop, eval resize + centre crop) is
 * Pillow's 22-bit fixed point after the taps; affine warps (rotate, shear,
 * translate) use the same double arithmetic and truncation as Geometry.c.
 * The one place an exact match could slip is rotate's cos/sin (V8's fdlibm
 * vs glibc differ by an ulp on rare inputs; Python rounds them to 15
 * decimals first, which absorbs almost all of it): a failure there of ±1 on
 * a few pixels would mean that, not a semantic difference.
 * @module
 */
import assert from "node:assert/strict";
import {
  autoContrast,
  brightness,
  color,
  contrast,
  equalize,
  invert,
  posterize,
  sharpness,
  solarize,
  solarizeAdd,
} from "../data/augment/color_ops.ts";
import { rotate, shearX, shearY, translateXRel, translateYRel } from "../data/augment/affine.ts";
import { hflip, type U8Image, u8Image } from "../data/augment/image.ts";
import { resizedCrop } from "../data/augment/random_resized_crop.ts";
import { evalTransform } from "../data/augment/eval_transform.ts";
import type { Interpolation } from "../data/augment/resample.ts";

const DIR = new URL("./fixtures/augment/", import.meta.url);

interface Case {
  name: string;
  input: string;
  op: string;
  args: Record<string, unknown>;
  offset: number;
  shape: [number, number, number];
}

interface Fixtures {
  fill: number[];
  images: Record<string, { offset: number; shape: [number, number, number] }>;
  cases: Case[];
}

const fx: Fixtures = JSON.parse(Deno.readTextFileSync(new URL("fixtures.json", DIR)));
const blob = Deno.readFileSync(new URL("fixtures.bin", DIR));

function view(offset: number, shape: [number, number, number]): U8Image {
  const [c, h, w] = shape;
  return u8Image(c, h, w, blob.slice(offset, offset + c * h * w));
}

function run(c: Case, img: U8Image): U8Image {
  const a = c.args as Record<string, number & string & number[]>;
  const fill = img.c === 3 ? fx.fill : [fx.fill[0]];
  const interp = a.interp as Interpolation;
  switch (c.op) {
    case "autoContrast":
      return autoContrast(img);
    case "equalize":
      return equalize(img);
    case "invert":
      return invert(img);
    case "posterize":
      return posterize(img, a.bits);
    case "solarize":
      return solarize(img, a.threshold);
    case "solarizeAdd":
      return solarizeAdd(img, a.add);
    case "color":
      return color(img, a.factor);
    case "contrast":
      return contrast(img, a.factor);
    case "brightness":
      return brightness(img, a.factor);
    case "sharpness":
      return sharpness(img, a.factor);
    case "rotate":
      return rotate(img, a.degrees, interp, fill);
    case "shearX":
      return shearX(img, a.factor, interp, fill);
    case "shearY":
      return shearY(img, a.factor, interp, fill);
    case "translateXRel":
      return translateXRel(img, a.pct, interp, fill);
    case "translateYRel":
      return translateYRel(img, a.pct, interp, fill);
    case "resizedCrop":
    case "resizedCropFlip": {
      const box = { top: a.top, left: a.left, height: a.height, width: a.width };
      const out = resizedCrop(img, box, a.size[0], a.size[1], interp);
      return c.op === "resizedCropFlip" ? hflip(out) : out;
    }
    case "evalResizeCrop":
      return evalTransform(img, a.size, interp, a.cropPct);
  }
  throw new Error(`unknown fixture op ${c.op}`);
}

const AFFINE = new Set(["rotate", "shearX", "shearY", "translateXRel", "translateYRel"]);

function compare(c: Case): { off1: number; max: number; n: number } {
  const src = fx.images[c.input];
  const got = run(c, view(src.offset, src.shape));
  const want = view(c.offset, c.shape);
  assert.deepEqual([got.c, got.h, got.w], c.shape, `${c.name}: shape`);
  let off1 = 0, max = 0;
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    if (d > 0) off1++;
    if (d > max) max = d;
  }
  return { off1, max, n: want.data.length };
}

for (const kind of ["lut+enhance", "affine", "resample"]) {
  Deno.test(`augment golden: ${kind} ops match Pillow/torchvision`, () => {
    const sel = fx.cases.filter((c) =>
      kind === "affine"
        ? AFFINE.has(c.op)
        : kind === "resample"
        ? c.op.startsWith("resizedCrop") || c.op === "evalResizeCrop"
        : !AFFINE.has(c.op) && !c.op.startsWith("resizedCrop") && c.op !== "evalResizeCrop"
    );
    assert.ok(sel.length >= 10, `${kind}: fixture cases present`);
    const failures: string[] = [];
    for (const c of sel) {
      const { off1, max, n } = compare(c);
      if (max > 0) failures.push(`${c.name}: ${off1}/${n} values differ, max ${max}`);
    }
    assert.deepEqual(failures, []);
  });
}
