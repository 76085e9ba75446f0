/**
 * The compare grid: expansion (arms, named controls, sweeps, labels,
 * errors), pairing (two activations with the same seed start from the same
 * values of their shared parameters and see the same first batch,
 * augmentation and dropout masks), resuming an interrupted cell inside a grid,
 * and the Slurm script.
 */
import assert from "node:assert/strict";
import "../mod.ts";
import { resolveBackend } from "../backends/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { type Batch, trainBatches } from "../data/loader.ts";
import { applySets, expandGrid, validateGrid } from "../compare/grid.ts";
import { collect } from "../compare/collect.ts";
import { makePlan } from "../compare/plan.ts";
import { buildReport, reportMarkdown } from "../compare/report.ts";
import { runPlan } from "../compare/run.ts";
import { cellStatus, parseShard, runCells, shardCells } from "../compare/shard.ts";
import { slurmScript } from "../compare/slurm.ts";
import type { TrainConfig } from "../train/config.ts";
import { train } from "../train/engine.ts";
import { Run } from "../train/run.ts";
import { imageBatch, loadRunData } from "../tasks/image.ts";

const TRAIN = {
  synthetic: { imageSize: 8, channels: 1, numClasses: 3, trainSize: 64, testSize: 40 },
  batchSize: 16,
  backend: "reference",
  epochs: 2,
  augment: "on" as const,
  modelOptions: { widths: [16], dropout: 0.3 },
};

function grid(extra: Record<string, unknown> = {}) {
  return validateGrid({
    out: "/tmp/nowhere",
    models: ["mlp"],
    datasets: ["synthetic"],
    seeds: [0, 1],
    train: TRAIN,
    ...extra,
    activations: extra.activations ?? ["relu", "dpa", "dpa:random-mask"],
  });
}

Deno.test("grid: arms × sweeps × seeds, labels, run dirs; controls map to DPA options", () => {
  const g = grid({ sweep: { updateInterval: [1, 5], arrLambda: [0] } });
  const cells = expandGrid(g);
  // relu: 2 seeds; dpa and dpa:random-mask: 2 intervals × 2 seeds.
  assert.equal(cells.length, 2 + 4 + 4);
  assert.deepEqual(
    [...new Set(cells.map((c) => c.arm))],
    ["relu", "dpa[U=1]", "dpa[U=5]", "dpa:random-mask[U=1]", "dpa:random-mask[U=5]"],
  );
  const rnd = cells.find((c) => c.arm === "dpa:random-mask[U=5]" && c.seed === 1)!;
  assert.equal(rnd.id, "mlp_synthetic/dpa_random-mask_U=5_seed1");
  assert.equal(rnd.config.out, "/tmp/nowhere/mlp_synthetic/dpa_random-mask_U=5_seed1");
  assert.deepEqual(rnd.config.activationOptions, { mask: "random", updateInterval: 5 });
  // The sweep only reaches DPA arms; relu gets no options.
  assert.deepEqual(cells.find((c) => c.arm === "relu")!.config.activationOptions, {});
  // Cells of one seed differ only in what makes the arm.
  const strip = (c: TrainConfig) => {
    const { activation: _a, activationOptions: _o, out: _u, ...rest } = c;
    return rest;
  };
  for (const c of cells.filter((c) => c.seed === 0)) {
    assert.deepEqual(strip(c.config), strip(cells[0].config), c.id);
  }
  const tauOnly = expandGrid(grid({ activations: ["dpa:tau-only"], sweep: { tau: [0, 0.2] } }));
  assert.deepEqual(tauOnly.map((c) => c.config.activationOptions), [
    { mask: "none", tau: 0.2 },
    { mask: "none", tau: 0.2 },
  ]);
  const clOnly = expandGrid(
    grid({ activations: ["dpa:channel-loss-only"], sweep: { tau: [0.2] } }),
  );
  assert.deepEqual(clOnly[0].config.activationOptions, { tau: 0 });
  const arr = expandGrid(grid({ activations: ["relu"], sweep: { arrLambda: [0, 10] } }));
  assert.deepEqual(arr.map((c) => [c.group, c.config.regulariser]), [
    ["mlp on synthetic", null],
    ["mlp on synthetic", null],
    ["mlp on synthetic + arr 10", "arr"],
    ["mlp on synthetic + arr 10", "arr"],
  ]);
});

