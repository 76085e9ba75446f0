/**
 * `compare` as separate processes: a grid run in one process, the same grid
 * as a plan run by two concurrent shard processes plus `--collect`, which
 * must give the same report (the machine-dependent cost section aside); a
 * re-run skips every finished cell; `--emit slurm`; bad grids exit 1 with a
 * clear message and write nothing.
 */
import assert from "node:assert/strict";
import { cli, exists } from "./cli_run.ts";

const GRID = [
  "--dataset",
  "synthetic",
  "--image-size",
  "8",
  "--channels",
  "1",
  "--num-classes",
  "3",
  "--train-size",
  "64",
  "--test-size",
  "40",
  "--model",
  "mlp",
  "--model-opt",
  "widths=16,8",
  "--batch-size",
  "16",
  "--epochs",
  "2",
  "--backend",
  "reference",
  "--no-progress",
  "--activations",
  "relu,dpa,dpa:random-mask",
  "--seeds",
  "2",
];

const compare = (args: string[]) => cli("compare", args);

/** The report without its cost section (timing differs between any two runs). */
async function comparable(dir: string) {
  const md = await Deno.readTextFile(`${dir}/compare.md`);
  const json = JSON.parse(await Deno.readTextFile(`${dir}/compare.json`));
  delete json.cost;
  return {
    md: md.slice(0, md.indexOf("## Cost")),
    json,
    svg: await Deno.readTextFile(`${dir}/compare.svg`),
  };
}

