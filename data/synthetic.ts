/**
 * A seeded, class-conditional image dataset of any shape, class count and
 * size, for tests and quick runs without downloads. Each class has a smooth
 * random prototype (a coarse random grid, bilinearly upsampled, per channel).
 * A sample of class k is `λ·shift(P_k) + (1−λ)·P_j + noise` with λ ∈ [0.5, 0.9),
 * j another random class, a random shift of up to 2 px and triangular noise,
 * clipped to [0, 1] and quantised to uint8: learnable, but not separable by
 * looking at one pixel.
 *
 * Image i of a split depends only on (seed, split, i), so subsets and sizes
 * never change the images they share.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { Rng } from "../core/rng.ts";
import type { Dataset, Split } from "./dataset.ts";
import { channelStats } from "./stats.ts";

/** Shape, size and seed of a synthetic dataset. */
export interface SyntheticOptions {
  /** Height and width (default 28). */
  readonly imageSize?: number;
  /** Channels (default 1). */
  readonly channels?: number;
  /** Classes (default 10). */
  readonly numClasses?: number;
  /** Train images (default 4096). */
  readonly trainSize?: number;
  /** Test images (default 1024). */
  readonly testSize?: number;
  /** Seed of prototypes and samples (default 0). */
  readonly seed?: number;
}

/** The defaults of `SyntheticOptions`. */
export const SYNTHETIC_DEFAULTS: Readonly<Required<SyntheticOptions>> = {
  imageSize: 28,
  channels: 1,
  numClasses: 10,
  trainSize: 4096,
  testSize: 1024,
  seed: 0,
};

/** Domain tag so synthetic-data keys never coincide with init or loader keys of the same seed. */
const TAG = 0x73796e74; // "synt"
const GRID = 4;
const MAX_SHIFT = 2;
const NOISE = 0.35;
const STATS_SAMPLE = 512;
/** Noise table length (a power of two). */
const NOISE_TABLE = 1 << 16;

