/**
 * `--backend auto` for training runs (train/auto_backend.ts): the measured
 * choice between the CPU candidates, its cache (hit, miss, keying, corrupt
 * file), the rank override, the GPU case, resume keeping its backend, and the
 * record in config.json / summary.json / the checkpoint.
 *
 * The real backends are not registered here: fakes named `ort-cpu`,
 * `onednn-cpu` and `ort-cuda` (availability switchable, compiling on the
 * reference backend) stand in for them, and a fake timer of known speed
 * replaces the clock — no assertion depends on how fast anything really runs.
 * @module
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import "../models/mod.ts";
import "../tasks/mod.ts";
import type { Availability, Backend, Executable } from "../backends/backend.ts";
import { registerBackend } from "../backends/registry.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { ActlabError } from "../core/errors.ts";
import {
  AUTO_BACKEND_ENV,
  type AutoBackendOptions,
  chooseAutoBackend,
  type StepTimer,
} from "../train/auto_backend.ts";
import { AUTO_CACHE_FILE } from "../train/auto_cache.ts";
import { loadCheckpoint } from "../train/checkpoint.ts";
import { resolveConfig, type TrainConfig } from "../train/config.ts";
import { train } from "../train/engine.ts";
import { timeTrainStep } from "../train/step_timer.ts";
import { getTask, type Task } from "../train/task.ts";

const up: Record<string, boolean> = { "ort-cpu": true, "onednn-cpu": true, "ort-cuda": false };
let compiles: string[] = [];

function fake(name: string, speedRank: number): Backend {
  return {
    name,
    description: `fake ${name} (compiles on the reference backend)`,
    speedRank,
    probe(): Promise<Availability> {
      return Promise.resolve(
        up[name]
          ? { available: true, reason: `fake ${name} v1`, fix: "" }
          : { available: false, reason: `fake ${name} switched off`, fix: "switch it on" },
      );
    },
    compile(graph, options): Promise<Executable> {
      compiles.push(name);
      return referenceBackend.compile(graph, options);
    },
  };
}
registerBackend(referenceBackend);
registerBackend(fake("ort-cuda", 0));
registerBackend(fake("ort-cpu", 10));
registerBackend(fake("onednn-cpu", 50));

function reset(): void {
  Object.assign(up, { "ort-cpu": true, "onednn-cpu": true, "ort-cuda": false });
  compiles = [];
}

function base(
  out: string,
  extra: Partial<TrainConfig> = {},
): Partial<TrainConfig> & { out: string } {
  return {
    out,
    model: "mlp",
    modelOptions: { widths: [8] },
    activation: "relu",
    backend: "auto",
    dataset: "synthetic",
    synthetic: { imageSize: 4, channels: 1, numClasses: 3, trainSize: 16, testSize: 8, seed: 1 },
    epochs: 1,
    batchSize: 8,
    evalBatchSize: 8,
    seed: 2,
    ...extra,
  };
}

async function open(
  extra: Partial<TrainConfig> = {},
): Promise<{ config: TrainConfig; task: Task }> {
  const config = resolveConfig(base("/tmp/unused", extra));
  return { config, task: await getTask(config.task).create(config, { train: true }) };
}

/** A timer of known speed that records what it was asked to time. */
function fakeTimer(speeds: Record<string, number | Error>) {
  const calls: { name: string; stopAboveMs: number }[] = [];
  const timer: StepTimer = (backend, _config, _task, stopAboveMs) => {
    calls.push({ name: backend.name, stopAboveMs });
    const s = speeds[backend.name];
    return s instanceof Error ? Promise.reject(s) : Promise.resolve(s);
  };
  return { timer, calls };
}

function envOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

