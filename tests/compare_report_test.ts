/**
 * The report's contrasts and per-site table on synthetic finished runs
 * (config, summary, log and analysis files written by hand, no training):
 * baseline contrasts plus a `--contrast` whose arm names contain ':', the
 * p-values, Holm's adjustment turning a raw "better" into "no detectable
 * difference", the MDD and seeds-needed columns, and per-site sparsity and
 * specificity. Expected numbers from scipy (`stats.t.sf`; power by quadrature over χ²).
 */
import assert from "node:assert/strict";
import "../mod.ts";
import { ActlabError } from "../core/errors.ts";
import { validateGrid } from "../compare/grid.ts";
import { collect } from "../compare/collect.ts";
import { makePlan } from "../compare/plan.ts";
import { buildReport, reportMarkdown } from "../compare/report.ts";
import { writeReport } from "../compare/run.ts";

/** Test top-1 per seed: dpa and the random-mask control as relu plus a per-seed difference. */
const RELU = [0.80, 0.82, 0.78, 0.81];
const TOP1: Record<string, number[]> = {
  relu: RELU,
  dpa: RELU.map((v, i) => v + [0.02, 0.021, 0.019, 0.020][i]),
  "dpa:random-mask": RELU.map((v, i) => v + [0.01, 0.004, 0.016, 0.010][i]),
};
/** Per-arm sparsity of site `blocks.0.act` (seed i adds 0.01·i) and specificity of both sites. */
const SITE: Record<string, [number, number]> = {
  relu: [0.5, 0.3],
  dpa: [0.7, 0.45],
  "dpa:random-mask": [0.6, 0.35],
};

function near(got: number, want: number, tol: number, what: string): void {
  assert.ok(Math.abs(got - want) <= tol * Math.abs(want), `${what}: got ${got}, want ${want}`);
}

async function fixture(out: string) {
  const plan = makePlan(validateGrid({
    out,
    models: ["mlp"],
    datasets: ["synthetic"],
    seeds: [0, 1, 2, 3],
    activations: ["relu", "dpa", "dpa:random-mask"],
    train: {
      synthetic: { imageSize: 8, channels: 1, numClasses: 3, trainSize: 64, testSize: 40 },
      backend: "reference",
      epochs: 1,
    },
  }));
  for (const cell of plan.cells) {
    const dir = cell.config.out;
    const top1 = TOP1[cell.arm][cell.seed];
    const [sparsity, specificity] = SITE[cell.arm];
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(cell.config));
    await Deno.writeTextFile(`${dir}/summary.json`, JSON.stringify({ test_top1: top1 }));
    await Deno.writeTextFile(`${dir}/log.jsonl`, JSON.stringify({ epoch: 1, test: { top1 } }));
    await Deno.writeTextFile(
      `${dir}/analysis_test.json`,
      JSON.stringify({
        sites: [
          { name: "blocks.0.act", sparsity: sparsity + 0.01 * cell.seed, specificity },
          { name: "head.act", sparsity: 0, specificity: specificity / 3, classMeans: [[1]] },
        ],
      }),
    );
  }
  return plan;
}

