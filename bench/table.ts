/**
 * `deno task bench:table`: runs the grid benches (`activation_grid_bench.ts`,
 * `model_grid_bench.ts`) with `deno bench --json`, measures peak memory of
 * ReLU and DPA cases in one fresh process per case (`mem_probe.ts`; every
 * activation with `--memory all`), checks the planner's peak against the
 * measured one for vit_tiny's ort-cpu training step, and writes
 * `bench/RESULTS.md` and `bench/RESULTS.svg` (atomically).
 *
 * Flags: `--quick` (small grid), `--paper` (ViT-Tiny/ResNet-18 at 224×224,
 * batch 1024), `--backend a,b` (restrict), `--memory relu-dpa|all|none`,
 * `--out path.md`, `--note text` (a line for the header). The matching
 * `ACTLAB_BENCH_*` variables work too (`bench/grid.ts`).
 * @module
 */
import { parseArgs } from "node:util";
import "../backends/mod.ts";
import "../activations/mod.ts";
import "../models/mod.ts";
import { listActivations } from "../activations/registry.ts";
import { listBackends, probeAll } from "../backends/registry.ts";
import { listModels } from "../models/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { writeTextAtomic } from "../train/files.ts";
import type { CaseFacts } from "./bench_register.ts";
import {
  caseName,
  gridActivations,
  gridBackends,
  gridModels,
  gridOptions,
  isSlow,
  type ModelCase,
} from "./grid.ts";
import type { MemProbeResult, ProbeVariant } from "./mem_probe.ts";
import { plannerCheck } from "./planner_check.ts";
import { type BenchRow, parseBenchJson, renderReport } from "./results_md.ts";
import { renderChart } from "./results_svg.ts";

const HERE = new URL(".", import.meta.url).pathname;

/** The 1-, 5- and 15-minute load averages (shows whether the CPU was shared during the run). */
function loadAverage(): string {
  try {
    return Deno.loadavg().map((v) => v.toFixed(2)).join(" ");
  } catch {
    return "?";
  }
}

async function runBench(env: Record<string, string>, factsPath: string): Promise<string> {
  const files = ["activation_grid_bench.ts", "model_grid_bench.ts"].map((f) => HERE + f);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["bench", "-A", "--json", ...files],
    env,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  // deno bench --json prints nothing until the end: report progress from the facts file.
  const timer = setInterval(() => {
    let n = 0;
    try {
      n = Deno.readTextFileSync(factsPath).split("\n").filter((l) => l).length;
    } catch { /* not created yet */ }
    console.error(`bench:table: ${n} cases compiled and running…`);
  }, 30_000);
  const out = await child.output();
  clearInterval(timer);
  // A failed case makes deno bench exit 1; its row says why, so only unparsable output is fatal.
  return new TextDecoder().decode(out.stdout);
}

/**
 * `text` as `deno fmt` would leave it (so `deno fmt --check` passes on the written files);
 * the text unchanged when the formatter cannot run.
 */
async function formatted(text: string, ext: "md" | "svg"): Promise<string> {
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--ext", ext, "-"],
      cwd: HERE + "..",
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
    const out = await child.output();
    return out.success ? new TextDecoder().decode(out.stdout) : text;
  } catch {
    return text;
  }
}

