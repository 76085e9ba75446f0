/**
 * Checkpoint integrity and the run-directory helpers the reliability drills
 * rely on, in-process: every single-bit flip and every truncation of a
 * checkpoint is rejected, version-1 files still load, a checkpoint of
 * another model is refused, stored configurations are validated, and the
 * writability probe and log trimming leave nothing behind.
 */
import assert from "node:assert/strict";
import "../mod.ts";
import { ActlabError } from "../core/errors.ts";
import { Graph } from "../core/graph.ts";
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from "../train/checkpoint.ts";
import { resolveConfig } from "../train/config.ts";
import { probeWritable, trimLogToStep } from "../train/files.ts";
import { MeanTracker } from "../train/metrics.ts";
import { exactStateForGraph } from "../train/restore.ts";

const CKPT: Checkpoint = {
  meta: { step: 3, epoch: 0, batchInEpoch: 3, config: { model: "mlp", activation: "dpa" } },
  tensors: {
    w: { dtype: "f32", shape: [2, 3], data: Float32Array.of(1, -2, 3.5, 0, 1e-7, -0) },
    n: { dtype: "i32", shape: [3], data: Int32Array.of(7, -1, 2) },
  },
};

function rejected(bytes: Uint8Array): boolean {
  try {
    decodeCheckpoint(bytes, "x.ckpt");
    return false;
  } catch (e) {
    assert.ok(e instanceof ActlabError && e.message.includes("x.ckpt"), String(e));
    return true;
  }
}

Deno.test("checkpoint: round trip, and every single-bit flip and every truncation is rejected", () => {
  const bytes = encodeCheckpoint(CKPT);
  const back = decodeCheckpoint(bytes, "x.ckpt");
  assert.deepEqual(back.meta, CKPT.meta);
  assert.deepEqual(back.tensors.w.data, CKPT.tensors.w.data);
  assert.deepEqual(back.tensors.n.data, CKPT.tensors.n.data);
  let missed = 0;
  for (let i = 0; i < bytes.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const b = bytes.slice();
      b[i] ^= 1 << bit;
      if (!rejected(b)) missed++;
    }
  }
  assert.equal(missed, 0, `${missed} of ${8 * bytes.length} bit flips loaded`);
  for (let len = 0; len < bytes.length; len++) {
    assert.ok(rejected(bytes.subarray(0, len)), `cut to ${len} bytes loaded`);
  }
});

Deno.test("checkpoint: version-1 files (no checksum) still load", () => {
  const v2 = encodeCheckpoint(CKPT);
  const v1 = new Uint8Array(v2.length - 4);
  v1.set(v2.subarray(0, 16));
  v1.set(v2.subarray(20), 16);
  new DataView(v1.buffer).setUint32(8, 1, true);
  const back = decodeCheckpoint(v1, "old.ckpt");
  assert.deepEqual(back.meta, CKPT.meta);
  assert.deepEqual(back.tensors.w.data, CKPT.tensors.w.data);
});

Deno.test("resume: state of another model is refused, naming the file and both runs", () => {
  const graph = (states: [string, number[], "f32" | "i32"][]) => {
    const g = new Graph();
    for (const [name, shape, dtype] of states) g.state(name, shape, dtype);
    return g;
  };
  const config = resolveConfig({ out: "r", model: "convnet", activation: "relu" });
  const fits = exactStateForGraph(
    CKPT,
    graph([["w", [2, 3], "f32"], ["n", [3], "i32"]]),
    "a.ckpt",
    config,
  );
  assert.deepEqual(Object.keys(fits).sort(), ["n", "w"]);
  const cases: [[string, number[], "f32" | "i32"][], RegExp][] = [
    [
      [["w", [2, 3], "f32"], ["n", [3], "i32"], ["m", [1], "f32"]],
      /lacks 1 state\(s\), e\.g\. "m"/,
    ],
    [[["w", [2, 3], "f32"]], /has 1 state\(s\) this model lacks, e\.g\. "n"/],
    [[["w", [3, 2], "f32"], ["n", [3], "i32"]], /"w" is f32\[2.3\]/],
  ];
  for (const [states, pattern] of cases) {
    assert.throws(
      () => exactStateForGraph(CKPT, graph(states), "a.ckpt", config),
      (e: unknown) =>
        e instanceof ActlabError && pattern.test(e.message) && e.message.includes("a.ckpt"),
    );
  }
  assert.throws(
    () => exactStateForGraph(CKPT, graph([["w", [2, 3], "f32"]]), "a.ckpt", config),
    (e: unknown) =>
      e instanceof ActlabError && e.message.includes("written by mlp + dpa") &&
      e.message.includes("does not fit convnet + relu") && e.hint.includes("--resume"),
  );
});

Deno.test("config: unknown keys and wrong types are errors naming the source", () => {
  assert.throws(
    () => resolveConfig({ out: "r", lrr: 1 } as never, "run.ckpt"),
    (e: unknown) =>
      e instanceof ActlabError && /in run\.ckpt: unknown key "lrr"/.test(e.message) &&
      e.hint.includes("valid keys"),
  );
  assert.throws(
    () => resolveConfig({ out: "r", epochs: "2" } as never, "run.ckpt"),
    (e: unknown) =>
      e instanceof ActlabError && /"epochs" must be number, got string "2"/.test(e.message),
  );
  assert.throws(() => resolveConfig({ out: "r", regulariser: 3 } as never), ActlabError);
  assert.equal(resolveConfig({ out: "r", regulariser: null, dataDir: "d" }).dataDir, "d");
});

Deno.test("metrics: a tracker saved mid-epoch continues to the same means", () => {
  const a = new MeanTracker();
  a.add("loss", 0.1);
  a.add("loss", 0.7);
  const b = MeanTracker.from(JSON.parse(JSON.stringify(a.toJSON())));
  a.add("loss", 1 / 3);
  b.add("loss", 1 / 3);
  assert.equal(b.mean("loss"), a.mean("loss"));
  assert.ok(Number.isNaN(MeanTracker.from(undefined).mean("loss")));
});

Deno.test("files: the writability probe fails cleanly; the log is cut back to a step", async () => {
  const dir = await Deno.makeTempDir({ prefix: "actlab_files_" });
  try {
    await Deno.writeTextFile(`${dir}/f`, "x");
    await assert.rejects(
      () => probeWritable(`${dir}/f/run`, 10),
      (e: unknown) => e instanceof ActlabError && /f\/run is not writable/.test(e.message),
    );
    await probeWritable(`${dir}/run`, 1000);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(`${dir}/run`))).length, 0);
    const log = `${dir}/log.jsonl`;
    await Deno.writeTextFile(log, '{"step":4}\n{"step":8}\n{"step":12}\n{"st');
    await trimLogToStep(log, 8);
    assert.equal(await Deno.readTextFile(log), '{"step":4}\n{"step":8}\n');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
