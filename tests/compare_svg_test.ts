/** `compare.svg`: per group a bar panel and a curves panel, drawn with the shared plot/ charts. */
import assert from "node:assert/strict";
import { reportSvg } from "../compare/svg.ts";
import type { ArmReport, CompareReport } from "../compare/report.ts";

const summary = (mean: number, std: number) => ({ mean, std, n: 2 });

function arm(name: string, top1: number[]): ArmReport {
  return {
    arm: name,
    activation: name,
    options: {},
    seeds: [0, 1],
    top1BySeed: {},
    top1: summary(top1.at(-1)!, 0.01),
    top5: summary(1, 0),
    testLoss: summary(0.3, 0),
    sparsity: summary(0.5, 0),
    curve: { mean: top1, std: top1.map(() => 0.01), n: top1.map(() => 2) },
    vsBaseline: null,
  } as unknown as ArmReport;
}

const report = {
  title: "relu vs <dpa>",
  baseline: "relu",
  metric: "test_top1",
  level: 0.95,
  groups: [
    {
      group: "mlp / synthetic",
      arms: [arm("relu", [0.5, 0.62, 0.71]), arm("dpa", [0.52, 0.66, 0.74])],
    },
    { group: "convnet / synthetic", arms: [arm("relu", [0.4, 0.5]), arm("dpa", [0.41, NaN])] },
  ],
  missing: [],
  heatmaps: [],
  cost: [],
} as unknown as CompareReport;

Deno.test("reportSvg: per group a bar panel and a curves panel; an arm has one colour in both", () => {
  const svg = reportSvg(report);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.includes(">relu vs &lt;dpa&gt;<"), "the title, escaped");
  assert.equal((svg.match(/<svg x=/g) ?? []).length, 4);
  assert.equal((svg.match(/class="bar"/g) ?? []).length, 3, "dpa's NaN final top-1 has no bar");
  assert.equal((svg.match(/class="errorbar"/g) ?? []).length, 3);
  assert.ok(svg.includes(">74.00<") && svg.includes(">n/a<"), "bar notes: mean top-1 in %");
  for (const name of ["relu", "dpa"]) {
    const bar = svg.match(new RegExp(`class="bar" data-label="${name}"[^>]*fill="([^"]+)"`));
    const line = svg.match(new RegExp(`class="series" data-series="${name}"[^>]*stroke="([^"]+)"`));
    assert.ok(bar && line, name);
    assert.equal(bar[1], line[1], `${name}: the same colour in bars and curves`);
  }
  // Epochs are 1-based on the x axis.
  const xticks = [...svg.matchAll(/class="xtick"[^>]*>([^<]*)</g)].map((m) => m[1]);
  assert.ok(xticks.includes("1") && xticks.includes("3") && !xticks.includes("0"));
});
