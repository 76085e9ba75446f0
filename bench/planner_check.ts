/**
 * The planner check in `bench/RESULTS.md`: the planner's peak bytes of one
 * training step against the measured peak of the same step in a fresh
 * process, with the figures that account for a gap — the plan's parts
 * (state + feeds + constants, live intermediates, every intermediate with no
 * reuse at all), the process's growth after compiling (before any run), the
 * ORT executable's second copy of the state (`backends/ort/executable.ts`
 * double-buffers state), and the peak with ORT's arena switched off.
 * @module
 */
import { bytesPerElement, sizeOf } from "../core/host_tensor.ts";
import { plan } from "../core/plan.ts";
import { traceCase } from "./case_runner.ts";
import { caseName, type ModelCase } from "./grid.ts";
import type { MemProbeResult } from "./mem_probe.ts";

/** Runs one memory probe in a fresh process. */
export type Prober = (
  c: ModelCase,
  runs: number,
  noArena: boolean,
) => Promise<MemProbeResult | string>;

const mib = (b: number | null) => (b === null ? "—" : (b / 2 ** 20).toFixed(1));

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
  const arena = await probe(c, 2, false);
  const noArena = await probe(c, 2, true);
  const lines = [
    "",
    "## Planner check: planned vs measured peak",
    "",
    `Case: \`${caseName(c)}\` (training step: forward, losses, backward, AdamW), each figure ` +
    "from a fresh process (`bench/mem_probe.ts`), RSS growth from just before compiling.",
    "",
    "| figure | MiB |",
    "| --- | --- |",
    `| planner peak (\`core/plan.ts\` peakBytes) | ${mib(p.peakBytes)} |`,
    `| … of which state, feeds, constants | ${mib(p.sourceBytes)} (state ${mib(stateBytes)}) |`,
    `| … of which peak live intermediates | ${mib(p.peakPooledBytes)} |`,
    `| every intermediate with no buffer reuse (upper bound of a planner) | ${mib(noReuse)} |`,
  ];
  const row = (label: string, m: MemProbeResult | string) =>
    typeof m === "string" ? [`| ${label} | probe failed: ${m} |`] : [
      `| ${label}: peak RSS growth | ${mib(m.rssPeakBytes)} |`,
      `| ${label}: RSS growth after compile + state, before any run | ${mib(m.rssCompiledBytes)} |`,
    ];
  lines.push(
    ...row("measured, ort-cpu as benchmarked (arena on)", arena),
    ...row("measured, ort-cpu with arena and memory patterns off", noArena),
  );
  if (typeof arena !== "string" && arena.rssPeakBytes !== null) {
    const r = arena.rssPeakBytes / p.peakBytes;
    const within = Math.abs(r - 1) <= 0.1;
    lines.push(
      "",
      `Measured ÷ planned: **${r.toFixed(2)}** — ${
        within ? "within 10 %." : "outside 10 %; where the difference goes:"
      }`,
    );
    if (!within) {
      const compiled = arena.rssCompiledBytes ?? 0;
      lines.push(
        "",
        `- Before any run the process already grew by ${mib(compiled)} MiB: the ONNX model ` +
          `bytes, ORT's session (graph, optimised kernels, pre-packed weights) and the ` +
          `executable's two host copies of the state (${mib(stateBytes)} MiB each; the plan ` +
          "counts one, as the update is written into the second).",
        `- The runs add ${mib(arena.rssPeakBytes - compiled)} MiB on top: ORT's arena, whose ` +
          "chunks grow by powers of two and are kept across runs, its own buffer planning " +
          "of the lowered ONNX graph (which has more nodes than the actlab graph and differs " +
          `in reuse), kernel workspaces, and the outputs copied to the host. With no reuse at ` +
          `all the intermediates would total ${mib(noReuse)} MiB.`,
      );
      if (typeof noArena !== "string" && noArena.rssPeakBytes !== null) {
        const runGrowth = noArena.rssPeakBytes - (noArena.rssCompiledBytes ?? 0);
        lines.push(
          `- Without the arena the peak is ${mib(noArena.rssPeakBytes)} MiB ` +
            `(${(noArena.rssPeakBytes / p.peakBytes).toFixed(2)}× the plan): the difference to ` +
            `the arena's ${mib(arena.rssPeakBytes)} MiB is what the arena reserves beyond what ` +
            `is live. The runs themselves then grow the process by ${mib(runGrowth)} MiB, ` +
            `${(runGrowth / p.peakPooledBytes).toFixed(2)}× the planned live intermediates: ORT ` +
            "executes its own plan of the lowered graph (its order, copies the lowering " +
            "materialises, kernel scratch, allocator fragmentation); which values make up that " +
            "part would need ORT's per-node memory trace, not taken here.",
        );
      }
    }
  }
  lines.push("");
  return lines;
}