Deno.test("compare: 2 shard processes + --collect give the unsharded report; re-run skips", async () => {
  const root = await Deno.makeTempDir({ prefix: "actlab_compare_" });
  try {
    const whole = `${root}/whole`, sharded = `${root}/sharded`;
    const one = await compare([...GRID, "--out", whole]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /cells: 6 trained, 0 resumed, 0 skipped/);

    const plan = await compare([...GRID, "--out", sharded, "--plan", `${sharded}/plan.json`]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /6 cells/);
    const shards = await Promise.all(
      ["0/2", "1/2"].map((s) => compare(["--run-plan", `${sharded}/plan.json`, "--shard", s])),
    );
    for (const s of shards) {
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout, /cells: 3 trained/);
    }
    assert.ok(!(await exists(`${sharded}/compare.md`)), "a shard writes no report");
    const collected = await compare(["--collect", sharded]);
    assert.equal(collected.code, 0, collected.stderr);

    const a = await comparable(whole), b = await comparable(sharded);
    assert.deepEqual(b.json, a.json);
    assert.equal(b.md, a.md);
    assert.equal(b.svg, a.svg);
    // The report holds what it should: 3 arms × 2 seeds, the paired comparison and a verdict.
    const g = a.json.groups[0];
    assert.deepEqual(g.arms.map((x: { arm: string }) => x.arm), ["relu", "dpa", "dpa:random-mask"]);
    for (const arm of g.arms) assert.equal(arm.top1.n, 2, arm.arm);
    assert.equal(g.arms[0].vsBaseline, null);
    assert.equal(g.arms[2].vsBaseline.n, 2);
    assert.match(
      a.md,
      /\| dpa:random-mask − relu \| 2 \| [-+]\d+\.\d\d \| \[[-+]\d+\.\d\d, [-+]\d+\.\d\d\] \| (< 0\.001|\d\.\d{3}) \| (< 0\.001|\d\.\d{3}) \| (better|worse|no detectable difference) \| \d+\.\d\d \| (\d+|> 1000000|∞) \|/,
    );
    assert.equal(a.json.contrasts.length, 2, "dpa and dpa:random-mask against relu");
    assert.ok(g.arms[1].sites.length >= 1, "per-site statistics from each run's analysis");
    assert.match(a.md, /\| arm \| [^\n]*\|\n\|---\|(---:\|)+\n\| relu \| \d+\.\d \/ \d\.\d{3} \|/);
    assert.equal(g.arms[1].curve.mean.length, 2, "a per-epoch curve of 2 epochs");
    assert.match(a.svg, /<polyline/);
    // Every run's channel heatmaps are written next to it and linked from the report.
    assert.equal(a.json.heatmaps.length, 6);
    for (const h of a.json.heatmaps) {
      assert.ok(await exists(`${whole}/${h.path}`), h.path);
      assert.ok(a.md.includes(`](${h.path})`), `compare.md links ${h.path}`);
    }

    // Another contrast, after the fact: --collect re-reports without training.
    const more = await compare([
      "--collect",
      sharded,
      "--contrast",
      "dpa:dpa:random-mask",
      "--detect",
      "0.5",
    ]);
    assert.equal(more.code, 0, more.stderr);
    const c = (await comparable(sharded)).json.contrasts;
    assert.deepEqual(c.map((x: { a: string; b: string }) => `${x.a} − ${x.b}`), [
      "dpa − relu",
      "dpa:random-mask − relu",
      "dpa − dpa:random-mask",
    ]);
    assert.equal(c[2].detect, 0.005);
    assert.match(more.stdout, /\| dpa − dpa:random-mask \| 2 \|[^\n]*\|\n/);
    assert.match(more.stdout, /seeds for \+0\.50 pp/);

    const again = await compare([...GRID, "--out", whole]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /cells: 0 trained, 0 resumed, 6 skipped/);
    assert.deepEqual((await comparable(whole)).json, a.json);
    // Growing the grid by a seed trains only the new cells.
    const grown = await compare([...GRID, "--out", whole, "--seeds", "3"]);
    assert.equal(grown.code, 0, grown.stderr);
    assert.match(grown.stdout, /cells: 3 trained, 0 resumed, 6 skipped/);
    // A shard of another grid may not write into a directory holding a plan.
    const clash = await compare([...GRID, "--out", whole, "--seeds", "4", "--shard", "0/2"]);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /holds a different grid/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("compare --emit slurm prints an array script and writes the plan", async () => {
  const root = await Deno.makeTempDir({ prefix: "actlab_compare_" });
  try {
    const r = await compare([...GRID, "--out", root, "--emit", "slurm", "--shards", "3"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^#!\/bin\/bash\n/);
    assert.match(r.stdout, /#SBATCH --array=0-2/);
    assert.ok(
      r.stdout.includes(`--run-plan ${root}/plan.json --shard "\${SLURM_ARRAY_TASK_ID}/3"`),
    );
    assert.ok(await exists(`${root}/plan.json`));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("compare --preset paper-ablation-vit-tiny-cifar100: Table 3's arms on the main recipe", async () => {
  const root = await Deno.makeTempDir({ prefix: "actlab_compare_" });
  try {
    const plans: Record<string, { arm: string; seed: number; config: Record<string, unknown> }[]> =
      {};
    for (const preset of ["paper-ablation-vit-tiny-cifar100", "paper-vit-tiny-cifar100"]) {
      const r = await compare(["--preset", preset, "--plan", `${root}/${preset}/plan.json`]);
      assert.equal(r.code, 0, r.stderr);
      plans[preset] = JSON.parse(await Deno.readTextFile(`${root}/${preset}/plan.json`)).cells;
    }
    const cells = plans["paper-ablation-vit-tiny-cifar100"];
    const arms = [...new Set(cells.map((c) => c.arm))];
    assert.deepEqual(arms, [
      "relu",
      "gelu",
      "dpa",
      "dpa:forward",
      "dpa:backward",
      "dpa:union",
      "dpa:all",
    ]);
    for (const mask of ["forward", "backward", "union", "all"]) {
      const c = cells.find((c) => c.arm === `dpa:${mask}`)!;
      assert.deepEqual(c.config.activationOptions, { mask }, mask);
    }
    // Same recipe as the main preset: every setting but the arm and the run directory.
    const recipe = ({ config: { activation: _a, activationOptions: _o, out: _d, ...rest } }: {
      config: Record<string, unknown>;
    }) => rest;
    const main = plans["paper-vit-tiny-cifar100"].find((c) => c.arm === "relu" && c.seed === 42)!;
    for (const c of cells) {
      assert.deepEqual(recipe(c), { ...recipe(main), seed: c.seed }, `${c.arm} seed ${c.seed}`);
    }
    assert.deepEqual([...new Set(cells.map((c) => c.seed))], [42, 43, 44]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("compare bad input: clear message, exit 1, nothing written", async () => {
  const root = await Deno.makeTempDir({ prefix: "actlab_compare_" });
  try {
    await Deno.writeTextFile(`${root}/bad.json`, '{"activations": ["relu"], "epochz": 3}');
    await Deno.writeTextFile(`${root}/broken.json`, '{"activations": [');
    const cases: [string[], RegExp][] = [
      [["--grid", `${root}/none.json`], /cannot read --grid/],
      [["--grid", `${root}/broken.json`], /is not a JSON object/],
      [["--grid", `${root}/bad.json`], /unknown key "epochz"[\s\S]*valid keys/],
      [["--activations", "relu,dpa:bogus"], /unknown control "dpa:bogus"/],
      [["--activations", "relu,nope"], /unknown activation "nope"/],
      [["--activations", "relu", "--set", "lr=1,2"], /unknown key "lr"/],
      [["--activations", "relu", "--set", "seeds=0,0"], /duplicates/],
      [["--activations", "relu", "--shard", "3/2"], /0 <= i < n/],
      [["--activations", "relu", "--activation", "gelu"], /--activation does not apply/],
      [["--activations", "relu", "--preset", "paper-nope"], /unknown preset "paper-nope"/],
      [["--collect", `${root}/nothing`], /cannot read plan/],
      [["--run-plan", `${root}/nothing.json`], /--run-plan fixes the grid; --out cannot change it/],
      [["--set", "seeds=1"], /no arms/],
      [["--activations", "relu,dpa", "--contrast", "dpa:gelu"], /does not split into two arms/],
      [["--activations", "relu,dpa", "--detect", "0"], /--detect must be a positive number/],
      [
        ["--activations", "relu,dpa", "--contrast", "relu:dpa", "--plan", `${root}/out/plan.json`],
        /--plan writes none/,
      ],
    ];
    for (const [args, message] of cases) {
      const out = `${root}/out`;
      const r = await compare([...args, "--out", out, "--no-progress"]);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.ok(!(await exists(out)), `${args.join(" ")}: nothing written`);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
