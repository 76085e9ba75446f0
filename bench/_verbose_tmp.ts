import "../backends/mod.ts";
import { getBackend } from "../backends/registry.ts";
import { trainStepRunner } from "./train_step.ts";
const model = Deno.args[0] ?? "convnet";
const { step } = await trainStepRunner(getBackend("onednn-cpu"), {
  model,
  activation: Deno.args[1] ?? "relu",
  batch: 128,
  image: [1, 28, 28],
  classes: 10,
});
for (let i = 0; i < 4; i++) await step();
