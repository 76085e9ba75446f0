/**
 * One activation plugin alone as a graph, the way a model's site uses it:
 * `fwd` is the eval-phase forward `y = act(x)`; `fwdbwd` is the train-phase
 * forward plus backward for an upstream gradient `dy`: the loss is
 * `Σ y·dy` plus the plugin's own loss terms with their coefficients (DPA's
 * channel loss), and the graph returns the loss, `dx`, every parameter gradient and
 * every state update (DPA's class memories), as in a training step.
 * @module
 */
import "../activations/mod.ts";
import { getActivation } from "../activations/registry.ts";
import type { Site } from "../plugin/types.ts";
import { grad } from "../core/autodiff.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { add, div, maximum, mul, sum } from "../core/ops.ts";
import { BuildContext, type BuildRecord } from "../plugin/context.ts";
import type { ActivationCase } from "./grid.ts";

/** Classes the labels feed ranges over (DPA's memories have one row per class). */
export const ACTIVATION_CLASSES = 10;

/** The traced graph and what feeding it needs. */
export interface ActivationGraph {
  readonly graph: Graph;
  readonly record: BuildRecord;
  readonly batch: number;
}

/** The site an activation sees for a layout: token-pooled [B,N,C] or average-pooled [B,C,H,W]. */
export function siteFor(c: ActivationCase): Site {
  return c.layout === "tokens"
    ? { channels: c.shape[2], layout: "tokens", pooling: "token" }
    : { channels: c.shape[1], layout: "nchw", pooling: "avg" };
}

/** Trace `c` into a fresh graph. */
export function activationGraph(c: ActivationCase): ActivationGraph {
  const graph = new Graph();
  const batch = c.shape[0];
  const train = c.mode === "fwdbwd";
  const labels = train ? graph.input("labels", [batch], "i32") : undefined;
  const ctx = new BuildContext({
    graph,
    phase: train ? "train" : "eval",
    batchSize: batch,
    numClasses: ACTIVATION_CLASSES,
    labels,
  });
  const x = graph.input("x", c.shape);
  const y = getActivation(c.activation).create(siteFor(c), {}).apply(ctx.scope("act"), x);
  const record = ctx.record;
  if (!train) {
    graph.output("y", y);
    return { graph, record, batch };
  }
  let loss: Tensor = sum(mul(y, graph.input("dy", c.shape)));
  for (const term of record.losses) loss = add(loss, mul(term.value, term.coefficient));
  for (const pooled of record.pooledLosses.values()) {
    const num = pooled.numerators.reduce((a, t) => add(a, t));
    const den = pooled.denominators.reduce((a, t) => add(a, t));
    loss = add(loss, mul(div(num, maximum(den, 1)), pooled.coefficient));
  }
  const params = record.params;
  const r = grad(graph, loss, [x, ...params.map((p) => p.tensor)], {
    taps: record.taps.map((t) => t.tensor),
  });
  record.taps.forEach((t, i) => t.onGrad(r.taps[i]));
  for (const b of record.buffers) if (b.update) graph.setStateUpdate(b.name, b.update);
  // The loss is an output so the forward is computed too: otherwise dead-code elimination drops
  // it wherever the backward does not read y (softplus, silu…) and fwd+bwd would time less than fwd.
  graph.output("loss", loss);
  graph.output("dx", r.grads[0]);
  params.forEach((p, i) => graph.output(`grad.${p.name}`, r.grads[i + 1]));
  return { graph, record, batch };
}