/** The process environment without ACTLAB_AUTO_BACKEND (the test task sets it to `rank`). */
const measureEnv = (name: string): string | undefined =>
  name === AUTO_BACKEND_ENV ? undefined : Deno.env.get(name);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "actlab-auto-" });
  try {
    reset();
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("auto measures the CPU candidates, picks the fastest and caches the choice", async () => {
  await withDir(async (dir) => {
    const { config, task } = await open();
    const lines: string[] = [];
    const opts = (timer: StepTimer, env: Record<string, string> = {}): AutoBackendOptions => ({
      cacheDir: dir,
      timer,
      env: envOf(env),
      log: (l) => lines.push(l),
    });

    const a = fakeTimer({ "ort-cpu": 10.2, "onednn-cpu": 7.1 });
    const first = await chooseAutoBackend(config, task, opts(a.timer));
    assert.equal(first.backend.name, "onednn-cpu");
    assert.equal(first.choice.rule, "measured");
    assert.deepEqual(first.choice.msPerStep, { "ort-cpu": 10.2, "onednn-cpu": 7.1 });
    assert.match(
      first.choice.reason,
      /7\.10 ms\/step vs ort-cpu 10\.2 ms\/step, measured; cached in/,
    );
    assert.equal(first.choice.cacheFile, `${dir}/${AUTO_CACHE_FILE}`);
    // ort-cpu first (nothing to beat yet), onednn-cpu may stop once slower than twice 10.2 ms.
    assert.deepEqual(a.calls, [
      { name: "ort-cpu", stopAboveMs: Infinity },
      { name: "onednn-cpu", stopAboveMs: 20.4 },
    ]);

    // Hit: the same key is answered from the file, nothing is timed.
    const b = fakeTimer({ "ort-cpu": 1, "onednn-cpu": 100 });
    const second = await chooseAutoBackend(config, task, opts(b.timer));
    assert.equal(second.backend.name, "onednn-cpu");
    assert.equal(second.choice.rule, "cached");
    assert.deepEqual(b.calls, []);
    assert.match(second.choice.reason, /7\.10 ms\/step vs ort-cpu 10\.2 ms\/step, measured 20/);

    // Misses: each of batch, activation, image shape and thread settings is part of the key.
    const misses: [string, Partial<TrainConfig>, Record<string, string>][] = [
      ["batch", { batchSize: 4 }, {}],
      ["activation", { activation: "gelu" }, {}],
      ["image shape", {
        synthetic: {
          imageSize: 6,
          channels: 1,
          numClasses: 3,
          trainSize: 16,
          testSize: 8,
          seed: 1,
        },
      }, {}],
      ["threads", {}, { ACTLAB_THREADS: "1" }],
      ["ORT threads", {}, { ACTLAB_ORT_THREADS: "1" }],
    ];
    for (const [what, extra, env] of misses) {
      const o = await open(extra);
      const t = fakeTimer({ "ort-cpu": 3, "onednn-cpu": 4 });
      const r = await chooseAutoBackend(o.config, o.task, opts(t.timer, env));
      assert.equal(r.choice.rule, "measured", `${what} must miss the cache`);
      assert.equal(r.backend.name, "ort-cpu", what);
    }
    // Every entry is kept in the one file, with its key readable.
    const doc = JSON.parse(await Deno.readTextFile(`${dir}/${AUTO_CACHE_FILE}`));
    const entries = Object.values(doc.entries) as { key: { batch: number }; backend: string }[];
    assert.equal(entries.length, 1 + misses.length);
    assert.ok(entries.some((e) => e.key.batch === 4 && e.backend === "ort-cpu"));

    // With one candidate unavailable the other is taken by rank, untimed.
    up["onednn-cpu"] = false;
    const one = fakeTimer({ "ort-cpu": 3 });
    const only = await chooseAutoBackend(config, task, opts(one.timer));
    assert.equal(only.backend.name, "ort-cpu");
    assert.equal(only.choice.rule, "rank");
    assert.match(only.choice.reason, /only available one/);
    assert.deepEqual(one.calls, [], "a single candidate is not timed");
    // One notice per measurement (the first call and each miss), no warning.
    assert.equal(lines.length, 1 + misses.length, lines.join("\n"));
    assert.ok(
      lines.every((l) =>
        /^backend auto: timing the training step on ort-cpu and onednn-cpu/.test(l)
      ),
    );
  });
});

Deno.test("auto: remeasure replaces the entry; rank keeps the rank rule; a bad value is an error", async () => {
  await withDir(async (dir) => {
    const { config, task } = await open();
    const log = () => {};
    await chooseAutoBackend(config, task, {
      env: measureEnv,
      cacheDir: dir,
      timer: fakeTimer({ "ort-cpu": 10, "onednn-cpu": 7 }).timer,
      log,
    });
    const again = fakeTimer({ "ort-cpu": 5, "onednn-cpu": 7 });
    const r = await chooseAutoBackend(config, task, {
      cacheDir: dir,
      timer: again.timer,
      env: envOf({ [AUTO_BACKEND_ENV]: "remeasure" }),
      log,
    });
    assert.equal(r.choice.rule, "measured");
    assert.equal(r.backend.name, "ort-cpu");
    const hit = await chooseAutoBackend(config, task, {
      env: measureEnv,
      cacheDir: dir,
      timer: fakeTimer({}).timer,
      log,
    });
    assert.equal(hit.choice.rule, "cached");
    assert.equal(hit.backend.name, "ort-cpu", "remeasure rewrote the entry");

    const rank = fakeTimer({ "ort-cpu": 10, "onednn-cpu": 1 });
    const ranked = await chooseAutoBackend(config, task, {
      cacheDir: dir,
      timer: rank.timer,
      env: envOf({ [AUTO_BACKEND_ENV]: "rank" }),
      log,
    });
    assert.equal(ranked.backend.name, "ort-cpu");
    assert.equal(ranked.choice.rule, "rank");
    assert.match(ranked.choice.reason, /ACTLAB_AUTO_BACKEND=rank/);
    assert.deepEqual(rank.calls, []);

    await assert.rejects(
      () =>
        chooseAutoBackend(config, task, {
          cacheDir: dir,
          env: envOf({ [AUTO_BACKEND_ENV]: "fastest" }),
          log,
        }),
      (e: unknown) =>
        e instanceof ActlabError && /ACTLAB_AUTO_BACKEND="fastest"/.test(e.message) &&
        /measure \(the default\), rank or remeasure/.test(e.hint),
    );
  });
});

Deno.test("auto: an available GPU backend keeps the rank rule; no cache dir still measures", async () => {
  await withDir(async (dir) => {
    const { config, task } = await open();
    up["ort-cuda"] = true;
    const t = fakeTimer({ "ort-cpu": 10, "onednn-cpu": 1 });
    const r = await chooseAutoBackend(config, task, {
      env: measureEnv,
      cacheDir: dir,
      timer: t.timer,
    });
    assert.equal(r.backend.name, "ort-cuda");
    assert.equal(r.choice.rule, "rank");
    assert.deepEqual(t.calls, []);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing cached");

    up["ort-cuda"] = false;
    const n = fakeTimer({ "ort-cpu": 10, "onednn-cpu": 1 });
    const lines: string[] = [];
    const m = await chooseAutoBackend(config, task, {
      env: measureEnv,
      cacheDir: null,
      timer: n.timer,
      log: (l) => lines.push(l),
    });
    assert.equal(m.backend.name, "onednn-cpu");
    assert.equal(m.choice.rule, "measured");
    assert.equal(m.choice.cacheFile, undefined);
    assert.doesNotMatch(m.choice.reason, /cached/);
  });
});

Deno.test("auto: a corrupt or unwritable cache warns and never fails the run", async () => {
  await withDir(async (dir) => {
    const { config, task } = await open();
    const file = `${dir}/${AUTO_CACHE_FILE}`;
    for (
      const bad of [
        "{not json",
        JSON.stringify({ format: "something-else", version: 1, entries: {} }),
        JSON.stringify({
          format: "actlab-auto-backend",
          version: 1,
          entries: { abc: { backend: 3 } },
        }),
      ]
    ) {
      await Deno.writeTextFile(file, bad);
      const lines: string[] = [];
      const t = fakeTimer({ "ort-cpu": 10, "onednn-cpu": 7 });
      const r = await chooseAutoBackend(config, task, {
        env: measureEnv,
        cacheDir: dir,
        timer: t.timer,
        log: (l) => lines.push(l),
      });
      assert.equal(r.backend.name, "onednn-cpu");
      assert.equal(r.choice.rule, "measured");
      const warnings = lines.filter((l) => l.startsWith("warning"));
      assert.equal(warnings.length, 1, lines.join("\n"));
      assert.match(warnings[0], /warning: ignoring the corrupt cache file .*auto-backend\.json/);
      // Rewritten whole: the next run hits.
      const doc = JSON.parse(await Deno.readTextFile(file));
      assert.equal(doc.format, "actlab-auto-backend");
      const hit = await chooseAutoBackend(config, task, {
        env: measureEnv,
        cacheDir: dir,
        timer: t.timer,
      });
      assert.equal(hit.choice.rule, "cached");
    }

    // A cache folder that cannot be created (a file is in the way): measured, warned, not cached.
    await Deno.writeTextFile(`${dir}/blocked`, "");
    const lines: string[] = [];
    const r = await chooseAutoBackend(config, task, {
      env: measureEnv,
      cacheDir: `${dir}/blocked/actlab`,
      timer: fakeTimer({ "ort-cpu": 10, "onednn-cpu": 7 }).timer,
      log: (l) => lines.push(l),
    });
    assert.equal(r.backend.name, "onednn-cpu");
    assert.equal(r.choice.cacheFile, undefined);
    assert.ok(lines.some((l) => /cannot write the backend cache/.test(l)), lines.join("\n"));

    // A candidate that cannot be timed is skipped with a warning; the other wins.
    const skip: string[] = [];
    const s = await chooseAutoBackend(config, task, {
      env: measureEnv,
      cacheDir: null,
      timer: fakeTimer({ "ort-cpu": new Error("op not supported"), "onednn-cpu": 50 }).timer,
      log: (l) => skip.push(l),
    });
    assert.equal(s.backend.name, "onednn-cpu");
    assert.match(skip.join("\n"), /timing ort-cpu failed \(op not supported\)/);
  });
});

Deno.test("auto: a resumed run keeps its checkpoint's backend, loudly when it cannot", async () => {
  await withDir(async (dir) => {
    const { config, task } = await open();
    const t = fakeTimer({ "ort-cpu": 1, "onednn-cpu": 100 });
    const kept = await chooseAutoBackend(config, task, {
      env: measureEnv,
      cacheDir: dir,
      timer: t.timer,
      pinned: "onednn-cpu",
    });
    assert.equal(kept.backend.name, "onednn-cpu");
    assert.equal(kept.choice.rule, "resumed");
    assert.deepEqual(t.calls, []);

    up["onednn-cpu"] = false;
    const lines: string[] = [];
    const moved = await chooseAutoBackend(config, task, {
      env: measureEnv,
      cacheDir: dir,
      timer: t.timer,
      pinned: "onednn-cpu",
      log: (l) => lines.push(l),
    });
    assert.equal(moved.backend.name, "ort-cpu");
    assert.match(lines.join("\n"), /checkpoint trained on backend onednn-cpu, unavailable here/);
  });
});

Deno.test("timeTrainStep: warm-up and timed steps of the run's step; stops early above its limit", async () => {
  const { config, task } = await open();
  let runs = 0;
  const counting: Backend = {
    ...referenceBackend,
    name: "counting",
    async compile(graph, options) {
      const exe = await referenceBackend.compile(graph, options);
      return {
        run: (feeds) => (runs++, exe.run(feeds)),
        readState: (names) => exe.readState(names),
        writeState: (values) => exe.writeState(values),
        stats: () => exe.stats(),
        dispose: () => exe.dispose(),
      };
    },
  };
  const ms = await timeTrainStep(counting, config, task, { warmup: 2, minSteps: 3, minMs: 0 });
  assert.ok(ms > 0);
  assert.equal(runs, 5, "2 warm-up + 3 timed steps");
  runs = 0;
  // Any step is slower than 0 ms (3 × 0 for the first): it gives up after one.
  const stopped = await timeTrainStep(counting, config, task, { stopAboveMs: 0 });
  assert.ok(stopped > 0);
  assert.equal(runs, 1);
});

Deno.test("train with auto: the choice is logged and recorded; resume keeps the backend", async () => {
  await withDir(async (dir) => {
    // The cache folder passed in, not through XDG_CACHE_HOME: the environment is shared by the
    // test files `deno test --parallel` runs at once.
    const cache = `${dir}/xdg`;
    // The test task pins the rank rule (ACTLAB_AUTO_BACKEND=rank) for every other test; this
    // one measures.
    const autoBackend = {
      cacheDir: `${cache}/actlab`,
      env: measureEnv,
    };
    {
      const lines: string[] = [];
      const out = `${dir}/run`;
      const summary = await train(base(out, { epochs: 2 }), {
        progress: false,
        autoBackend,
        log: (l) => lines.push(l),
        stopAfterSteps: 2,
      }).catch((e) => e);
      // stopAfterSteps ends the invocation after 2 of 4 steps with a summary of the partial run.
      assert.ok(!(summary instanceof Error), String(summary));
      const cfg = JSON.parse(await Deno.readTextFile(`${out}/config.json`));
      const chosen = cfg.backendResolved;
      assert.ok(["ort-cpu", "onednn-cpu"].includes(chosen), chosen);
      assert.equal(cfg.backend, "auto");
      assert.equal(cfg.backendChoice.rule, "measured");
      assert.equal(cfg.backendChoice.backend, chosen);
      assert.deepEqual(Object.keys(cfg.backendChoice.msPerStep).sort(), ["onednn-cpu", "ort-cpu"]);
      assert.equal(cfg.backendChoice.cacheFile, `${cache}/actlab/${AUTO_CACHE_FILE}`);
      assert.ok(
        lines.some((l) => l.startsWith(`backend auto → ${chosen} (`) && l.includes("measured")),
        lines.join("\n"),
      );
      const ckpt = await loadCheckpoint(`${out}/last.ckpt`);
      assert.equal(ckpt.meta.backend, chosen);
      const disk = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
      assert.equal(disk.backend, chosen);
      assert.deepEqual(disk.backend_choice, cfg.backendChoice);
      // Both candidates were compiled to be timed (then the winner twice more: train + eval).
      assert.ok(compiles.includes("ort-cpu") && compiles.includes("onednn-cpu"));

      // Make the cache name the other backend: a resumed run must still keep the checkpoint's.
      const other = chosen === "ort-cpu" ? "onednn-cpu" : "ort-cpu";
      const file = `${cache}/actlab/${AUTO_CACHE_FILE}`;
      const doc = JSON.parse(await Deno.readTextFile(file));
      for (const e of Object.values(doc.entries) as { backend: string }[]) e.backend = other;
      await Deno.writeTextFile(file, JSON.stringify(doc));
      compiles = [];
      const resumed: string[] = [];
      const s2 = await train(base(out, { epochs: 2 }), {
        progress: false,
        autoBackend,
        log: (l) => resumed.push(l),
        resume: `${out}/last.ckpt`,
      });
      assert.equal(s2.backend, chosen);
      assert.equal(s2.backend_choice?.rule, "resumed");
      assert.ok(!compiles.includes(other), "nothing was timed or compiled on the other backend");
      const cfg2 = JSON.parse(await Deno.readTextFile(`${out}/config.json`));
      assert.equal(cfg2.backendResolved, chosen);
      assert.ok(
        resumed.some((l) => l.startsWith(`backend auto → ${chosen} (the checkpoint's backend`)),
      );

      // A fresh run now reads the (edited) cache: the cached answer, not a new measurement.
      compiles = [];
      const s3 = await train(base(`${dir}/fresh`), { progress: false, autoBackend, log: () => {} });
      assert.equal(s3.backend, other);
      assert.equal(s3.backend_choice?.rule, "cached");
      assert.deepEqual(compiles, [other, other], "only the run's own train and eval graphs");
    }
  });
});
