/**
 * Where ort-cpu spends a training step: runs one model's step graph with
 * ONNX Runtime's per-node profiler on and prints the time per ONNX op type
 * (and the slowest nodes), averaged over the profiled runs.
 * Run: `deno run -A bench/ort_profile.ts [model] [activation] [batch] [image]`
 * (defaults: vit_tiny relu 64 3x32x32, 100 classes).
 */
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { trainStepRunner } from "./train_step.ts";

const [model = "vit_tiny", activation = "relu", batchArg = "64", imageArg = "3x32x32"] = Deno.args;
const batch = Number(batchArg);
const image = imageArg.split("x").map(Number) as [number, number, number];
const RUNS = 4;

const dir = await Deno.makeTempDir({ prefix: "actlab_ort_profile_" });
Deno.env.set("ACTLAB_ORT_PROFILE", `${dir}/step`);
const { run, step } = await trainStepRunner(ortCpuBackend, {
  model,
  activation,
  batch,
  image,
  classes: 100,
});
for (let i = 0; i < RUNS; i++) await step();
run.dispose();

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}
const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json"));
// The train session is created first, so its profile is the older file name.
const events: ProfileEvent[] = JSON.parse(Deno.readTextFileSync(`${dir}/${files.sort()[0]}`));
const runs = events.filter((e) => e.cat === "Session" && e.name === "model_run").map((e) => e.dur);
// Skip the first run (allocation, first touch): average the steady-state ones.
const steady = runs.slice(1);
const runUs = steady.reduce((a, b) => a + b, 0) / steady.length;
const firstRunEnd = (() => {
  const r = events.filter((e) => e.cat === "Session" && e.name === "model_run");
  return (r[0] as unknown as { ts: number }).ts + r[0].dur;
})();
const byOp = new Map<string, number>();
const byNode = new Map<string, { op: string; us: number }>();
for (const e of events) {
  if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
  if ((e as unknown as { ts: number }).ts < firstRunEnd) continue;
  const op = e.args?.op_name ?? "?";
  byOp.set(op, (byOp.get(op) ?? 0) + e.dur / steady.length);
  const n = byNode.get(e.name) ?? { op, us: 0 };
  n.us += e.dur / steady.length;
  byNode.set(e.name, n);
}
const kernelUs = [...byOp.values()].reduce((a, b) => a + b, 0);
console.log(
  `${model} × ${activation}, batch ${batch} of ${image.join("×")}: step ${
    (runUs / 1000).toFixed(1)
  } ms (${(batch / runUs * 1e6).toFixed(1)} img/s), kernels ${(kernelUs / 1000).toFixed(1)} ms, ` +
    `${byNode.size} nodes`,
);
const nodesOf = (op: string) => [...byNode.values()].filter((n) => n.op === op).length;
console.log("| ONNX op | nodes | ms / step | share |\n| --- | --- | --- | --- |");
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1])) {
  if (us / kernelUs < 0.002) continue;
  console.log(
    `| ${op} | ${nodesOf(op)} | ${(us / 1000).toFixed(2)} | ${
      (100 * us / kernelUs).toFixed(1)
    } % |`,
  );
}
console.log("\nslowest nodes:");
for (
  const [name, n] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(
    0,
    Number(Deno.env.get("TOP") ?? 15),
  )
) {
  console.log(`  ${(n.us / 1000).toFixed(2)} ms  ${n.op}  ${name.replace(/_kernel_time$/, "")}`);
}
await Deno.remove(dir, { recursive: true });
