/**
 * Drill: SIGKILL a training process at random moments while it checkpoints
 * every step (half of the kills timed to land inside a checkpoint write, and
 * one trial made in the window after the final checkpoint, before the summary),
 * resume from whatever `last.ckpt` survived, and require the
 * finished run to equal an uninterrupted one bit for bit (final state,
 * summary losses, log lines).
 * @module
 */
import { loadCheckpoint } from "../../train/checkpoint.ts";
import {
  cli,
  compareCheckpoints,
  logWithoutTimes,
  type Say,
  seededRandom,
  spawnCli,
  syntheticArgs,
  Tally,
  tempFiles,
} from "./common.ts";

/** Options of the kill -9 drill. */
export interface Kill9Options {
  readonly trials: number;
  readonly backend: string;
  readonly seed: number;
  readonly say: Say;
}

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `path` exists or `child` ends; true when the file appeared first. */
async function waitFor(path: string, done: () => boolean): Promise<boolean> {
  while (!done()) {
    if (await exists(path)) return true;
    await sleep(2);
  }
  return false;
}

/**
 * True while a checkpoint write is visibly in progress in `out`: a temp file
 * exists, or last.ckpt is shorter than any complete checkpoint (a writer that
 * is not atomic). Tensors are ~3 MB of every checkpoint; headers differ by bytes.
 */
async function writing(out: string, completeSize: number): Promise<boolean> {
  if ((await tempFiles(out)).some((t) => t.startsWith("last.ckpt."))) return true;
  const st = await Deno.stat(`${out}/last.ckpt`).catch(() => null);
  return st !== null && st.size < 0.99 * completeSize;
}

function args(backend: string): string[] {
  // ~0.25 M parameters: a checkpoint (params + two AdamW moments + DPA memories) of ~3 MB,
  // so a fair share of the run is spent inside checkpoint writes.
  return [
    ...syntheticArgs({ backend }),
    "--model-opt",
    "widths=384,384",
    "--checkpoint-every",
    "1",
  ];
}

async function summaryOf(dir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
}

/**
 * The run's files as a kill between its final checkpoint and its summary
 * leaves them; resuming must write the uninterrupted summary (the resumed
 * process trains no step, so the train loss comes from the checkpoint).
 */
