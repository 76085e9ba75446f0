/**
 * Turns the grid benches' `deno bench --json` output (plus the facts file and
 * the memory probes) into `bench/RESULTS.md`: latency, img/s and peak MiB per
 * backend, activation and model, DPA ÷ ReLU for every model, and rows saying
 * why a backend could not run. Pure functions: `table.ts` does the I/O.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { CaseFacts } from "./bench_register.ts";
import { type BenchCase, caseName, parseCaseName } from "./grid.ts";
import type { MemProbeResult } from "./mem_probe.ts";

/**
 * One grid bench from `deno bench --json`: the case and its fastest timed run in ms (the
 * minimum: on a shared CPU the least disturbed run; on slow backends it also leaves out the
 * first run, their warm-up), or why it failed.
 */
export interface BenchRow {
  readonly case: BenchCase;
  readonly ms: number | null;
  readonly error: string | null;
}

interface JsonBench {
  name: string;
  results: { ok?: { min: number }; failed?: { message?: string } }[];
}

/**
 * Parse `deno bench --json` stdout. Text before the JSON (a module's console
 * output) is skipped; benches whose names are not grid cases are ignored.
 */
export function parseBenchJson(text: string): { rows: BenchRow[]; runtime: string; cpu: string } {
  const start = text.search(/^\{\s*$/m);
  let doc: { runtime?: string; cpu?: string; benches?: JsonBench[] };
  try {
    if (start < 0) throw new Error("no JSON object found");
    doc = JSON.parse(text.slice(start));
  } catch (e) {
    throw new ActlabError(
      `the deno bench output is not JSON (${e instanceof Error ? e.message : e})`,
      "run `deno bench --json` and pass its standard output",
    );
  }
  if (!Array.isArray(doc.benches)) {
    throw new ActlabError(
      "the deno bench JSON has no `benches` list",
      "pass `deno bench --json` output",
    );
  }
  const rows: BenchRow[] = [];
  for (const b of doc.benches) {
    const c = parseCaseName(b.name);
    if (!c) continue;
    const r = b.results?.[0];
    const ms = r?.ok ? r.ok.min / 1e6 : null;
    const error = r?.ok ? null : (r?.failed?.message ?? "no result").split("\n")[0];
    rows.push({ case: c, ms, error });
  }
  return { rows, runtime: doc.runtime ?? "?", cpu: doc.cpu ?? "?" };
}

/** Everything the report needs. */
export interface ReportInput {
  readonly rows: readonly BenchRow[];
  /** Facts lines by case name. */
  readonly facts: ReadonlyMap<string, CaseFacts>;
  /** Memory probes by case name. */
  readonly memory: ReadonlyMap<string, MemProbeResult | string>;
  /** Every registered backend with its probe result (unavailable ones included). */
  readonly backends: readonly { name: string; available: boolean; reason: string }[];
  /** Header lines (machine, date, wall time, notes), already Markdown. */
  readonly header: readonly string[];
  /** Extra sections appended verbatim (e.g. the planner check). */
  readonly extra?: readonly string[];
}

const MiB = 2 ** 20;
const f1 = (v: number) => v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2);
const mib = (b: number | null | undefined) => (b === null || b === undefined ? "—" : f1(b / MiB));
const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a && b ? `${(a / b).toFixed(2)}×` : "—";
const shape = (s: readonly number[]) => `[${s.join(",")}]`;

/** Measured peak of a case: RSS growth (host backends) or device bytes, with which it is. */
export function measuredBytes(
  input: Pick<ReportInput, "facts" | "memory">,
  c: BenchCase,
): { bytes: number | null; kind: string } {
  const name = caseName(c);
  const m = input.memory.get(name);
  if (m && typeof m !== "string" && m.deviceBytes !== null) {
    return { bytes: m.deviceBytes, kind: "device" };
  }
  const d = input.facts.get(name)?.deviceBytes;
  if (d !== undefined && d !== null) return { bytes: d, kind: "device" };
  if (m && typeof m !== "string" && m.rssPeakBytes !== null) {
    return { bytes: m.rssPeakBytes, kind: "RSS" };
  }
  return { bytes: null, kind: "" };
}

function cell(row: BenchRow | undefined): string {
  if (!row) return "—";
  if (row.ms === null) return `failed: ${row.error}`;
  return f1(row.ms);
}

function memCell(input: ReportInput, c: BenchCase): string {
  const m = measuredBytes(input, c);
  if (m.bytes !== null) return `${mib(m.bytes)} (${m.kind})`;
  const probe = input.memory.get(caseName(c));
  return typeof probe === "string" ? `probe failed: ${probe}` : "—";
}

function uniq<T>(v: readonly T[]): T[] {
  return [...new Set(v)];
}

function find(rows: readonly BenchRow[], pred: (c: BenchCase) => boolean): BenchRow | undefined {
  return rows.find((r) => pred(r.case));
}

/** Rows grouped by `key` (null: left out); groups and rows keep their first-seen order. */
function groupBy(rows: readonly BenchRow[], key: (c: BenchCase) => string | null): BenchRow[][] {
  const groups = new Map<string, BenchRow[]>();
  for (const r of rows) {
    const k = key(r.case);
    if (k === null) continue;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.values()];
}

/** Model-step rows, one group per backend and model. */
function modelGroups(rows: readonly BenchRow[]): BenchRow[][] {
  return groupBy(rows, (c) => c.kind === "model" ? `${c.backend}|${c.model}` : null);
}

/** A model group's row for an activation and phase. */
function modelGetter(mine: readonly BenchRow[]) {
  return (act: string, phase: string) =>
    find(mine, (c) => c.kind === "model" && c.activation === act && c.phase === phase);
}

