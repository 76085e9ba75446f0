/**
 * 2-D convolution layer (NCHW) with PyTorch's `[out, in/groups, kh, kw]`
 * weight layout.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { add, conv2d as conv2dOp, reshape } from "../core/ops.ts";
import { fmtShape } from "../core/shape.ts";
import type { BuildContext, Initializer } from "../plugin/context.ts";
import { kaimingNormalInit, torchDefaultBiasInit, torchDefaultWeightInit } from "./init.ts";

/** How a convolution is initialised. */
export type Conv2dInit =
  /** torchvision ResNet: Kaiming normal, mode fan_out, relu gain. */
  | "kaiming"
  /** PyTorch `nn.Conv2d` default: U(±1/√fan_in) for weight and bias. */
  | "torch";

/** Options of the `conv2d` layer. */
export interface Conv2dLayerOptions {
  /** Square kernel size or `[kh, kw]`. */
  readonly kernel: number | [number, number];
  /** Stride (default 1). */
  readonly stride?: number | [number, number];
  /** Zero padding (default 0). */
  readonly padding?: number | [number, number];
  /** Dilation (default 1). */
  readonly dilation?: number | [number, number];
  /** Channel groups (default 1). */
  readonly groups?: number;
  /** Add a bias (default false: convolutions here are followed by a norm). */
  readonly bias?: boolean;
  /** Initialisation recipe (default `"kaiming"`). */
  readonly init?: Conv2dInit;
  /** Explicit weight initialiser (overrides `init`). */
  readonly weightInit?: Initializer;
  /** Explicit bias initialiser (overrides `init`; only with `bias`). */
  readonly biasInit?: Initializer;
}

/** `x [B, Cin, H, W] → [B, outChannels, Ho, Wo]`, declaring `weight` (and `bias`) in `ctx`'s scope. */
export function conv2d(
  ctx: BuildContext,
  x: Tensor,
  outChannels: number,
  opts: Conv2dLayerOptions,
): Tensor {
  const groups = opts.groups ?? 1;
  if (x.rank !== 4 || x.shape[1] % groups !== 0 || outChannels % groups !== 0) {
    throw new ActlabError(
      `conv2d "${ctx.prefix}": input ${
        fmtShape(x.shape)
      }, ${outChannels} output channels, ${groups} groups`,
      "pass an NCHW input whose channel count, like the output channel count, divides by groups",
    );
  }
  const [kh, kw] = typeof opts.kernel === "number" ? [opts.kernel, opts.kernel] : opts.kernel;
  const shape = [outChannels, x.shape[1] / groups, kh, kw];
  const init = opts.weightInit ??
    (opts.init === "torch" ? torchDefaultWeightInit() : kaimingNormalInit("fan_out"));
  const w = ctx.param("weight", shape, init, { decay: true });
  let y = conv2dOp(x, w, {
    stride: opts.stride,
    padding: opts.padding,
    dilation: opts.dilation,
    groups,
  });
  if (opts.bias) {
    const fanIn = shape[1] * kh * kw;
    const b = ctx.param(
      "bias",
      [outChannels],
      opts.biasInit ?? torchDefaultBiasInit(fanIn),
      { decay: false },
    );
    y = add(y, reshape(b, [1, outChannels, 1, 1]));
  }
  return y;
}
