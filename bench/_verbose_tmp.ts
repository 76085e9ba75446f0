import "../backends/mod.ts";
import { getBackend } from "../backends/registry.ts";
import { trainStepRunner } from "../bench/train_step.ts";
const model = Deno.args[0] ?? "convnet";
const { step } = await trainStepRunner(getBackend("onednn-cpu"), { model, activation: "relu", batch: 128, image: [1, 28, 28], classes: 10 });
await step(); await step();