function check(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new ActlabError(
      `synthetic dataset: ${name} must be an integer in [${lo}, ${hi}], got ${v}`,
      `pass a valid --${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    );
  }
  return v;
}

/** Bilinear upsampling of a GRID×GRID grid to s×s (grid corners on image corners). */
function upsample(grid: Float32Array, s: number, out: Float32Array, off: number): void {
  const scale = s > 1 ? (GRID - 1) / (s - 1) : 0;
  for (let y = 0; y < s; y++) {
    const gy = y * scale;
    const y0 = Math.min(GRID - 2, Math.floor(gy));
    const fy = gy - y0;
    for (let x = 0; x < s; x++) {
      const gx = x * scale;
      const x0 = Math.min(GRID - 2, Math.floor(gx));
      const fx = gx - x0;
      const a = grid[y0 * GRID + x0] * (1 - fx) + grid[y0 * GRID + x0 + 1] * fx;
      const b = grid[(y0 + 1) * GRID + x0] * (1 - fx) + grid[(y0 + 1) * GRID + x0 + 1] * fx;
      out[off + y * s + x] = a * (1 - fy) + b * fy;
    }
  }
}

/**
 * One shared table of triangular noise; each image reads it from its own
 * random start with its own odd stride, which is far cheaper than drawing
 * per pixel and still decorrelates images.
 */
function noiseTable(root: Rng): Float32Array {
  const u = root.fold(3).uniform(2 * NOISE_TABLE);
  const t = new Float32Array(NOISE_TABLE);
  for (let i = 0; i < NOISE_TABLE; i++) t[i] = NOISE * (u[2 * i] + u[2 * i + 1] - 1);
  return t;
}

/** The first `n` images of one split. */
function generate(
  o: Required<SyntheticOptions>,
  split: Split,
  n: number,
): { images: Uint8Array; labels: Int32Array } {
  const { imageSize: s, channels: c, numClasses: k } = o;
  const root = Rng.fromSeed(o.seed).fold(TAG);
  const plane = s * s;
  const size = c * plane;
  const protos = new Float32Array(k * size);
  for (let cls = 0; cls < k; cls++) {
    const grid = root.fold(0).fold(cls).uniform(c * GRID * GRID, 0.05, 0.95);
    for (let ch = 0; ch < c; ch++) {
      upsample(
        grid.subarray(ch * GRID * GRID, (ch + 1) * GRID * GRID),
        s,
        protos,
        cls * size + ch * plane,
      );
    }
  }
  const noise = noiseTable(root);
  const key = root.fold(split === "train" ? 1 : 2);
  const images = new Uint8Array(n * size);
  // The clamped view rounds and clips to 0..255 on store.
  const out = new Uint8ClampedArray(images.buffer);
  const labels = new Int32Array(n);
  const srcX = new Int32Array(s);
  for (let i = 0; i < n; i++) {
    // Cyclic labels keep classes balanced in every prefix; the loader shuffles.
    const cls = i % k;
    labels[i] = cls;
    const w = key.fold(i).bits(6);
    const other = (cls + 1 + (w[0] % (k - 1))) % k;
    const lam = 0.5 + 0.4 * (w[1] / 4294967296);
    const dy = (w[2] % (2 * MAX_SHIFT + 1)) - MAX_SHIFT;
    const dx = (w[3] % (2 * MAX_SHIFT + 1)) - MAX_SHIFT;
    let q = w[4] & (NOISE_TABLE - 1);
    const stride = (w[5] & (NOISE_TABLE - 1)) | 1;
    for (let x = 0; x < s; x++) srcX[x] = Math.min(s - 1, Math.max(0, x - dx));
    const lamK = 255 * lam;
    const lamJ = 255 * (1 - lam);
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < s; y++) {
        const sy = Math.min(s - 1, Math.max(0, y - dy));
        const rowK = cls * size + ch * plane + sy * s;
        const rowJ = other * size + ch * plane + y * s;
        const o = i * size + ch * plane + y * s;
        for (let x = 0; x < s; x++) {
          out[o + x] = lamK * protos[rowK + srcX[x]] + lamJ * protos[rowJ + x] +
            255 * noise[q];
          q = (q + stride) & (NOISE_TABLE - 1);
        }
      }
    }
  }
  return { images, labels };
}

/** Resolve and validate options against the defaults. */
export function syntheticConfig(options: SyntheticOptions = {}): Required<SyntheticOptions> {
  const o = { ...SYNTHETIC_DEFAULTS, ...options };
  check("imageSize", o.imageSize, 2, 1024);
  check("channels", o.channels, 1, 64);
  check("numClasses", o.numClasses, 2, 65536);
  check("trainSize", o.trainSize, 1, 2 ** 24);
  check("testSize", o.testSize, 1, 2 ** 24);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) {
    throw new ActlabError(
      `synthetic dataset: seed must be a non-negative integer, got ${o.seed}`,
      "pass --seed N",
    );
  }
  const perImage = o.channels * o.imageSize * o.imageSize;
  if (Math.max(o.trainSize, o.testSize) * perImage > 2 ** 31) {
    throw new ActlabError(
      `synthetic dataset: ${
        Math.max(o.trainSize, o.testSize)
      } images of ${perImage} bytes exceed 2 GiB`,
      "pass a smaller --train-size/--test-size or --image-size",
    );
  }
  return o;
}

/**
 * One split of the synthetic dataset. The normalisation constants come from
 * the first (up to) 512 train images, so train and test share them.
 */
export function makeSynthetic(split: Split, options: SyntheticOptions = {}): Dataset {
  const o = syntheticConfig(options);
  const n = split === "train" ? o.trainSize : o.testSize;
  const { images, labels } = generate(o, split, n);
  const plane = o.imageSize * o.imageSize;
  const statN = Math.min(o.trainSize, STATS_SAMPLE);
  const stats = split === "train"
    ? channelStats(images, statN, o.channels, plane)
    : channelStats(generate(o, "train", statN).images, statN, o.channels, plane);
  return {
    name: "synthetic",
    split,
    images,
    labels,
    n,
    shape: [o.channels, o.imageSize, o.imageSize],
    numClasses: o.numClasses,
    mean: stats.mean,
    std: stats.std,
    classNames: Array.from({ length: o.numClasses }, (_, i) => `class_${i}`),
    source: `synthetic(seed=${o.seed})`,
    defaultAugment: false,
  };
}