/** Run `mem_probe.ts` on `c` in a fresh process. */
export async function probeInSubprocess(
  c: unknown,
  runs = 1,
  variant: ProbeVariant = "default",
): Promise<MemProbeResult | string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", HERE + "mem_probe.ts", JSON.stringify(c), String(runs), variant],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    return new TextDecoder().decode(out.stderr).trim().split("\n")[0] || `exit ${out.code}`;
  }
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean" },
      paper: { type: "boolean" },
      backend: { type: "string" },
      memory: { type: "string", default: "relu-dpa" },
      out: { type: "string", default: HERE + "RESULTS.md" },
      note: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "deno task bench:table [--quick] [--paper] [--backend a,b] [--memory relu-dpa|all|none] " +
        "[--out bench/RESULTS.md] [--note text]",
    );
    return;
  }
  if (!["relu-dpa", "all", "none"].includes(values.memory!)) {
    throw new ActlabError(`--memory ${values.memory} is not known`, "use relu-dpa, all or none");
  }
  if (!values.out!.endsWith(".md")) {
    throw new ActlabError(`--out ${values.out} must be a .md file`, "e.g. --out bench/RESULTS.md");
  }
  const t0 = performance.now();
  const env: Record<string, string> = { ...Deno.env.toObject() };
  if (values.quick) env.ACTLAB_BENCH_QUICK = "1";
  if (values.paper) env.ACTLAB_BENCH_PAPER = "1";
  if (values.backend) env.ACTLAB_BENCH_BACKENDS = values.backend;
  // Validate the knobs (names included) before the long run.
  const o = gridOptions((n) => env[n]);
  gridBackends(listBackends(), o);
  gridModels(listModels(), o);
  gridActivations(listActivations(), o);
  const cores = navigator.hardwareConcurrency;
  const loadBefore = loadAverage();
  const backends = (await probeAll()).map(({ name, availability: a }) => ({
    name,
    available: a.available,
    reason: a.available ? a.reason : `${a.reason} (fix: ${a.fix})`,
  }));

  const tmp = await Deno.makeTempDir({ prefix: "actlab-bench-" });
  const factsPath = `${tmp}/facts.jsonl`;
  env.ACTLAB_BENCH_FACTS = factsPath;
  const parsed = parseBenchJson(await runBench(env, factsPath));
  if (parsed.rows.length === 0) {
    throw new ActlabError(
      "the grid benches produced no results (see their errors above); nothing was written",
      "fix the error deno bench printed, or check the ACTLAB_BENCH_* variables and flags",
    );
  }
  const facts = new Map<string, CaseFacts>();
  for (const line of (await Deno.readTextFile(factsPath).catch(() => "")).split("\n")) {
    if (line) facts.set((JSON.parse(line) as CaseFacts).name, JSON.parse(line));
  }
  const benchS = (performance.now() - t0) / 1000;
  const cpu = parsed.cpu; // deno bench reads the CPU model itself (/proc/cpuinfo on Linux)

  const memory = new Map<string, MemProbeResult | string>();
  if (values.memory !== "none") {
    const wanted = (r: BenchRow) =>
      r.ms !== null && facts.get(caseName(r.case))?.deviceBytes === null &&
      (values.memory === "all" || ["relu", "dpa"].includes(r.case.activation));
    const todo = parsed.rows.filter(wanted);
    console.error(`bench:table: measuring peak memory of ${todo.length} cases, one process each`);
    // ORT's arena grows on the second run: two runs, except on slow backends (one).
    const slow = new Set(
      backends.filter((b) => isSlow(b.name, { available: true, reason: b.reason, fix: "" }, o))
        .map((b) => b.name),
    );
    for (const r of todo) {
      memory.set(
        caseName(r.case),
        await probeInSubprocess(r.case, slow.has(r.case.backend) ? 0 : 1),
      );
    }
  }
  const memS = (performance.now() - t0) / 1000 - benchS;

  const extra: string[] = [];
  const ort = backends.find((b) => b.name === "ort-cpu");
  if (o.quick) {
    extra.push("", "## Planner check", "", "Skipped in quick mode (`--quick`).", "");
  } else if (!o.paper && ort?.available && (!o.backends || o.backends.includes("ort-cpu"))) {
    const c: ModelCase = {
      kind: "model",
      backend: "ort-cpu",
      model: "vit_tiny",
      activation: "relu",
      phase: "train",
      batch: 64,
      image: [3, 32, 32],
      classes: 100,
    };
    extra.push(...await plannerCheck(c, probeInSubprocess));
  }
  const wallS = (performance.now() - t0) / 1000;
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const header = [
    `Machine: ${cpu}, ${cores} logical cores; ${parsed.runtime}. Date: ${date}.`,
    `Run: \`deno task bench:table${values.quick ? " --quick" : ""}${
      values.paper ? " --paper" : ""
    }${values.backend ? ` --backend ${values.backend}` : ""}\`, wall time ${wallS.toFixed(0)} s ` +
    `(benches ${benchS.toFixed(0)} s, memory probes ${memS.toFixed(0)} s); load average ` +
    `${loadBefore} before, ${loadAverage()} after.`,
    "",
    "Latency is the fastest of the timed runs (`deno bench`, explicit timers, compilation " +
    "excluded; fast backends: 3–5 timed runs after an untimed warm-up; slow ones: 2 runs, " +
    "the first being the warm-up). img/s = batch ÷ latency. Slow backends (`reference`, software " +
    "WebGPU, TF.js CPU/WASM) run at small batches, and every activation only on mlp and " +
    "convnet (the other models: relu and dpa), so compare ratios within a backend, not absolute " +
    "figures across backends. **plan MiB** is the planner's peak (`core/plan.ts`: state, feeds, " +
    "constants plus the largest live set of intermediates); **measured MiB** is the peak growth " +
    "of the process's resident set over compile + runs, one fresh process per case (RSS, host " +
    "backends; ORT's arena included), or the buffers the backend allocated on its device " +
    "(device). Memory is measured for ReLU and DPA by default (`--memory all` for every row); " +
    "on `ort-cuda` the RSS is host memory only (onnxruntime-node does not report GPU memory).",
    ...(values.note ? ["", `Note: ${values.note}`] : []),
    "",
    "If the load average above exceeds the core count the CPU was shared while this ran: " +
    "absolute times are then inflated and noisier, ratios less so.",
  ];
  const report = renderReport({ rows: parsed.rows, facts, memory, backends, header, extra });
  const svgPath = values.out!.replace(/\.md$/, ".svg");
  const chart = renderChart(parsed.rows, `actlab train step ÷ ReLU — ${cpu}, ${date}`);
  await writeTextAtomic(svgPath, await formatted(chart, "svg"));
  const md = report + `\n![train step ÷ ReLU](${svgPath.split("/").pop()})\n`;
  await writeTextAtomic(values.out!, await formatted(md, "md"));
  await Deno.remove(tmp, { recursive: true });
  console.error(`bench:table: wrote ${values.out} and ${svgPath} in ${wallS.toFixed(0)} s`);
}

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    Deno.exit(1);
  }
}
