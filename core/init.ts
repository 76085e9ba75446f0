/**
 * Parameter initialisers with PyTorch/timm semantics, drawn from a `core/rng`
 * key so an initialisation is reproducible on every platform.
 *
 * Fans follow `torch.nn.init._calculate_fan_in_and_fan_out`: for the default
 * `"out_in"` layout (PyTorch: Linear `[out, in]`, conv `[out, in, kh, kw]`)
 * fan_in = in·receptive and fan_out = out·receptive, receptive being the
 * product of the axes after the first two. The `"in_out"` layout reads the
 * LAST two axes as `[in, out]` with leading receptive axes (a `[in, out]`
 * matrix for `x·W`, or HWIO convolution kernels). `fans` overrides both.
 *
 * Recipes: torchvision ResNet convs = `kaimingNormal(rng, s, {mode: "fan_out",
 * nonlinearity: "relu"})`; PyTorch `nn.Linear` weight = `kaimingUniform(rng, s,
 * {a: Math.sqrt(5)})`, i.e. U(−1/√fan_in, 1/√fan_in), and its bias =
 * `uniformInit(rng, [out], −1/√fan_in, 1/√fan_in)`; ViT (timm) =
 * `truncNormal(rng, s, {std: 0.02})`.
 * @module
 */
import { ActlabError } from "./errors.ts";
import { type HostTensor, type Shape, sizeOf } from "./host_tensor.ts";
import type { Rng } from "./rng.ts";
import { fmtShape } from "./shape.ts";

/** Which fan scales a Kaiming initialiser: `fan_in` preserves forward variance, `fan_out` backward. */
export type FanMode = "fan_in" | "fan_out";

/** Nonlinearities with a recommended gain (`torch.nn.init.calculate_gain`). */
export type Nonlinearity =
  | "linear"
  | "conv"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "selu";

/** Axis order of a weight: `[out, in, ...k]` (PyTorch) or `[...k, in, out]` (x·W, HWIO). */
export type WeightLayout = "out_in" | "in_out";

/** Fan-in and fan-out of a weight. */
export interface Fans {
  /** Inputs feeding one output unit. */
  readonly fanIn: number;
  /** Outputs fed by one input unit. */
  readonly fanOut: number;
}

/** Fans of a weight of `shape` in `layout` (PyTorch's rule; rank ≥ 2). */
export function computeFans(shape: Shape, layout: WeightLayout = "out_in"): Fans {
  if (shape.length < 2) {
    throw new ActlabError(
      `cannot compute fan-in/fan-out of a rank-${shape.length} tensor ${fmtShape(shape)}`,
      "use a weight of rank >= 2, or pass `fans` explicitly",
    );
  }
  const r = shape.length;
  if (layout === "out_in") {
    const receptive = sizeOf(shape.slice(2));
    return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
  }
  const receptive = sizeOf(shape.slice(0, r - 2));
  return { fanIn: shape[r - 2] * receptive, fanOut: shape[r - 1] * receptive };
}

/** Recommended gain of a nonlinearity; `param` is leaky_relu's negative slope (default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "conv":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new ActlabError(
        `unknown nonlinearity "${nonlinearity}"`,
        "use linear, conv, sigmoid, tanh, relu, leaky_relu or selu",
      );
  }
}

/** Options shared by initialisers that depend on fans. */
export interface FanOptions {
  /** Axis order of the weight (default `"out_in"`). */
  readonly layout?: WeightLayout;
  /** Explicit fans, overriding the shape-based rule. */
  readonly fans?: Fans;
}

/** Options of `kaimingNormal` / `kaimingUniform` (defaults are PyTorch's). */
export interface KaimingOptions extends FanOptions {
  /** Negative slope for `leaky_relu` (default 0). */
  readonly a?: number;
  /** Default `"fan_in"`. */
  readonly mode?: FanMode;
  /** Default `"leaky_relu"` (with `a = 0` its gain is √2, as for relu). */
  readonly nonlinearity?: Nonlinearity;
}

