/**
 * Every model × every activation assembles a full training-step graph
 * (forward, cross-entropy + plugin losses, backward, plugin state updates),
 * runs it on the reference backend with a finite loss and finite gradients,
 * and passes a finite-difference spot check on a few parameter entries.
 *
 * The spot check runs in float64 and restores all state before every run
 * (DPA/BN state changes each step). ε is small (1e-6) because these
 * networks have kinks (ReLU, SELU's derivative, max-pool switches): a larger
 * ε lets some of the thousands of pre-activations near a kink cross it and
 * the difference quotient stops being the derivative. In float64, ε = 1e-6
 * costs ~1e-10 rounding error; a 1e-4 relative tolerance (+1e-6 absolute)
 * still catches any wrong VJP, which errs by O(1).
 */
import assert from "node:assert/strict";
import "../mod.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import { listActivations } from "../activations/registry.ts";
import { createModel, listModels, type ModelOptions } from "../models/registry.ts";
import { initialState } from "../nn/init.ts";
import { hostFeedValues } from "../plugin/context.ts";
import { imageTaskForShape } from "../tasks/image.ts";
import { textTaskForShape } from "../tasks/text.ts";
import { nodeTask } from "../tasks/node.ts";
import { sbmGraph } from "../data/graph/synthetic.ts";
import { taskInputShape } from "../train/run.ts";
import type { Task } from "../train/task.ts";
import { buildStepGraph } from "../train/step_graph.ts";
import { lcg } from "./gradcheck.ts";

const B = 2;
const K = 3;
const SHAPE: [number, number, number] = [1, 28, 28];
/** The torchvision-geometry CNNs run tiny (AlexNet and VGG need 32 px in their CIFAR geometry). */
const TINY: Record<string, { shape: [number, number, number]; options: ModelOptions }> = {
  alexnet: { shape: [1, 32, 32], options: { width: 1 / 16 } },
  vgg11: { shape: [1, 32, 32], options: { width: 1 / 32, dropout: 0 } },
  vgg11_bn: { shape: [1, 32, 32], options: { width: 1 / 32, dropout: 0 } },
  resnet32: { shape: [1, 8, 8], options: { blocks: 1, width: 1 / 4 } },
  // 8 px: at 16 px a ReLU-family pre-activation lies within ε's reach of its kink for one spot
  // check (1.5 % off under relu/relu6/dpa, exact under gelu/silu/elu).
  mobilenet_v2: {
    shape: [1, 8, 8],
    options: { width: 1 / 8, divisor: 4, lastChannel: 16, repeats: [1, 2, 1, 1, 1, 1, 1] },
  },
  shufflenet_v2: {
    shape: [1, 16, 16],
    options: { channels: [4, 8, 8, 16, 16], repeats: [2, 1, 1] },
  },
  // The transformer family at the parity suite's tiny sizes (tests/model_parity.ts): at full
  // width a float64 reference step of CaiT's 26 blocks or TNT-S takes up to a minute.
  vit_tiny: { shape: [1, 8, 8], options: { embedDim: 12, depth: 1, numHeads: 3, patchSize: 4 } },
  vit_micro: { shape: [1, 8, 8], options: { embedDim: 8, depth: 2, numHeads: 2, patchSize: 4 } },
  deit_tiny: { shape: [1, 8, 8], options: { embedDim: 8, depth: 2, numHeads: 2, patchSize: 4 } },
  cait_xxs24: {
    shape: [1, 8, 8],
    options: {
      embedDim: 12,
      depth: 2,
      numHeads: 3,
      classDepth: 1,
      patchSize: 4,
      initValues: 0.1,
    },
  },
  pvt_tiny: {
    shape: [1, 8, 8],
    options: {
      embedDims: [4, 8, 8, 12],
      numHeads: [1, 2, 2, 3],
      mlpRatios: [2, 2, 1, 1],
      depths: [1, 1, 1, 1],
      srRatios: [2, 2, 2, 1],
      patchSize: 1,
    },
  },
  tnt_small: {
    shape: [1, 8, 8],
    options: {
      embedDim: 12,
      innerDim: 4,
      depth: 1,
      numHeads: 3,
      innerHeads: 2,
      patchSize: 4,
      pixelStride: 2,
    },
  },
};

/** Text models: token sequences of `length` (padded) over a vocabulary of `vocab`; dropout on. */
const TEXT: Record<string, { length: number; vocab: number; options: ModelOptions }> = {
  bert: {
    length: 5,
    vocab: 11,
    options: { size: "tiny", layers: 1, hidden: 8, heads: 2, intermediate: 8, vocabSize: 11 },
  },
};

/**
 * Graph models: one step of the node task on a 12-node SBM graph (K
 * classes, 4 features); the step's batch is the node count and only the
 * training nodes carry labels.
 */
const GRAPH: Record<string, ModelOptions> = { gcn: { hidden: 6 }, graphsage: { hidden: 6 } };
const graphTask = () =>
  nodeTask(sbmGraph({ numNodes: 12, numClasses: K, numFeatures: 4, pIn: 0.5, pOut: 0.1, seed: 2 }));

