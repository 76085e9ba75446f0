/**
 * The bench table writer: a recorded `deno bench --json` sample (grid benches
 * of mlp on ort-cpu and relu/dpa alone, one failed grid bench, one bench from
 * another file, a console line before the JSON) parsed into rows and rendered.
 * Expected figures are computed from the sample's own numbers.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import type { CaseFacts } from "../bench/bench_register.ts";
import {
  caseName,
  gridActivations,
  gridBackends,
  gridModels,
  gridOptions,
  isSlow,
  modelActivations,
  modelBatch,
  modelInput,
  parseCaseName,
} from "../bench/grid.ts";
import type { MemProbeResult } from "../bench/mem_probe.ts";
import { dpaSummary, parseBenchJson, renderReport } from "../bench/results_md.ts";
import { renderChart } from "../bench/results_svg.ts";
import { traceCase } from "../bench/case_runner.ts";
import { plannerCheck, type Prober } from "../bench/planner_check.ts";
import { plan } from "../core/plan.ts";

const SAMPLE = await Deno.readTextFile(new URL("./fixtures/bench_sample.txt", import.meta.url));
const raw = JSON.parse(SAMPLE.slice(SAMPLE.indexOf("{"))) as {
  benches: { name: string; results: { ok?: { min: number } }[] }[];
};
const minMs = (name: string) => raw.benches.find((b) => b.name === name)!.results[0].ok!.min / 1e6;

Deno.test("parseBenchJson keeps grid benches, skips others and leading text, keeps failures", () => {
  const { rows, runtime } = parseBenchJson(SAMPLE);
  assert.match(runtime, /^Deno\//);
  assert.equal(rows.length, raw.benches.length - 1); // the reference_bench row is not a grid case
  const failed = rows.filter((r) => r.ms === null);
  assert.deepEqual(failed.map((r) => r.error), ["webgpu: device lost"]);
  for (const r of rows.filter((r) => r.ms !== null)) {
    assert.equal(r.ms, minMs(caseName(r.case)));
  }
  assert.equal(
    rows.filter((r) => r.case.kind === "model" && r.case.backend === "ort-cpu").length,
    4,
  );
  assert.equal(rows.filter((r) => r.case.kind === "act").length, 4);
});

Deno.test("case names round-trip", () => {
  for (const r of parseBenchJson(SAMPLE).rows) {
    assert.deepEqual(parseCaseName(caseName(r.case)), r.case);
  }
  assert.equal(parseCaseName("ort-cpu matmul 1024³"), null);
});

Deno.test("the report states DPA's overhead vs ReLU, memory and unavailable backends", () => {
  const { rows } = parseBenchJson(SAMPLE);
  const name = (act: string, phase: string) =>
    `model=mlp act=${act} phase=${phase} batch=8 image=[3,32,32] classes=100 backend=ort-cpu`;
  const probe = (rss: number): MemProbeResult => ({
    planBytes: 1,
    rssPeakBytes: rss,
    rssCompiledBytes: 0,
    rssAfterBytes: rss,
    hwmReset: true,
    deviceBytes: null,
    runs: 1,
  });
  const memory = new Map<string, MemProbeResult | string>([
    [name("relu", "train"), probe(100 * 2 ** 20)],
    [name("dpa", "train"), probe(150 * 2 ** 20)],
    [name("relu", "eval"), "out of memory"],
  ]);
  const facts = new Map<string, CaseFacts>([
    [name("relu", "train"), {
      name: name("relu", "train"),
      planBytes: 50 * 2 ** 20,
      deviceBytes: null,
      device: "cpu",
    }],
  ]);
  const backends = [
    { name: "ort-cpu", available: true, reason: "onnxruntime-node (CPU)" },
    { name: "ort-cuda", available: false, reason: "no CUDA here" },
  ];
  const md = renderReport({ rows, facts, memory, backends, header: ["Machine: test"] });
  const pct = (act: string, phase: string) => minMs(name(act, phase));
  const train = ((pct("dpa", "train") / pct("relu", "train") - 1) * 100).toFixed(1);
  const infer = ((pct("dpa", "eval") / pct("relu", "eval") - 1) * 100).toFixed(1);
  const summary = dpaSummary({ rows, facts, memory }).join("\n");
  assert.match(
    summary,
    new RegExp(`\\| ort-cpu \\| mlp \\| 8 \\| \\+?${train} % \\| \\+?${infer} % \\| 1\\.50× \\|`),
  );
  // The failed webgpu train bench says why, in the summary and in its table.
  assert.match(summary, /\| webgpu \| mlp \| 2 \| webgpu: device lost \|/);
  assert.match(md, /failed: webgpu: device lost/);
  assert.match(md, /`ort-cuda`: no rows — unavailable: no CUDA here/);
  assert.match(
    md,
    /\| ort-cpu \| relu \| [\d.]+ \| [\d.]+ \| 1\.00× \|.*\| 50\.0 \| 100 \(RSS\) \|/,
  );
  assert.match(md, /probe failed: out of memory/);
  assert.match(md, /#### `mlp` — `ort-cpu`, batch 8 of 3×32×32, 100 classes — on cpu\n/);
  assert.match(md, /#### Activation alone — `ort-cpu`, nchw \[64,128,16,16\]/);
  const svg = renderChart(rows, "t");
  assert.match(svg, /^<svg/);
  assert.match(svg, /class="reference"/, "the dashed line at 1 = as fast as relu");
  assert.match(svg, new RegExp(`${(pct("dpa", "train") / pct("relu", "train")).toFixed(2)}×`));
});

Deno.test("bad bench output and bad knobs are clear errors", () => {
  assert.throws(() => parseBenchJson("no json here"), ActlabError);
  assert.throws(() => parseBenchJson("{\n}"), /no `benches` list/);
  assert.throws(
    () => gridOptions((n) => (n === "ACTLAB_BENCH_BATCH" ? "0" : undefined)),
    /positive integer/,
  );
  assert.throws(
    () => gridOptions((n) => (n === "ACTLAB_BENCH_QUICK" ? "yes" : undefined)),
    /not a flag/,
  );
});

Deno.test("grid knobs: paper configuration, slow backends, quick mode", () => {
  const env = (vars: Record<string, string>) => gridOptions((n) => vars[n]);
  const models = ["convnet", "mlp", "resnet18", "vit_micro", "vit_tiny"];
  const acts = ["dpa", "gelu", "relu", "silu"];
  const paper = env({ ACTLAB_BENCH_PAPER: "1", ACTLAB_BENCH_BACKENDS: "webgpu" });
  assert.deepEqual(gridModels(models, paper), ["resnet18", "vit_tiny"]);
  assert.deepEqual(modelInput(paper), { image: [3, 224, 224], classes: 1000 });
  assert.equal(modelBatch(false, paper), 1024);
  assert.deepEqual(gridBackends(["ort-cpu", "webgpu"], paper), ["webgpu"]);
  assert.throws(() => gridBackends(["ort-cpu"], paper), /unknown backend "webgpu"/);
  const plain = env({});
  assert.deepEqual(gridActivations(acts, plain), ["relu", "dpa", "gelu", "silu"]);
  const gpu = { available: true, reason: "provider deno: llvmpipe (LLVM 15)", fix: "" };
  assert.ok(isSlow("webgpu", gpu, plain));
  assert.ok(!isSlow("webgpu", { ...gpu, reason: "NVIDIA A40" }, plain));
  assert.deepEqual(modelActivations(acts, "resnet18", true, plain), ["dpa", "relu"]);
  assert.deepEqual(modelActivations(acts, "mlp", true, plain), acts);
  assert.deepEqual(modelActivations(acts, "vit_micro", true, plain), ["dpa", "relu"]);
  assert.deepEqual(modelActivations(acts, "vit_micro", false, plain), acts);
  assert.deepEqual(
    modelActivations(acts, "resnet18", true, env({ ACTLAB_BENCH_SLOW_FULL: "1" })),
    acts,
  );
  assert.ok(modelBatch(true, plain) < modelBatch(false, plain));
  const quick = env({ ACTLAB_BENCH_QUICK: "1" });
  assert.deepEqual(gridModels(models, quick), ["convnet", "mlp", "vit_micro"]);
  assert.deepEqual(gridActivations(acts, quick), ["relu", "dpa", "gelu"]);
});

Deno.test("the planner check explains a gap with the probes' figures, or says it is within 10 %", async () => {
  const c = {
    kind: "model",
    backend: "ort-cpu",
    model: "mlp",
    activation: "relu",
    phase: "train",
    batch: 4,
    image: [3, 8, 8],
    classes: 10,
  } as const;
  const planBytes = plan(traceCase(c).graph).peakBytes;
  const MiB = 2 ** 20;
  const fake = (peak: number): Prober => (_c, runs, variant) =>
    Promise.resolve({
      planBytes,
      rssPeakBytes: variant === "noarena" ? 2 * planBytes : peak,
      rssCompiledBytes: 10 * MiB,
      rssAfterBytes: peak,
      hwmReset: true,
      deviceBytes: null,
      runs,
      ortArena: variant === "ortprofile"
        ? { inUsePeakBytes: 1.5 * planBytes, heldBytes: 4 * planBytes, events: 10 }
        : undefined,
    });
  const gap = (await plannerCheck(c, fake(3 * planBytes))).join("\n");
  assert.match(gap, /Measured ÷ planned: \*\*3\.00\*\* — outside 10 %/);
  assert.match(gap, /for a live peak of [\d.]+ MiB, 2\.67×/);
  assert.match(gap, /Without the arena .* 2\.00× the plan/);
  const close = (await plannerCheck(c, fake(1.05 * planBytes))).join("\n");
  assert.match(close, /\*\*1\.05\*\* — within 10 %\./);
  assert.doesNotMatch(close, /Without the arena/);
  const failed = (await plannerCheck(c, () => Promise.resolve("boom"))).join("\n");
  assert.match(failed, /probe failed: boom/);
});

Deno.test("an activation's fwd+bwd graph keeps its forward (no dead-code shortcut)", () => {
  const c = {
    kind: "act",
    backend: "reference",
    activation: "softplus",
    layout: "nchw",
    shape: [2, 4, 3, 3],
    mode: "fwdbwd",
  } as const;
  const t = traceCase(c);
  const live = new Set(plan(t.graph).order.map((id) => t.graph.nodes[id].op));
  assert.ok(live.has("softplus"), `live ops: ${[...live].join(", ")}`);
  assert.ok(plan(t.graph).peakBytes > plan(traceCase({ ...c, mode: "fwd" }).graph).peakBytes);
});