Deno.test("grid: --set parsing and bad grids are clear errors", () => {
  const g: Record<string, unknown> = {};
  applySets(g, ["activations=relu,dpa", "seeds=3,4", "tau=0,0.1", "dpa-mask=random"]);
  assert.deepEqual(g, {
    activations: ["relu", "dpa"],
    seeds: [3, 4],
    sweep: { tau: [0, 0.1], mask: ["random"] },
  });
  const bad: [() => unknown, RegExp][] = [
    [() => applySets({}, ["lr=1"]), /unknown key "lr"[\s\S]*valid: activations/],
    [() => applySets({}, ["tau"]), /not KEY=V1,V2/],
    [() => applySets({}, ["tau=a"]), /"a" is not a number/],
    [() => grid({ bogus: 1 }), /unknown key "bogus"/],
    [() => grid({ seeds: [0, 0] }), /duplicates/],
    [() => grid({ seeds: [-1] }), /seeds must be a non-empty list/],
    [() => expandGrid(grid({ activations: ["nope"] })), /unknown activation "nope"/],
    [() => expandGrid(grid({ activations: ["dpa:nope"] })), /unknown control "dpa:nope"/],
    [() => expandGrid(grid({ activations: ["dpa:tau-only"] })), /needs tau > 0/],
    [() => expandGrid(grid({ baseline: "gelu" })), /baseline "gelu" is not an arm/],
    [() => expandGrid(grid({ sweep: { tau: [-1] } })), /tau = -1 is invalid/],
    [() => expandGrid(grid({ datasets: ["mnist"] })), /unknown dataset "mnist"/],
    [() => expandGrid(grid({ train: { ...TRAIN, epochs: 0 } })), /epochs/],
    [() => parseShard("2/2"), /0 <= i < n/],
  ];
  for (const [f, re] of bad) {
    assert.throws(f, (e: Error) => e instanceof ActlabError && re.test(e.message));
  }
  const cells = expandGrid(grid());
  const shards = [0, 1, 2].map((i) => shardCells(cells, parseShard(`${i}/3`)).map((c) => c.id));
  assert.deepEqual(
    shards.flat().sort(),
    cells.map((c) => c.id).sort(),
    "shards partition the cells",
  );
});

Deno.test("pairing: same seed → same shared init, first batch, augmentation and dropout masks", async () => {
  const backend = await resolveBackend("reference");
  const cells = expandGrid(grid({ activations: ["relu", "raa"], seeds: [5] }));
  const sessions: Run[] = [];
  const batches: Batch[] = [];
  for (const cell of cells) {
    const data = await loadRunData(cell.config);
    const first = trainBatches(data.train!, {
      batchSize: cell.config.batchSize,
      seed: cell.config.seed,
      epoch: 0,
      augment: true,
    }).next().value!;
    batches.push(first);
    sessions.push(await Run.open(cell.config, { backend }));
  }
  const [relu, raa] = await Promise.all(sessions.map((s) => s.trainExe.readState()));
  const params = (s: Run) => s.trainStep.record.params.map((p) => p.name);
  const shared = params(sessions[0]).filter((n) => params(sessions[1]).includes(n));
  assert.ok(shared.length >= 4, `shared parameters: ${shared}`);
  assert.ok(params(sessions[1]).length > shared.length, "raa has parameters relu lacks");
  for (const name of shared) {
    assert.deepEqual(Array.from(raa[name].data), Array.from(relu[name].data), name);
  }
  assert.deepEqual(Array.from(batches[1].x), Array.from(batches[0].x), "first batch images");
  assert.deepEqual(Array.from(batches[1].labels), Array.from(batches[0].labels), "first labels");
  const shape = [...sessions[0].evalStep.inputs.feeds.x.shape.slice(1)];
  const feeds = sessions.map((s) =>
    s.trainFeeds(imageBatch(batches[0].x, batches[0].labels, shape), 0, 1e-3)
  );
  const masks = Object.keys(feeds[0]).filter((k) => k.endsWith(".mask"));
  assert.ok(masks.length >= 1, "the mlp has a dropout mask feed");
  for (const k of masks) {
    assert.deepEqual(Array.from(feeds[1][k].data), Array.from(feeds[0][k].data), k);
  }
  // Another seed changes all of it (the test can fail).
  const other = expandGrid(grid({ activations: ["relu"], seeds: [6] }))[0];
  const data6 = await loadRunData(other.config);
  const b6 = trainBatches(data6.train!, { batchSize: 16, seed: 6, epoch: 0, augment: true }).next()
    .value!;
  assert.notDeepEqual(Array.from(b6.x), Array.from(batches[0].x));
  sessions.forEach((s) => s.dispose());
});

