/**
 * Node classification (`--task node`), transductive and full batch: one
 * graph (`data/graph/`, by `--dataset` name) is the whole input of every
 * step, so the step's static "batch" is the N nodes (`fullBatch`: the
 * configured batch sizes give way to N). Feeds:
 *
 * - `x`: node features f32 [N, F], or for identity features (`features:
 *   null`) the node ids i32 [N, 1] — the model learns one row per node;
 * - the edge list with self-loops and its host-normalised weights
 *   (`GRAPH_FEEDS`: `edge_src`, `edge_dst`, `edge_gcn`, `edge_mean`);
 * - `labels` i32 [N]: a node's class inside the step's split, −1 outside it
 *   (training: the train nodes; evaluation: the test nodes, or the train
 *   nodes for `analyze --split train`), so the loss, the metrics and DPA's
 *   class memories (`partialLabels`: the linear, masked EMA) see only the
 *   split's labelled nodes;
 * - `target` i32 [N] (the label, 0 where none) and `label_weight` f32 [N]
 *   (1 / #labelled on labelled nodes, else 0) for the loss: mean
 *   cross-entropy over the labelled nodes, with no negative index in the graph.
 *
 * Metrics over the split's nodes: top-1, top-5 (top-K below 5 classes),
 * cross-entropy and AUC (binary for two classes, macro one-vs-rest above;
 * `train/auc.ts`), plus `val_top1` / `val_auc` on the validation nodes from
 * the same forward pass. The dataset's `primaryMetric` (DGraph-Fin: AUC) is
 * named in `describe()`. One training step per epoch; neighbour sampling
 * (GraphSAGE's fan-outs) is not implemented.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Graph, Tensor } from "../core/graph.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import { add, logSoftmax, mul, neg, oneHot, reshape, sum } from "../core/ops.ts";
import { normaliseEdges } from "../data/graph/edge_norm.ts";
import { getGraphDataset, type GraphData } from "../data/graph/types.ts";
import { GRAPH_FEEDS } from "../nn/graph_conv.ts";
import { macroAuc } from "../train/auc.ts";
import type { TrainConfig } from "../train/config.ts";
import { classificationMetrics } from "../train/task.ts";
import type {
  MetricAccumulator,
  Task,
  TaskBatch,
  TaskInputs,
  TaskOpenOptions,
  TaskPlugin,
  TaskTrainBatchOptions,
} from "../train/task.ts";

/** The node task: the generic `Task` plus its graph. */
export interface NodeTask extends Task {
  /** The graph every step sees. */
  readonly graph: GraphData;
  /** The graph is in memory: batches are synchronous. */
  trainBatches(options: TaskTrainBatchOptions): Iterable<TaskBatch>;
  /** The graph is in memory: batches are synchronous. */
  evalBatches(batchSize: number): Iterable<TaskBatch>;
}

/** Throw unless `g` is self-consistent (sizes, index ranges, split labels). */
export function checkGraph(g: GraphData): void {
  const bad = (what: string) => {
    throw new ActlabError(
      `graph dataset ${g.name} (${g.source}): ${what}`,
      "fix the loader or the files it read",
    );
  };
  const n = g.numNodes;
  if (!Number.isInteger(n) || n < 1) bad(`numNodes ${n} is not a positive integer`);
  if (g.labels.length !== n) bad(`${g.labels.length} labels for ${n} nodes`);
  if (g.features && g.features.length !== n * g.numFeatures) {
    bad(`${g.features.length} feature values for ${n} nodes × ${g.numFeatures}`);
  }
  if (g.edgeSrc.length !== g.edgeDst.length) bad("edgeSrc and edgeDst differ in length");
  if (g.edgeWeight && g.edgeWeight.length !== g.edgeSrc.length) bad("edgeWeight length differs");
  for (let e = 0; e < g.edgeSrc.length; e++) {
    const s = g.edgeSrc[e], d = g.edgeDst[e];
    if (!(s >= 0 && s < n && d >= 0 && d < n)) bad(`edge ${e} (${s} → ${d}) leaves [0, ${n})`);
  }
  for (const [name, ids] of Object.entries(g.splits)) {
    for (const i of ids) {
      if (!(i >= 0 && i < n)) bad(`${name} split holds node ${i}, outside [0, ${n})`);
      const k = g.labels[i];
      if (!(k >= 0 && k < g.numClasses)) bad(`${name} node ${i} has label ${k}`);
    }
  }
  if (g.splits.train.length === 0) bad("the train split is empty");
}

/** Labels of `nodes` in an [N] array of −1. */
function splitLabels(g: GraphData, nodes: Int32Array): Int32Array {
  const out = new Int32Array(g.numNodes).fill(-1);
  for (const i of nodes) out[i] = g.labels[i];
  return out;
}

