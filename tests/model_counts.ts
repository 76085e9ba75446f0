/**
 * Parameter counts of a model as a run builds it, shared by the model tests
 * that assert the reference implementations' counts.
 * @module
 */
import { sizeOf } from "../core/host_tensor.ts";
import type { ModelOptions } from "../models/registry.ts";
import { imageTaskForShape } from "../tasks/image.ts";
import { resolveConfig } from "../train/config.ts";
import { stepGraphForRun } from "../train/run.ts";

/** A shape-only image task of `channels`×`size`×`size` and `numClasses` classes. */
export function shapeTask(size: number, numClasses: number, channels = 3) {
  return imageTaskForShape({
    inputShape: [channels, size, size],
    numClasses,
    mean: Array(channels).fill(0.5),
    std: Array(channels).fill(0.25),
  });
}

/** Parameters of `model`'s training graph (`stepGraphForRun`, as a run builds it). */
export function trainParams(
  model: string,
  size: number,
  numClasses: number,
  options: ModelOptions = {},
): number {
  const config = resolveConfig({ out: "/tmp/unused", model, modelOptions: options, batchSize: 2 });
  const { step } = stepGraphForRun(config, shapeTask(size, numClasses), "train", 2);
  return step.record.params.reduce((n, p) => n + sizeOf(p.tensor.shape), 0);
}