Deno.test("report: baseline and ':'-named contrasts, p, Holm, MDD, seeds needed, sites", async () => {
  const out = await Deno.makeTempDir({ prefix: "actlab_report_" });
  try {
    const plan = await fixture(out);
    const collected = await collect(plan);
    assert.equal(collected.results.length, 12);
    assert.deepEqual(collected.results[0].sites?.map((s) => s.name), ["blocks.0.act", "head.act"]);
    const r = buildReport(plan, collected, { contrasts: ["dpa:dpa:random-mask"] });
    assert.deepEqual(r.contrasts.map((c) => [c.a, c.b]), [
      ["dpa", "relu"],
      ["dpa:random-mask", "relu"],
      ["dpa", "dpa:random-mask"],
    ]);
    const [dpa, rnd, own] = r.contrasts;
    // Paired differences (pp): +2.0 (sd 0.082), +1.0 (sd 0.49), +1.0 (sd 0.57) over 4 seeds.
    near(dpa.p, 1.8728492666926272e-05, 1e-7, "p dpa − relu");
    near(rnd.p, 0.026547885467199467, 1e-9, "p random − relu");
    near(own.p, 0.039501781440279486, 1e-9, "p dpa − random");
    // Holm: 3·p₁, then max(3·p₁, 2·p₂), then max(·, 1·p₃) — p₃ takes p₂'s adjusted value.
    near(dpa.pHolm, 3 * dpa.p, 1e-12, "Holm dpa");
    near(rnd.pHolm, 2 * 0.026547885467199467, 1e-9, "Holm random");
    assert.equal(own.pHolm, rnd.pHolm);
    // The random-mask interval excludes 0, yet the adjusted p does not reach 0.05.
    assert.ok(rnd.ciLow > 0, `ci ${rnd.ciLow}`);
    assert.deepEqual(r.contrasts.map((c) => c.verdict), [
      "better",
      "no detectable difference",
      "no detectable difference",
    ]);
    assert.equal(r.groups[0].arms[2].vsBaseline, rnd);
    assert.equal(r.groups[0].arms[0].vsBaseline, null);
    // MDD at n = 4: 2.1279493 · sd (noncentral t, scipy); seeds for the observed difference.
    for (const c of r.contrasts) near(c.mdd, 2.1279493432 * c.std, 1e-8, `mdd ${c.a}`);
    assert.deepEqual(r.contrasts.map((c) => c.seedsNeeded), [2, 5, 5]);
    const fixed = buildReport(plan, collected, {
      contrasts: ["dpa:dpa:random-mask"],
      detect: 0.005,
    });
    assert.deepEqual(fixed.contrasts.map((c) => c.seedsNeeded), [3, 10, 13]);
    assert.equal(fixed.detect, 0.005);

    const site = r.groups[0].arms[1].sites[0];
    assert.equal(site.name, "blocks.0.act");
    near(site.sparsity.mean, 0.715, 1e-12, "mean sparsity over seeds");
    assert.equal(site.sparsity.n, 4);
    near(site.specificity.mean, 0.45, 1e-12, "specificity");

    const md = reportMarkdown(r);
    assert.match(
      md,
      /\| A − B \| pairs \| Δ top-1 \(pp\) \| 95 % CI \(pp\) \| p \| Holm p \| verdict \| MDD \(pp\) \| seeds for Δ \|/,
    );
    assert.ok(
      md.includes(
        "| dpa − relu | 4 | +2.00 | [+1.87, +2.13] | < 0.001 | < 0.001 | better | 0.17 | 2 |",
      ),
      md,
    );
    assert.ok(
      md.includes(
        "| dpa:random-mask − relu | 4 | +1.00 | [+0.22, +1.78] | 0.027 | 0.053 | no detectable difference | 1.04 | 5 |",
      ),
      md,
    );
    assert.ok(md.includes("| dpa − dpa:random-mask | 4 | +1.00 |"), md);
    assert.ok(md.includes("over all 3 contrasts of this report"), md);
    assert.ok(md.includes("noncentral t distribution"), md);
    assert.ok(md.includes("| arm | blocks.0.act | head.act |"), md);
    assert.ok(md.includes("| dpa | 71.5 / 0.450 | 0.0 / 0.150 |"), md);
    assert.match(reportMarkdown(fixed), /\| seeds for \+0\.50 pp \|/);

    // compare.json carries the contrasts; an unknown or ambiguous contrast is an error.
    await writeReport(plan, out, { contrasts: ["dpa:dpa:random-mask"] });
    const json = JSON.parse(await Deno.readTextFile(`${out}/compare.json`));
    assert.equal(json.contrasts.length, 3);
    assert.equal(json.contrasts[1].verdict, "no detectable difference");
    assert.equal(json.alpha, 0.05);
    assert.throws(
      () => buildReport(plan, collected, { contrasts: ["dpa:gelu"] }),
      (e: Error) => e instanceof ActlabError && /does not split into two arms/.test(e.message),
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("report: a corrupt analysis file is a clear error, a missing one leaves the site table out", async () => {
  const out = await Deno.makeTempDir({ prefix: "actlab_report_" });
  try {
    const plan = await fixture(out);
    for (const cell of plan.cells) await Deno.remove(`${cell.config.out}/analysis_test.json`);
    const r = buildReport(plan, await collect(plan));
    assert.deepEqual(r.groups[0].arms[0].sites, []);
    assert.ok(!reportMarkdown(r).includes("| arm | blocks.0.act"));
    await Deno.writeTextFile(`${plan.cells[0].config.out}/analysis_test.json`, "{");
    await assert.rejects(
      () => collect(plan),
      (e: Error) =>
        e instanceof ActlabError && /analysis_test.json is not an analysis/.test(e.message),
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
