/**
 * Reading a training checkpoint back for evaluation or analysis: the run
 * configuration stored in it, and a check that its tensors fit the graph the
 * configuration builds (a checkpoint of another model, other options or a
 * hand-edited file is an error that names the tensors that do not fit,
 * instead of a crash or silently mixed weights).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Graph } from "../core/graph.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import { fmtShape, sameShape } from "../core/shape.ts";
import { type Checkpoint, describeRun } from "./checkpoint.ts";
import { resolveConfig, type TrainConfig } from "./config.ts";

/** The run configuration stored in a training checkpoint, with `overrides` applied and validated. */
export function checkpointConfig(
  ckpt: Checkpoint,
  path: string,
  overrides: Partial<TrainConfig> = {},
): TrainConfig {
  const stored = ckpt.meta.config;
  if (ckpt.meta.format !== "actlab-train-state" || !stored || typeof stored !== "object") {
    throw new ActlabError(
      `checkpoint ${path} is not a training checkpoint (no run configuration in it)`,
      "use a last.ckpt written by deno task train or train()",
    );
  }
  return resolveConfig({ ...(stored as TrainConfig), ...overrides }, path);
}

/**
 * The checkpoint tensors that are state of `graph`; every state of the graph
 * must be present with its shape and dtype.
 */
export function stateForGraph(
  ckpt: Checkpoint,
  graph: Graph,
  path: string,
  model: string,
): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  const problems: string[] = [];
  for (const [name, slot] of graph.states) {
    const node = graph.nodes[slot.id];
    const t = ckpt.tensors[name];
    if (!t) problems.push(`no tensor "${name}"`);
    else if (t.dtype !== node.dtype || !sameShape(t.shape, node.shape)) {
      problems.push(
        `"${name}" is ${t.dtype}${fmtShape(t.shape)}, the model has ${node.dtype}${
          fmtShape(node.shape)
        }`,
      );
    } else out[name] = t;
  }
  if (problems.length) {
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : "";
    throw new ActlabError(
      `checkpoint ${path} does not fit model "${model}" as configured in it: ${
        problems.slice(0, 3).join("; ")
      }${more}`,
      "use a checkpoint written by this actlab for this model (it may come from another model or be edited)",
    );
  }
  return out;
}

/**
 * For resuming training: the checkpoint must hold exactly the state of the
 * train graph. Unlike evaluation (which reads a subset), a tensor the graph
 * does not have means another activation or model — resuming would silently
 * drop it (a DPA checkpoint resumed as ReLU) — so it is refused, naming the
 * run that wrote the checkpoint and the run that is resuming.
 */
export function exactStateForGraph(
  ckpt: Checkpoint,
  graph: Graph,
  path: string,
  config: TrainConfig,
): Record<string, HostTensor> {
  const extra = Object.keys(ckpt.tensors).filter((n) => !graph.states.has(n));
  const missing = [...graph.states.keys()].filter((n) => !(n in ckpt.tensors));
  if (extra.length || missing.length) {
    const what = [
      missing.length ? `lacks ${missing.length} state(s), e.g. "${missing[0]}"` : "",
      extra.length ? `has ${extra.length} state(s) this model lacks, e.g. "${extra[0]}"` : "",
    ].filter((w) => w).join("; ");
    throw new ActlabError(
      `checkpoint ${path} was written by ${describeRun(ckpt.meta.config)} and does not fit ${
        describeRun(config)
      }: it ${what}`,
      "resume with the model, activation and options of the run that wrote it " +
        "(leave those flags out), or start a fresh run without --resume",
    );
  }
  return stateForGraph(ckpt, graph, path, describeRun(config));
}