/** Token feeds: row r has 2 + r tokens ([CLS] = 2 first, the rest random), segment 1 on the last. */
function textFeeds(length: number, vocab: number, rand: () => number): Record<string, HostTensor> {
  const ids = new Int32Array(B * length), types = new Int32Array(B * length);
  const mask = new Float64Array(B * length);
  for (let r = 0; r < B; r++) {
    for (let i = 0; i < 2 + r; i++) {
      ids[r * length + i] = i === 0 ? 2 : Math.floor(rand() * vocab);
      types[r * length + i] = i === 1 + r ? 1 : 0;
      mask[r * length + i] = 1;
    }
  }
  const shape = [B, length];
  return {
    ids: { dtype: "i32", shape, data: ids },
    typeIds: { dtype: "i32", shape, data: types },
    mask: { dtype: "f32", shape, data: mask },
  };
}

for (const modelName of listModels()) {
  for (const act of listActivations()) {
    Deno.test(`train step ${modelName} × ${act}: finite loss and FD spot check`, async () => {
      const text = TEXT[modelName];
      const graph = GRAPH[modelName] ? graphTask() : null;
      const rand = lcg(7);
      let task: Task, batch = B, feeds: Record<string, HostTensor>, labels: Int32Array;
      let options: ModelOptions, shape: number[];
      if (graph) {
        // The node task's own feeds: features, edges and their weights, split labels.
        task = graph;
        batch = graph.fullBatch!;
        shape = taskInputShape(graph);
        options = { ...graph.modelHints, ...GRAPH[modelName] };
        const first =
          [...graph.trainBatches({ batchSize: batch, seed: 0, epoch: 0, startBatch: 0 })][0];
        feeds = { ...first.feeds };
        labels = first.labels;
      } else {
        ({ shape, options } = text
          ? { shape: [text.length], options: text.options }
          : TINY[modelName] ?? { shape: SHAPE, options: {} });
        // Identity normalisation: the FD check perturbs the model's input itself.
        task = text
          ? textTaskForShape({ maxLength: text.length, numClasses: K, vocabSize: text.vocab })
          : imageTaskForShape({
            inputShape: shape as [number, number, number],
            numClasses: K,
            mean: [0],
            std: [1],
          });
        labels = Int32Array.from({ length: B }, (_, i) => i % K);
        feeds = {
          ...(text ? textFeeds(text.length, text.vocab, rand) : {
            x: {
              dtype: "f32",
              shape: [B, ...shape],
              data: Float64Array.from({ length: B * shape[1] * shape[2] }, () => rand()),
            },
          }),
          labels: { dtype: "i32", shape: [B], data: labels },
        };
      }
      const model = createModel(modelName, {
        numClasses: K,
        inputShape: shape,
        activation: act,
        ...options,
      });
      const step = buildStepGraph({ model, task, phase: "train", batchSize: batch });
      const params = step.record.params;
      // Spot-check one entry of each of three parameters spread over the depth.
      const picks = [0, Math.floor(params.length / 2), params.length - 1].map((i) => params[i]);
      for (const p of picks) step.graph.output(`grad.${p.name}`, step.grads.get(p.name)!);
      const exe = await referenceBackend.compile(step.graph, { precision: "f64" });
      const lossOnly = await referenceBackend.compile(step.graph, {
        precision: "f64",
        outputs: ["loss"],
      });
      const init = initialState(step.record, 3);
      // Step 4 of interval 5: an update step for DPA's memories (the richest graph).
      Object.assign(
        feeds,
        hostFeedValues(step.record, { labels, step: 4, numClasses: K, seed: 1 }),
      );
      await exe.writeState(init);
      const out = await exe.run(feeds);
      assert.ok(Number.isFinite(out.loss.data[0]), `loss ${out.loss.data[0]}`);
      for (const p of picks) {
        const g = out[`grad.${p.name}`].data;
        assert.ok(g.every(Number.isFinite), `non-finite gradient for ${p.name}`);
        const n = g.length;
        for (const j of [Math.floor(n / 2)]) {
          const eps = 1e-6;
          const lossAt = async (v: number) => {
            const data = Float64Array.from(init[p.name].data);
            data[j] = v;
            await lossOnly.writeState({ ...init, [p.name]: { ...init[p.name], data } });
            return (await lossOnly.run(feeds)).loss.data[0];
          };
          const x0 = init[p.name].data[j];
          const fd = ((await lossAt(x0 + eps)) - (await lossAt(x0 - eps))) / (2 * eps);
          const err = Math.abs(fd - g[j]);
          assert.ok(
            err <= 1e-6 + 1e-4 * Math.max(Math.abs(fd), Math.abs(g[j])),
            `${p.name}[${j}]: analytic ${g[j]} vs finite difference ${fd}`,
          );
        }
      }
    });
  }
}
