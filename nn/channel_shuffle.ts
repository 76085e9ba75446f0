/**
 * Channel shuffle (ShuffleNet, Zhang et al. 2018; torchvision
 * `shufflenetv2.channel_shuffle`): split the C channels into `groups` groups
 * and interleave them, `[B, C, H, W] → [B, g, C/g, H, W] → swap axes 1 and 2
 * → [B, C, H, W]`. Built from reshape and transpose, ops every backend has
 * (one Transpose on ORT), so no dedicated op: its gradient is the inverse
 * shuffle, which autodiff derives.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Tensor } from "../core/graph.ts";
import { reshape, transpose } from "../core/ops.ts";
import { fmtShape } from "../core/shape.ts";

/** Interleave the `groups` channel groups of an NCHW map (output channel i·g + j ← input j·C/g + i). */
export function channelShuffle(x: Tensor, groups: number): Tensor {
  if (x.rank !== 4 || !Number.isInteger(groups) || groups < 1 || x.shape[1] % groups !== 0) {
    throw new ActlabError(
      `channelShuffle: input ${fmtShape(x.shape)} with ${groups} groups`,
      "pass an NCHW map whose channel count divides by the (positive integer) number of groups",
    );
  }
  const [b, c, h, w] = x.shape;
  const grouped = reshape(x, [b, groups, c / groups, h, w]);
  return reshape(transpose(grouped, [0, 2, 1, 3, 4]), [b, c, h, w]);
}