function fanOf(what: string, shape: Shape, o: FanOptions, mode: FanMode): number {
  // Zero-element weights are a no-op, as in PyTorch; any positive fan gives the empty draw.
  if (sizeOf(shape) === 0) return 1;
  const f = o.fans ?? computeFans(shape, o.layout);
  const fan = mode === "fan_in" ? f.fanIn : f.fanOut;
  if (!(fan > 0)) {
    throw new ActlabError(
      `${what}: ${mode} of ${fmtShape(shape)} is ${fan}`,
      "initialise a weight with non-empty axes, or pass `fans`",
    );
  }
  return fan;
}

function f32(shape: Shape, data: Float32Array): HostTensor {
  return { dtype: "f32", shape: [...shape], data };
}

function kaimingStd(what: string, shape: Shape, o: KaimingOptions): number {
  const fan = fanOf(what, shape, o, o.mode ?? "fan_in");
  return calculateGain(o.nonlinearity ?? "leaky_relu", o.a ?? 0) / Math.sqrt(fan);
}

/** N(0, std²) with std = gain/√fan (`torch.nn.init.kaiming_normal_`). */
export function kaimingNormal(rng: Rng, shape: Shape, options: KaimingOptions = {}): HostTensor {
  const std = kaimingStd("kaimingNormal", shape, options);
  return f32(shape, rng.normal(sizeOf(shape), 0, std));
}

/** U(−bound, bound) with bound = gain·√(3/fan) (`torch.nn.init.kaiming_uniform_`). */
export function kaimingUniform(rng: Rng, shape: Shape, options: KaimingOptions = {}): HostTensor {
  const bound = Math.sqrt(3) * kaimingStd("kaimingUniform", shape, options);
  return f32(shape, rng.uniform(sizeOf(shape), -bound, bound));
}

/** Options of the Xavier/Glorot initialisers. */
export interface XavierOptions extends FanOptions {
  /** Gain (default 1). */
  readonly gain?: number;
}

/** U(−b, b) with b = gain·√(6/(fan_in + fan_out)) (`torch.nn.init.xavier_uniform_`). */
export function xavierUniform(rng: Rng, shape: Shape, options: XavierOptions = {}): HostTensor {
  const fanIn = fanOf("xavierUniform", shape, options, "fan_in");
  const fanOut = fanOf("xavierUniform", shape, options, "fan_out");
  const bound = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return f32(shape, rng.uniform(sizeOf(shape), -bound, bound));
}

/** N(0, std²) with std = gain·√(2/(fan_in + fan_out)) (`torch.nn.init.xavier_normal_`). */
export function xavierNormal(rng: Rng, shape: Shape, options: XavierOptions = {}): HostTensor {
  const fanIn = fanOf("xavierNormal", shape, options, "fan_in");
  const fanOut = fanOf("xavierNormal", shape, options, "fan_out");
  const std = (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return f32(shape, rng.normal(sizeOf(shape), 0, std));
}

/** Options of `truncNormal` (timm's `trunc_normal_` defaults). */
export interface TruncNormalOptions {
  /** Default 0. */
  readonly mean?: number;
  /** Default 1. */
  readonly std?: number;
  /** ABSOLUTE lower bound (default −2), not a multiple of std. */
  readonly a?: number;
  /** ABSOLUTE upper bound (default 2), not a multiple of std. */
  readonly b?: number;
}

/**
 * N(mean, std²) restricted to the absolute interval [a, b], out-of-range draws
 * redrawn (timm `trunc_normal_`; with std = 0.02 the default ±2 bounds never bind).
 */
export function truncNormal(rng: Rng, shape: Shape, options: TruncNormalOptions = {}): HostTensor {
  const data = rng.truncatedNormal(
    sizeOf(shape),
    options.std ?? 1,
    options.a ?? -2,
    options.b ?? 2,
    options.mean ?? 0,
  );
  return f32(shape, data);
}

/** U(lo, hi) (e.g. PyTorch's Linear/conv bias: lo = −hi = −1/√fan_in). */
export function uniformInit(rng: Rng, shape: Shape, lo: number, hi: number): HostTensor {
  return f32(shape, rng.uniform(sizeOf(shape), lo, hi));
}

/** N(mean, std²). */
export function normalInit(rng: Rng, shape: Shape, mean = 0, std = 1): HostTensor {
  return f32(shape, rng.normal(sizeOf(shape), mean, std));
}
