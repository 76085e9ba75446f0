/**
 * A backend plugin: `counting` wraps the `reference` backend and counts the
 * kernels each compiled graph launches, by op. The reference interpreter runs
 * exactly one kernel per non-source node of the graph's plan (sources —
 * inputs, state, constants — need none), so counting planned nodes per run
 * counts its kernel calls.
 *
 *   deno run -A examples/custom_backend.ts            # vit_micro, one training step on Fashion-MNIST
 *   deno run -A examples/custom_backend.ts --tiny     # synthetic 8×8 data
 * @module
 */
import { parseArgs } from "node:util";
import {
  type Backend,
  type Executable,
  plan,
  referenceBackend,
  registerBackend,
  SOURCE_OPS,
  train,
} from "../mod.ts";

/** Kernel calls by op, over every executable the backend compiled. */
export const kernelCalls: Map<string, number> = new Map();
let runs = 0;

const countingBackend: Backend = {
  name: "counting",
  description: "reference backend that counts kernel calls by op",
  speedRank: 1000, // never chosen by --backend auto
  probe: () => referenceBackend.probe(),
  async compile(graph, options): Promise<Executable> {
    const inner = await referenceBackend.compile(graph, options);
    const ops = plan(graph, { outputs: options?.outputs }).order
      .map((id) => graph.nodes[id].op)
      .filter((op) => !SOURCE_OPS.has(op));
    return {
      async run(feeds) {
        const out = await inner.run(feeds);
        runs++;
        for (const op of ops) kernelCalls.set(op, (kernelCalls.get(op) ?? 0) + 1);
        return out;
      },
      readState: (names) => inner.readState(names),
      writeState: (values) => inner.writeState(values),
      stats: () => inner.stats(),
      dispose: () => inner.dispose(),
    };
  },
};
registerBackend(countingBackend);

const { values } = parseArgs({ args: Deno.args, options: { tiny: { type: "boolean" } } });
const tiny = values.tiny || Deno.env.get("ACTLAB_EXAMPLE_TINY") === "1";
const data = tiny
  ? {
    dataset: "synthetic",
    synthetic: { imageSize: 8, numClasses: 3, trainSize: 32, testSize: 16 },
  }
  : { dataset: "fashion-mnist", testSubset: 256 };
const out = await Deno.makeTempDir({ prefix: "actlab_example_" });
await train(
  {
    model: "vit_micro",
    backend: "counting",
    steps: 1,
    batchSize: 16,
    evalBatchSize: 16,
    ...data,
    out,
  },
  { log: () => {}, progress: false },
);
await Deno.remove(out, { recursive: true });
const top = [...kernelCalls].sort((a, b) => b[1] - a[1]);
console.log(`${runs} runs (1 training step + evaluation batches), ${top.length} kernel kinds:`);
for (const [op, n] of top.slice(0, 10)) console.log(`  ${op.padEnd(20)} ${n}`);
console.log(JSON.stringify({ runs, calls: Object.fromEntries(top) }));
