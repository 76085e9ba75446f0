/**
 * The planner check in `bench/RESULTS.md`: the planner's peak bytes of one
 * training step against the measured peak of the same step in a fresh
 * process, with the figures that account for a gap — the plan's parts
 * (state + feeds + constants, live intermediates, every intermediate with no
 * reuse at all), the process's growth after compiling (before any run), the
 * ORT executable's second copy of the state (`backends/ort/executable.ts`
 * double-buffers state), ORT's own arena figures (live peak, bytes held)
 * from its profiler, and the peak with ORT's arena switched off.
 * @module
 */
import { bytesPerElement, sizeOf } from "../core/host_tensor.ts";
import { plan } from "../core/plan.ts";
import { traceCase } from "./case_runner.ts";
import { caseName, type ModelCase } from "./grid.ts";
import type { MemProbeResult, ProbeVariant } from "./mem_probe.ts";

/** Runs one memory probe in a fresh process. */
export type Prober = (
  c: ModelCase,
  runs: number,
  variant: ProbeVariant,
) => Promise<MemProbeResult | string>;

const mib = (b: number | null | undefined) =>
  b === null || b === undefined ? "—" : (b / 2 ** 20).toFixed(1);
const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

/** Markdown lines of the check for case `c` (an ort-cpu model case). */
export async function plannerCheck(c: ModelCase, probe: Prober): Promise<string[]> {
  const t = traceCase(c);
  const p = plan(t.graph);
  // With reuse off every intermediate owns its buffer: their total is what a planner saves from.
  const noReuse = plan(t.graph, { noReuse: true }).bufferBytes.reduce((a, b) => a + b, 0);
  let stateBytes = 0;
  for (const slot of t.graph.states.values()) {
    const n = t.graph.nodes[slot.id];
    stateBytes += sizeOf(n.shape) * bytesPerElement(n.dtype);
  }
  const runs = 2;
  const m = await probe(c, runs, "default");
  const profiled = await probe(c, runs, "ortprofile");
  const noArena = await probe(c, runs, "noarena");
  const ok = (r: MemProbeResult | string) => (typeof r === "string" ? null : r);
  const fail = (r: MemProbeResult | string) => (typeof r === "string" ? `probe failed: ${r}` : "");
  const arena = ok(profiled)?.ortArena ?? null;
  const lines = [
    "",
    "## Planner check: planned vs measured peak",
    "",
    `Case: \`${caseName(c)}\` (training step: forward, losses, backward, AdamW), each measured ` +
    `figure from a fresh process (\`bench/mem_probe.ts\`: compile, then ${1 + runs} runs), RSS ` +
    "growth counted from just before compiling.",
    "",
    "| figure | MiB |",
    "| --- | --- |",
    `| planner peak (\`core/plan.ts\` peakBytes) | ${mib(p.peakBytes)} |`,
    `| … of which state, feeds, constants | ${mib(p.sourceBytes)} (state ${mib(stateBytes)}) |`,
    `| … of which peak live intermediates | ${mib(p.peakPooledBytes)} |`,
    `| every intermediate, no buffer reuse | ${mib(noReuse)} |`,
    `| measured peak RSS growth, ort-cpu as benchmarked | ${mib(ok(m)?.rssPeakBytes)} ${fail(m)} |`,
    `| … of which before any run (ONNX model, ORT session, the executable's two state copies) | ${
      mib(ok(m)?.rssCompiledBytes)
    } |`,
    `| ORT arena, peak bytes in use (ORT's own count, per-node profiler) | ${
      mib(arena?.inUsePeakBytes)
    } ${fail(profiled)} |`,
    `| ORT arena, bytes held (reserved) | ${mib(arena?.heldBytes)} |`,
    `| measured peak RSS growth, ORT arena and memory patterns off | ${
      mib(ok(noArena)?.rssPeakBytes)
    } ${fail(noArena)} |`,
  ];
  const measured = ok(m)?.rssPeakBytes;
  if (measured) {
    const r = measured / p.peakBytes;
    const within = Math.abs(r - 1) <= 0.1;
    lines.push(
      "",
      `Measured ÷ planned: **${r.toFixed(2)}** — ${within ? "within 10 %." : "outside 10 %. Why:"}`,
    );
    if (!within) {
      const before = ok(m)?.rssCompiledBytes ?? 0;
      lines.push(
        "",
        `- ${mib(before)} MiB are there before any run: the ONNX model bytes, ORT's session ` +
          `(graph, kernels, pre-packed weights) and the executable's second host copy of the ` +
          `state (${mib(stateBytes)} MiB; ORT writes the update into it, the plan counts one).`,
      );
      if (arena) {
        lines.push(
          `- The runs add ${mib(measured - before)} MiB, which is ORT's arena: it holds ` +
            `${mib(arena.heldBytes)} MiB (not every reserved page is touched) for a live peak of ` +
            `${mib(arena.inUsePeakBytes)} MiB, ${x(arena.heldBytes, arena.inUsePeakBytes)}: the ` +
            "arena grows in power-of-two extensions and keeps them across runs.",
          `- ORT's live peak itself is ${x(arena.inUsePeakBytes, p.peakPooledBytes)} the plan's ` +
            `live intermediates (${mib(arena.inUsePeakBytes)} vs ${mib(p.peakPooledBytes)} MiB): ` +
            "ORT runs its own optimised version of the lowered graph with its own order and " +
            "buffer plan. Plan-like accounting of what ORT needs — before-run growth plus its " +
            `live peak — gives ${mib(before + arena.inUsePeakBytes)} MiB, ` +
            `${x(before + arena.inUsePeakBytes, p.peakBytes)} the plan.`,
        );
      }
      const na = ok(noArena)?.rssPeakBytes;
      if (na) {
        lines.push(
          `- Without the arena (plain malloc/free per tensor) the peak is ${mib(na)} MiB, ` +
            `${x(na, p.peakBytes)} the plan: the C allocator's retained and fragmented heap ` +
            "takes the arena's place.",
        );
      }
    }
  }
  lines.push("");
  return lines;
}
