/**
 * Fully connected layer `y = x·Wᵀ + b` with PyTorch's `[out, in]` weight
 * layout (so checkpoints map one-to-one onto `nn.Linear`). Inputs of rank > 2
 * are flattened to a matrix first: one GEMM instead of a broadcast batch.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { add, matmul, reshape } from "../core/ops.ts";
import { fmtShape } from "../core/shape.ts";
import type { BuildContext, Initializer } from "../plugin/context.ts";
import {
  torchDefaultBiasInit,
  torchDefaultWeightInit,
  truncNormalInit,
  zerosInit,
} from "./init.ts";

/** How a linear layer is initialised. */
export type LinearInit =
  /** PyTorch `nn.Linear` default: weight and bias U(±1/√fan_in). */
  | "torch"
  /** timm ViT: weight trunc-normal std 0.02, bias zero. */
  | "vit";

/** Options of `linear`. */
export interface LinearOptions {
  /** Add a bias (default true). */
  readonly bias?: boolean;
  /** Initialisation recipe (default `"torch"`). */
  readonly init?: LinearInit;
  /** Explicit weight initialiser (overrides `init`). */
  readonly weightInit?: Initializer;
  /** Explicit bias initialiser (overrides `init`). */
  readonly biasInit?: Initializer;
}

/**
 * `x[..., in] → [..., out]`, declaring `weight [out, in]` (weight decay) and
 * `bias [out]` (no decay) in `ctx`'s scope.
 */
export function linear(
  ctx: BuildContext,
  x: Tensor,
  outFeatures: number,
  opts: LinearOptions = {},
): Tensor {
  if (x.rank < 1 || !Number.isInteger(outFeatures) || outFeatures < 1) {
    throw new ActlabError(
      `linear "${ctx.prefix}": input ${fmtShape(x.shape)}, out features ${outFeatures}`,
      "pass an input of rank >= 1 and a positive integer number of output features",
    );
  }
  const inFeatures = x.shape[x.rank - 1];
  const vit = opts.init === "vit";
  const w = ctx.param(
    "weight",
    [outFeatures, inFeatures],
    opts.weightInit ?? (vit ? truncNormalInit(0.02) : torchDefaultWeightInit()),
    { decay: true },
  );
  const lead = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? x : reshape(x, [lead.reduce((a, b) => a * b, 1), inFeatures]);
  let y = matmul(x2, w, false, true);
  if (opts.bias ?? true) {
    const b = ctx.param(
      "bias",
      [outFeatures],
      opts.biasInit ?? (vit ? zerosInit() : torchDefaultBiasInit(inFeatures)),
      { decay: false },
    );
    y = add(y, b);
  }
  return x.rank === 2 ? y : reshape(y, [...lead, outFeatures]);
}