/** " — on <device>" from the facts of any case in `rows` (the probe's one-line device description). */
function device(input: ReportInput, rows: readonly BenchRow[]): string {
  for (const r of rows) {
    const d = input.facts.get(caseName(r.case))?.device;
    if (d) return ` — on ${d}`;
  }
  return "";
}

function activationTables(input: ReportInput): string[] {
  const out: string[] = [];
  const groups = groupBy(input.rows, (c) => c.kind === "act" ? `${c.backend}|${c.layout}` : null);
  for (const mine of groups) {
    const first = mine[0].case;
    if (first.kind !== "act") continue;
    const { backend, layout } = first;
    const batch = first.shape[0];
    out.push(
      `#### Activation alone — \`${backend}\`, ${layout} ${shape(first.shape)}${
        device(input, mine)
      }`,
      "",
      "| backend | activation | fwd ms | fwd+bwd ms | fwd ÷ relu | fwd+bwd ÷ relu | " +
        "fwd+bwd samples/s | plan MiB (fwd+bwd) | measured MiB (fwd+bwd) |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    const get = (act: string, mode: string) =>
      find(mine, (c) => c.kind === "act" && c.activation === act && c.mode === mode);
    for (const act of uniq(mine.map((r) => r.case.activation))) {
      const fwd = get(act, "fwd");
      const bwd = get(act, "fwdbwd");
      const c = bwd?.case ?? fwd!.case;
      out.push(
        `| ${backend} | ${act} | ${cell(fwd)} | ${cell(bwd)} | ${
          ratio(fwd?.ms, get("relu", "fwd")?.ms)
        } | ${ratio(bwd?.ms, get("relu", "fwdbwd")?.ms)} | ${
          bwd?.ms ? f1(batch / bwd.ms * 1000) : "—"
        } | ${mib(input.facts.get(caseName(c))?.planBytes)} | ${memCell(input, c)} |`,
      );
    }
    out.push("");
  }
  return out;
}

function modelTables(input: ReportInput): string[] {
  const out: string[] = [];
  for (const mine of modelGroups(input.rows)) {
    const get = modelGetter(mine);
    const c0 = mine[0].case;
    if (c0.kind !== "model") continue;
    const { backend, model } = c0;
    out.push(
      `#### \`${model}\` — \`${backend}\`, batch ${c0.batch} of ${c0.image.join("×")}, ` +
        `${c0.classes} classes${device(input, mine)}`,
      "",
      "| backend | activation | train ms | train img/s | train ÷ relu | eval ms | eval img/s | " +
        "eval ÷ relu | plan MiB train | measured MiB train | plan MiB eval | measured MiB eval |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const act of uniq(mine.map((r) => r.case.activation))) {
      const tr = get(act, "train");
      const ev = get(act, "eval");
      const ips = (r: BenchRow | undefined) => (r?.ms ? f1(c0.batch / r.ms * 1000) : "—");
      const mem = (r: BenchRow | undefined) =>
        r
          ? [mib(input.facts.get(caseName(r.case))?.planBytes), memCell(input, r.case)]
          : ["—", "—"];
      out.push(
        `| ${backend} | ${act} | ${cell(tr)} | ${ips(tr)} | ${
          ratio(tr?.ms, get("relu", "train")?.ms)
        } | ${cell(ev)} | ${ips(ev)} | ${ratio(ev?.ms, get("relu", "eval")?.ms)} | ${
          mem(tr).join(" | ")
        } | ${mem(ev).join(" | ")} |`,
      );
    }
    out.push("");
  }
  return out;
}

/** DPA ÷ ReLU per backend and model: step time (train, inference) and measured memory. */
export function dpaSummary(input: Pick<ReportInput, "rows" | "facts" | "memory">): string[] {
  const out = [
    "| backend | model | batch | DPA train-step overhead vs ReLU | DPA inference overhead vs ReLU | " +
    "DPA ÷ ReLU measured train memory |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  const pct = (a: BenchRow | undefined, b: BenchRow | undefined) => {
    if (a?.ms && b?.ms) {
      return `${a.ms >= b.ms ? "+" : ""}${((a.ms / b.ms - 1) * 100).toFixed(1)} %`;
    }
    return a?.error ?? b?.error ?? "not measured";
  };
  for (const mine of modelGroups(input.rows)) {
    const get = modelGetter(mine);
    const c0 = mine[0].case;
    if (c0.kind !== "model") continue;
    const { backend, model } = c0;
    const mem = (a: string) => {
      const r = get(a, "train");
      return r ? measuredBytes(input, r.case).bytes : null;
    };
    out.push(
      `| ${backend} | ${model} | ${c0.batch} | ${
        pct(get("dpa", "train"), get("relu", "train"))
      } | ${pct(get("dpa", "eval"), get("relu", "eval"))} | ${ratio(mem("dpa"), mem("relu"))} |`,
    );
  }
  return out;
}

/** The whole Markdown report. */
export function renderReport(input: ReportInput): string {
  const lines = ["# actlab benchmark results", "", ...input.header, ""];
  lines.push(
    "## Backends",
    "",
    "| backend | available | device, or why not |",
    "| --- | --- | --- |",
  );
  for (const b of input.backends) {
    lines.push(`| ${b.name} | ${b.available ? "yes" : "no"} | ${b.reason.replaceAll("|", "/")} |`);
  }
  const unavailable = input.backends.filter((b) => !b.available);
  lines.push(
    "",
    ...unavailable.map((b) => `- \`${b.name}\`: no rows — unavailable: ${b.reason}`),
    "",
    "## DPA vs ReLU",
    "",
    ...dpaSummary(input),
    "",
    "## Models: training step and inference step",
    "",
    ...modelTables(input),
    "## Activations alone",
    "",
    ...activationTables(input),
    ...(input.extra ?? []),
  );
  return lines.join("\n") + "\n";
}