Deno.test("grid resume: an interrupted cell resumes to the uninterrupted result; done cells skip", async () => {
  const out = await Deno.makeTempDir({ prefix: "actlab_grid_" });
  try {
    const plan = makePlan(grid({ activations: ["dpa"], seeds: [0] }));
    const cell = { ...plan.cells[0], config: { ...plan.cells[0].config, out: `${out}/a` } };
    const twin = { ...cell, config: { ...cell.config, out: `${out}/b` } };
    const quiet = { progress: false, log: () => {} };
    await train(cell.config, { ...quiet, stopAfterSteps: 3 });
    await Deno.remove(`${out}/a/summary.json`); // as if killed right after the checkpoint
    assert.equal(await cellStatus(cell), "interrupted");
    assert.deepEqual(await runCells([cell], quiet), { trained: 0, resumed: 1, skipped: 0 });
    await runCells([twin], quiet);
    const a = JSON.parse(await Deno.readTextFile(`${out}/a/summary.json`));
    const b = JSON.parse(await Deno.readTextFile(`${out}/b/summary.json`));
    assert.equal(a.steps, b.steps);
    assert.equal(a.test_top1, b.test_top1);
    assert.equal(a.test_loss, b.test_loss);
    assert.deepEqual(await runCells([cell, twin], quiet), { trained: 0, resumed: 0, skipped: 2 });
    // Killed between the last checkpoint and the summary: resuming runs no step but still evaluates.
    await Deno.remove(`${out}/b/summary.json`);
    assert.deepEqual(await runCells([twin], quiet), { trained: 0, resumed: 1, skipped: 0 });
    const b2 = JSON.parse(await Deno.readTextFile(`${out}/b/summary.json`));
    assert.equal(b2.test_top1, b.test_top1);
    assert.equal(b2.steps, b.steps);
    // A different configuration in the directory is stale: retrained, not skipped.
    const changed = { ...cell, config: { ...cell.config, lr: 5e-4 } };
    assert.equal(await cellStatus(changed), "stale");
    // Equal configuration, but a default has changed since the run (as DPA's λ for 10
    // classes did, 5 → 1): the run was built with other options, so the cell is stale.
    const stored = JSON.parse(await Deno.readTextFile(`${out}/a/config.json`));
    assert.equal(typeof stored.taskFacts.numClasses, "number");
    const lambda = stored.activationOptionsResolved.channelLoss;
    stored.activationOptionsResolved.channelLoss = lambda + 4;
    await Deno.writeTextFile(`${out}/a/config.json`, JSON.stringify(stored));
    assert.equal(await cellStatus(cell), "stale");
    stored.activationOptionsResolved.channelLoss = lambda;
    await Deno.writeTextFile(`${out}/a/config.json`, JSON.stringify(stored));
    assert.equal(await cellStatus(cell), "done", "today's options: done again");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("collect: unfinished cells are listed, not guessed; the stats use what exists", async () => {
  const out = await Deno.makeTempDir({ prefix: "actlab_grid_" });
  try {
    const plan = makePlan({ ...grid({ activations: ["relu", "gelu"], seeds: [0, 1] }), out });
    const quiet = { progress: false, log: () => {} };
    // Shard 0/2 of [relu 0, relu 1, gelu 0, gelu 1] is relu 0 and gelu 0.
    const r = await runPlan(plan, { ...quiet, shard: parseShard("0/2") });
    assert.equal(r.report, null);
    assert.equal(r.counts.trained, 2);
    const got = await collect(plan);
    assert.deepEqual(got.missing, [
      { id: "mlp_synthetic/relu_seed1", status: "absent" },
      { id: "mlp_synthetic/gelu_seed1", status: "absent" },
    ]);
    const report = buildReport(plan, got);
    const gelu = report.groups[0].arms[1];
    assert.equal(gelu.top1.n, 1);
    assert.equal(gelu.vsBaseline?.n, 1);
    assert.equal(gelu.vsBaseline?.verdict, "too few seeds");
    const md = reportMarkdown(report);
    assert.match(md, /Not finished \(2\): mlp_synthetic\/relu_seed1 \(absent\)/);
    assert.match(
      md,
      /\| gelu − relu \| 1 \| [-+][\d.]+ \| \[—, —\] \| — \| — \| too few seeds \| — \| — \|/,
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("slurm script: one array task per shard running the plan", () => {
  const s = slurmScript({
    planPath: "runs/x/plan.json",
    shards: 4,
    logDir: "runs/x",
    workdir: "/home/me/actlab",
    time: "02:00:00",
    gpus: 1,
    setup: "module load cuda/12",
  });
  assert.match(s, /^#!\/bin\/bash\n/);
  assert.match(s, /#SBATCH --array=0-3\n/);
  assert.match(s, /#SBATCH --gpus-per-task=1\n/);
  assert.match(s, /#SBATCH --time=02:00:00\n/);
  assert.match(s, /cd \/home\/me\/actlab\nmodule load cuda\/12\n/);
  assert.match(
    s,
    /deno task compare --run-plan runs\/x\/plan.json --shard "\$\{SLURM_ARRAY_TASK_ID\}\/4" --no-progress\n$/,
  );
  assert.throws(
    () => slurmScript({ planPath: "p", shards: 0, logDir: ".", workdir: "." }),
    /shards/,
  );
});