async function finalWindowTrial(
  dir: string,
  ref: string,
  refSummary: Record<string, unknown>,
): Promise<string | null> {
  const out = `${dir}/final-window`;
  await Deno.mkdir(out);
  for await (const e of Deno.readDir(ref)) {
    if (e.isFile && e.name !== "summary.json") {
      await Deno.copyFile(`${ref}/${e.name}`, `${out}/${e.name}`);
    }
  }
  await Deno.writeTextFile(`${out}/summary.json.tmp-999999`, '{"half": ');
  const r = await cli("train", ["--resume", `${out}/last.ckpt`, "--out", out, "--no-progress"]);
  try {
    if (r.code !== 0) return `resume exited ${r.code}: ${r.stderr.trim()}`;
    const s = await summaryOf(out);
    for (const key of ["steps", "train_loss", "test_loss", "test_top1"]) {
      if (s[key] !== refSummary[key]) {
        return `summary ${key} ${s[key]}, uninterrupted ${refSummary[key]}`;
      }
    }
    if ((await tempFiles(out)).length) return "temp files left behind";
    return null;
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
}

/** Run the drill; `trials` kills that land while the child trains. */
export async function kill9Drill(o: Kill9Options): Promise<Tally> {
  const tally = new Tally(`kill9-${o.backend}`);
  const dir = await Deno.makeTempDir({ prefix: "actlab_drill_kill_" });
  const rand = seededRandom(o.seed);
  try {
    // The uninterrupted run, timed from config.json (training starts) to exit.
    const ref = `${dir}/ref`;
    const child = spawnCli("train", [...args(o.backend), "--out", ref]);
    let ended = false;
    const status = child.status.then((s) => (ended = true, s));
    const stderr = new Response(child.stderr).text();
    await waitFor(`${ref}/config.json`, () => ended);
    const t0 = performance.now();
    const st = await status;
    const window = performance.now() - t0;
    if (!st.success) throw new Error(`uninterrupted run failed: ${await stderr}`);
    const refSummary = await summaryOf(ref);
    const refLog = await logWithoutTimes(`${ref}/log.jsonl`);
    const ckptSize = (await Deno.stat(`${ref}/last.ckpt`)).size;
    o.say(`kill9 ${o.backend}: uninterrupted run trains for ${window.toFixed(0)} ms`);

    // Aimed at the window between the final checkpoint and summary.json: a kill there leaves
    // exactly the finished run's files minus the summary (maybe a summary temp file). Made
    // directly, so the trial hits the window every time instead of by chance.
    tally.record("after the final checkpoint", await finalWindowTrial(dir, ref, refSummary));

    let midSave = 0, beforeFirst = 0, attempts = 0;
    while (tally.trials < o.trials + 1 && attempts < 4 * o.trials) {
      attempts++;
      const out = `${dir}/t${attempts}`;
      const c = spawnCli("train", [...args(o.backend), "--out", out], "null");
      let done = false;
      const cs = c.status.then((s) => (done = true, s));
      if (!(await waitFor(`${out}/config.json`, () => done))) {
        await cs;
        continue;
      }
      await sleep(rand() * window);
      // Every other trial aims at a checkpoint write: kill as soon as a temp file shows up, or
      // last.ckpt has a size other than a complete checkpoint's (a writer that is not atomic).
      if (attempts % 2 === 0) {
        while (!done && !(await writing(out, ckptSize))) await sleep(0);
      }
      if (done) continue; // finished before the kill: not a trial
      c.kill("SIGKILL");
      await cs;
      const label = `trial ${tally.trials + 1}`;
      if (await writing(out, ckptSize)) midSave++;
      let problem: string | null = null;
      let resumeArgs: string[];
      if (await exists(`${out}/last.ckpt`)) {
        try {
          await loadCheckpoint(`${out}/last.ckpt`);
        } catch (e) {
          problem = `last.ckpt unreadable after the kill: ${(e as Error).message}`;
        }
        resumeArgs = ["--resume", `${out}/last.ckpt`, "--checkpoint-every", "1", "--no-progress"];
      } else {
        beforeFirst++;
        resumeArgs = [...args(o.backend), "--out", out]; // nothing saved yet: start again
      }
      if (problem === null) {
        const r = await cli("train", resumeArgs);
        if (r.code !== 0) problem = `resume exited ${r.code}: ${r.stderr.trim()}`;
      }
      if (problem === null) {
        const diff = await compareCheckpoints(`${ref}/last.ckpt`, `${out}/last.ckpt`);
        const s = await summaryOf(out);
        if (diff) problem = `final state differs (${diff})`;
        else if (s.train_loss !== refSummary.train_loss || s.test_loss !== refSummary.test_loss) {
          problem =
            `final loss ${s.train_loss}/${s.test_loss}, uninterrupted ${refSummary.train_loss}/${refSummary.test_loss}`;
        } else if (
          JSON.stringify(await logWithoutTimes(`${out}/log.jsonl`)) !== JSON.stringify(refLog)
        ) problem = "log.jsonl differs from the uninterrupted run's";
        else if ((await tempFiles(out)).length) problem = "temp files left behind";
      }
      tally.record(label, problem);
      await Deno.remove(out, { recursive: true }).catch(() => {});
    }
    o.say(
      `kill9 ${o.backend}: ${midSave} of ${tally.trials} kills landed inside a checkpoint write, ` +
        `${beforeFirst} before the first checkpoint; final train loss ${refSummary.train_loss}`,
    );
    tally.wanted = o.trials + 1;
    if (tally.trials < tally.wanted) {
      tally.notes.push(`only ${tally.trials} kills landed in ${attempts} attempts`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return tally;
}
