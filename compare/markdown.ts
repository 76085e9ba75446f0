/**
 * `compare.md`: the report as Markdown — per group the arms, the contrasts
 * with their Holm-adjusted verdicts and power figures, and the per-site
 * sparsity and specificity; then the notes a reader needs to read them,
 * the unfinished cells, the heatmap links and the (machine-dependent) cost.
 * @module
 */
import type { Contrast } from "./contrast.ts";
import { MAX_SEEDS } from "./power.ts";
import type { CompareReport, GroupReport } from "./report.ts";
import type { Summary } from "./stats.ts";

function pct(s: Summary, digits = 2): string {
  if (s.n === 0) return "—";
  return `${(100 * s.mean).toFixed(digits)} ± ${(100 * s.std).toFixed(digits)}`;
}

function pp(v: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? "+" : ""}${(100 * v).toFixed(2)}` : "—";
}

function pValue(p: number): string {
  return Number.isNaN(p) ? "—" : p < 0.001 ? "< 0.001" : p.toFixed(3);
}

function seedCount(c: Contrast): string {
  if (Number.isNaN(c.seedsNeeded)) return "—";
  if (c.seedsNeeded === Infinity) return c.detect === 0 ? "∞" : `> ${MAX_SEEDS}`;
  return String(c.seedsNeeded);
}

function seedsFor(r: CompareReport): string {
  return r.detect === null ? "seeds for Δ" : `seeds for ${pp(r.detect)} pp`;
}

function armTable(g: GroupReport): string[] {
  const out = [
    "| arm | n | test top-1 (%) | test top-5 (%) | test loss | sparsity (%) |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const a of g.arms) {
    const loss = a.testLoss.n
      ? `${a.testLoss.mean.toFixed(4)} ± ${a.testLoss.std.toFixed(4)}`
      : "—";
    out.push(
      `| ${a.arm} | ${a.top1.n} | ${pct(a.top1)} | ${pct(a.top5)} | ${loss} | ${
        pct(a.sparsity, 1)
      } |`,
    );
  }
  return [...out, ""];
}

function contrastTable(r: CompareReport, cs: readonly Contrast[]): string[] {
  if (!cs.length) return [];
  const ci = `${100 * r.level} % CI (pp)`;
  return [
    "Paired difference A − B in test top-1 (percentage points) over the seeds both have, its",
    `${100 * r.level} % paired-t confidence interval, the two-sided paired-t p, Holm's adjusted p`,
    `over all ${r.contrasts.length} contrasts of this report and the verdict from it at α = ${r.alpha}.`,
    "",
    `| A − B | pairs | Δ top-1 (pp) | ${ci} | p | Holm p | verdict | MDD (pp) | ${seedsFor(r)} |`,
    "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ...cs.map((c) =>
      `| ${c.a} − ${c.b} | ${c.n} | ${pp(c.mean)} | [${pp(c.ciLow)}, ${pp(c.ciHigh)}] | ${
        pValue(c.p)
      } | ${pValue(c.pHolm)} | ${c.verdict} | ${
        Number.isFinite(c.mdd) ? (100 * c.mdd).toFixed(2) : "—"
      } | ${seedCount(c)} |`
    ),
    "",
  ];
}

function siteTable(g: GroupReport): string[] {
  const sites = [...new Set(g.arms.flatMap((a) => a.sites.map((s) => s.name)))];
  if (!sites.length) return [];
  return [
    "Per activation site, mean over seeds: test sparsity (% of pooled responses exactly 0) /",
    "category specificity (a channel's largest class share of its class-mean response, 1/K … 1),",
    "from each run's `analysis_test.json`.",
    "",
    `| arm | ${sites.join(" | ")} |`,
    `|---|${sites.map(() => "---:|").join("")}`,
    ...g.arms.map((a) => {
      const cells = sites.map((name) => {
        const s = a.sites.find((s) => s.name === name);
        return s?.sparsity.n
          ? `${(100 * s.sparsity.mean).toFixed(1)} / ${s.specificity.mean.toFixed(3)}`
          : "—";
      });
      return `| ${a.arm} | ${cells.join(" | ")} |`;
    }),
    "",
  ];
}

function contrastNotes(r: CompareReport): string[] {
  if (!r.contrasts.length) return [];
  const power = `${100 * r.power} %`;
  const target = r.detect === null ? "the observed difference" : "that difference";
  return [
    `Holm's step-down adjustment keeps the chance of any false "better" or "worse" among the`,
    `${r.contrasts.length} contrasts at ${
      100 * r.alpha
    } %; the confidence intervals are unadjusted.`,
    `MDD: the smallest true difference a paired t test on these pairs detects with ${power} power`,
    `at two-sided α = ${r.alpha}, given the observed sd of the differences, solved exactly with the`,
    `noncentral t distribution (not the normal approximation). ${seedsFor(r).replace(/^s/, "S")}:`,
    `the fewest seeds with ${power} power for ${target} at the same sd. "No detectable`,
    `difference" with an MDD above the effect that matters means too few seeds, not no effect.`,
    "",
  ];
}

/** The Markdown rendering. */
export function reportMarkdown(r: CompareReport): string {
  const out = [`# ${r.title}`, ""];
  for (const g of r.groups) {
    out.push(
      `## ${g.group}`,
      "",
      ...armTable(g),
      ...contrastTable(r, r.contrasts.filter((c) => c.group === g.group)),
      ...siteTable(g),
    );
  }
  out.push(
    "mean ± sample standard deviation over seeds (n = finished runs). Within a seed every arm",
    "starts from the same initial values of the parameters it shares with the others and sees the",
    "same data order, augmentation and dropout/drop-path masks, so differences are paired by seed.",
    "",
    ...contrastNotes(r),
  );
  if (r.missing.length) {
    out.push(
      `Not finished (${r.missing.length}): ${
        r.missing.map((m) => `${m.id} (${m.status})`).join(", ")
      }`,
      "",
    );
  }
  if (r.heatmaps.length) {
    out.push(
      "## Channel heatmaps",
      "",
      "Per-class mean pooled response of every channel at every activation site, test split",
      "(`deno task analyze`; the DPA paper's Figure 3 view):",
      "",
      ...r.heatmaps.map((h) => `- [${h.id}](${h.path})`),
      "",
    );
  }
  out.push(
    "## Cost",
    "",
    "Machine- and load-dependent; not part of the comparison.",
    "",
    "| group | arm | train img/s | wall per run (s) |",
    "|---|---|---:|---:|",
  );
  for (const c of r.cost) {
    const f = (s: Summary) => (s.n ? `${s.mean.toFixed(1)} ± ${s.std.toFixed(1)}` : "—");
    out.push(`| ${c.group} | ${c.arm} | ${f(c.trainImgPerS)} | ${f(c.wallS)} |`);
  }
  return out.join("\n") + "\n";
}
