/**
 * Parameter initialisers in the `Initializer` form layers hand to
 * `BuildContext.param`, with the recipes of torchvision and timm, plus
 * `initialState`: the initial value of every parameter and buffer of a build,
 * each parameter drawn from its own key derived from (seed, parameter name),
 * so adding a layer never shifts the initialisation of the others.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { type HostTensor, type Shape, sizeOf } from "../core/host_tensor.ts";
import { calculateGain, computeFans, type FanMode } from "../core/init.ts";
import { hashName, Rng } from "../core/rng.ts";
import type { BuildRecord, Initializer } from "../plugin/context.ts";

/** All zeros (biases, LayerNorm/BatchNorm shifts). */
export function zerosInit(): Initializer {
  return (shape) => new Float32Array(sizeOf(shape));
}

/** Every element equal to `value` (norm scales: 1). */
export function constantInit(value: number): Initializer {
  return (shape) => new Float32Array(sizeOf(shape)).fill(value);
}

/**
 * timm's `trunc_normal_(std)`: N(0, std²) cut to the ABSOLUTE interval
 * [a, b] (default ±2, which never binds for std 0.02).
 */
export function truncNormalInit(std = 0.02, a = -2, b = 2): Initializer {
  return (shape, random) => random.truncatedNormal(sizeOf(shape), std, a, b);
}

/** N(0, std²). */
export function normalInit(std: number): Initializer {
  return (shape, random) => random.normal(sizeOf(shape), 0, std);
}

/** U(−bound, bound). */
export function uniformInit(bound: number): Initializer {
  return (shape, random) => random.uniform(sizeOf(shape), -bound, bound);
}

/**
 * torchvision's convolution init, `kaiming_normal_(w, mode, nonlinearity="relu")`:
 * N(0, 2/fan) with fan from the `[out, in, kh, kw]` weight shape.
 */
export function kaimingNormalInit(mode: FanMode = "fan_out"): Initializer {
  return (shape, random) => {
    const f = computeFans(shape);
    const std = calculateGain("relu") / Math.sqrt(mode === "fan_in" ? f.fanIn : f.fanOut);
    return random.normal(sizeOf(shape), 0, std);
  };
}

/**
 * PyTorch's default `nn.Linear`/`nn.Conv2d` weight init, `kaiming_uniform_(a=√5)`,
 * which reduces to U(±1/√fan_in) (`[out, in, ...]` layout).
 */
export function torchDefaultWeightInit(): Initializer {
  return (shape, random) => {
    const fanIn = computeFans(shape).fanIn;
    return random.uniform(sizeOf(shape), -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
  };
}

/** PyTorch's default bias init for a layer with `fanIn` inputs per output: U(±1/√fan_in). */
export function torchDefaultBiasInit(fanIn: number): Initializer {
  return uniformInit(1 / Math.sqrt(fanIn));
}

/**
 * Initial values of every parameter and buffer of a build, by state name.
 * Parameter `name` draws from `Rng.fromSeed(seed).fold(hashName(name))`.
 */
export function initialState(record: BuildRecord, seed: number): Record<string, HostTensor> {
  const root = Rng.fromSeed(seed);
  const out: Record<string, HostTensor> = {};
  for (const p of record.params) {
    const shape = p.tensor.shape;
    const data = p.init(shape, root.fold(hashName(p.name)));
    if (data.length !== sizeOf(shape)) {
      throw new ActlabError(
        `initialiser of "${p.name}" returned ${data.length} values for shape [${shape}]`,
        "return one value per element of the parameter",
      );
    }
    out[p.name] = { dtype: "f32", shape: [...shape], data };
  }
  for (const b of record.buffers) {
    const shape: Shape = b.tensor.shape;
    const n = sizeOf(shape);
    const data = b.tensor.dtype === "f32"
      ? new Float32Array(n)
      : b.tensor.dtype === "i32"
      ? new Int32Array(n)
      : new Uint8Array(n);
    data.fill(b.initValue);
    out[b.name] = { dtype: b.tensor.dtype, shape: [...shape], data };
  }
  return out;
}