/** Build the node task over graph `g`; `evalSplit` picks the nodes evaluation scores. */
export function nodeTask(g: GraphData, evalSplit: "train" | "test" = "test"): NodeTask {
  checkGraph(g);
  const n = g.numNodes, k = g.numClasses;
  const edges = normaliseEdges(g);
  const e = edges.src.length;
  const x: HostTensor = g.features
    ? { dtype: "f32", shape: [n, g.numFeatures], data: g.features }
    : { dtype: "i32", shape: [n, 1], data: Int32Array.from({ length: n }, (_, i) => i) };
  const fixed: Record<string, HostTensor> = {
    x,
    [GRAPH_FEEDS.src]: { dtype: "i32", shape: [e], data: edges.src },
    [GRAPH_FEEDS.dst]: { dtype: "i32", shape: [e], data: edges.dst },
    [GRAPH_FEEDS.gcn]: { dtype: "f32", shape: [e], data: edges.gcn },
    [GRAPH_FEEDS.mean]: { dtype: "f32", shape: [e], data: edges.mean },
  };
  const batchOf = (labels: Int32Array): TaskBatch => {
    const target = labels.map((l) => Math.max(l, 0));
    const count = labels.reduce((a, l) => a + (l >= 0 ? 1 : 0), 0);
    const weight = Float32Array.from(labels, (l) => (l >= 0 ? 1 / count : 0));
    return {
      feeds: {
        ...fixed,
        labels: { dtype: "i32", shape: [n], data: labels },
        target: { dtype: "i32", shape: [n], data: target },
        label_weight: { dtype: "f32", shape: [n], data: weight },
      },
      labels,
      valid: n,
      index: 0,
    };
  };
  const trainBatch = batchOf(splitLabels(g, g.splits.train));
  const evalNodes = evalSplit === "train" ? g.splits.train : g.splits.test;
  const evalBatch = batchOf(splitLabels(g, evalNodes));
  const checkBatch = (b: number) => {
    if (b !== n) {
      throw new ActlabError(
        `the node task on ${g.name} runs full batch (${n} nodes), asked for a batch of ${b}`,
        "open it through Run.open, which uses the task's fullBatch",
      );
    }
  };
  return {
    kind: "node",
    dataset: g.name,
    graph: g,
    numClasses: k,
    classNames: g.classNames,
    trainSize: g.splits.train.length,
    evalSize: evalNodes.length,
    partialLabels: true,
    fullBatch: n,
    describe: () =>
      `${g.name} (${n} nodes, ${g.edgeSrc.length} edges, ${g.splits.train.length} train / ${g.splits.val.length} val / ${evalNodes.length} ${evalSplit}; primary metric ${g.primaryMetric})`,
    inputs(graph: Graph, b: number): TaskInputs {
      const feeds: Record<string, Tensor> = {
        x: g.features
          ? graph.input("x", [b, g.numFeatures], "f32")
          : graph.input("x", [b, 1], "i32"),
      };
      for (const name of Object.values(GRAPH_FEEDS)) {
        feeds[name] = graph.input(
          name,
          [e],
          name === "edge_src" || name === "edge_dst" ? "i32" : "f32",
        );
      }
      feeds.labels = graph.input("labels", [b], "i32");
      feeds.target = graph.input("target", [b], "i32");
      feeds.label_weight = graph.input("label_weight", [b], "f32");
      return { x: feeds.x, feeds, labels: feeds.labels };
    },
    loss(logits, inputs, labelSmoothing) {
      let target = oneHot(inputs.feeds.target, k);
      if (labelSmoothing > 0) target = add(mul(target, 1 - labelSmoothing), labelSmoothing / k);
      const perNode = sum(mul(target, logSoftmax(logits, -1)), [-1]);
      const b = logits.shape[0];
      return neg(sum(mul(perNode, reshape(inputs.feeds.label_weight, [b]))));
    },
    trainBatchCount: () => 1,
    *trainBatches(o) {
      checkBatch(o.batchSize);
      if (o.startBatch === 0) yield trainBatch;
    },
    *evalBatches(b) {
      checkBatch(b);
      yield evalBatch;
    },
    metrics: () => nodeMetrics(g, k),
  };
}

/** Top-1/top-5/loss and AUC over the batch's labelled nodes, plus the same on the val nodes. */
function nodeMetrics(g: GraphData, k: number): MetricAccumulator {
  const base = classificationMetrics(k);
  let auc = NaN, valTop1 = NaN, valAuc = NaN;
  const rows = (logits: ArrayLike<number>, nodes: ArrayLike<number>) => {
    const out = new Float32Array(nodes.length * k);
    for (let r = 0; r < nodes.length; r++) {
      for (let c = 0; c < k; c++) out[r * k + c] = logits[nodes[r] * k + c];
    }
    return out;
  };
  return {
    get samples() {
      return base.samples;
    },
    add(logits, batch) {
      base.add(logits, batch);
      const nodes: number[] = [];
      batch.labels.forEach((l, i) => l >= 0 && nodes.push(i));
      auc = macroAuc(rows(logits, nodes), nodes.map((i) => batch.labels[i]), k);
      const val = g.splits.val;
      if (val.length > 0) {
        const vl = Array.from(val, (i) => g.labels[i]);
        const vr = rows(logits, val);
        const vm = classificationMetrics(k);
        vm.add(vr, { feeds: {}, labels: Int32Array.from(vl), valid: vl.length, index: 0 });
        valTop1 = vm.result().top1;
        valAuc = macroAuc(vr, vl, k);
      }
    },
    result() {
      return { ...base.result(), auc, val_top1: valTop1, val_auc: valAuc };
    },
  };
}

/** The `node` task kind: `config.dataset` names a graph dataset (`data/graph/`). */
export const nodeTaskPlugin: TaskPlugin = {
  name: "node",
  description:
    "transductive node classification, full batch: node features (or ids), edges, labels [N] (−1 outside the split)",
  async create(config: TrainConfig, options: TaskOpenOptions) {
    const loader = getGraphDataset(config.dataset);
    const g = await loader.load({ dataDir: config.dataDir, seed: config.seed });
    return nodeTask(g, options.evalSplit ?? "test");
  },
};
