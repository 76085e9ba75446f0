/**
 * Drill: a run directory that cannot be written. Read-only places (a path
 * under a regular file, /proc, a read-only tmpfs) and a full disk must be
 * reported before training starts, exit 1, and leave nothing behind; a disk
 * that fills up in the middle of a run must stop it with a clear message,
 * keep the last checkpoint intact, and resume to the uninterrupted result
 * once space is freed. The tmpfs cases need `mount` (root with
 * CAP_SYS_ADMIN); where it is refused they are reported as not simulated.
 * @module
 */
import { loadCheckpoint } from "../../train/checkpoint.ts";
import {
  cli,
  compareCheckpoints,
  logWithoutTimes,
  type Say,
  spawnCli,
  syntheticArgs,
  Tally,
  tempFiles,
} from "./common.ts";

/** Options of the disk drill. */
export interface DiskOptions {
  readonly say: Say;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

async function mountTmpfs(path: string, options: string): Promise<string | null> {
  await Deno.mkdir(path, { recursive: true });
  try {
    const r = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", options, "tmpfs", path],
      stdout: "null",
      stderr: "piped",
    }).output();
    return r.success ? null : new TextDecoder().decode(r.stderr).trim() || `exit ${r.code}`;
  } catch (e) {
    return (e as Error).message;
  }
}

async function unmount(path: string): Promise<void> {
  const run = (args: string[]) =>
    new Deno.Command("umount", { args, stdout: "null", stderr: "null" }).output();
  if (!(await run([path])).success) await run(["-l", path]);
}

async function entries(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
}

/** Fill the file system holding `dir` (a tmpfs) until writes fail. */
async function fill(path: string): Promise<number> {
  const f = await Deno.open(path, { write: true, create: true });
  const chunk = new Uint8Array(1 << 16);
  let n = 0;
  try {
    for (;;) n += await f.write(chunk);
  } catch {
    // ENOSPC: full
  } finally {
    f.close();
  }
  return n;
}

/** Run the drill. */
export async function diskDrill(o: DiskOptions): Promise<Tally> {
  const tally = new Tally("disk");
  const dir = await Deno.makeTempDir({ prefix: "actlab_drill_disk_" });
  const args = syntheticArgs({ epochs: "1" });
  const refuse = async (
    label: string,
    out: string,
    watch: string,
    pattern: RegExp,
  ): Promise<void> => {
    const before = await entries(watch);
    const r = await cli("train", [...args, "--out", out]);
    let problem: string | null = null;
    if (r.code !== 1) problem = `exit ${r.code}: ${r.stderr.trim().slice(0, 300)}`;
    else if (!pattern.test(r.stderr) || !r.stderr.includes("fix:")) {
      problem = `unclear message: ${r.stderr.trim()}`;
    } else if (/^epoch \d/m.test(r.stdout)) problem = "training started before the error";
    else if ((await entries(watch)).join() !== before.join()) {
      problem = `left behind: ${(await entries(watch)).join(", ")}`;
    }
    tally.record(label, problem);
  };
  const mounts: string[] = [];
  try {
    await Deno.writeTextFile(`${dir}/a-file`, "not a folder\n");
    await refuse("out dir under a regular file", `${dir}/a-file/run`, dir, /not writable/);
    await refuse("out dir in /proc", `/proc/actlab-drill-${Deno.pid}/run`, dir, /not writable/);

    const ro = `${dir}/ro`;
    const roErr = await mountTmpfs(ro, "ro,size=4m");
    if (roErr) tally.skip("read-only file system", `mount refused: ${roErr}`);
    else {
      mounts.push(ro);
      await refuse("read-only file system", `${ro}/run`, ro, /not writable/);
    }

    const tiny = `${dir}/tiny`;
    const tinyErr = await mountTmpfs(tiny, "size=64k");
    if (tinyErr) tally.skip("disk full before the run", `mount refused: ${tinyErr}`);
    else {
      mounts.push(tiny);
      await refuse("disk full before the run", `${tiny}/run`, tiny, /no room for a checkpoint/);
    }

    // Disk full in the middle of a run, then space freed and the run resumed.
    const long = syntheticArgs({ epochs: "4" });
    const ref = `${dir}/ref`;
    const refRun = await cli("train", [...long, "--checkpoint-every", "1", "--out", ref]);
    if (refRun.code !== 0) throw new Error(`reference run failed: ${refRun.stderr}`);
    const mid = `${dir}/mid`;
    const midErr = await mountTmpfs(mid, "size=32m");
    if (midErr) tally.skip("disk full during the run", `mount refused: ${midErr}`);
    else {
      mounts.push(mid);
      const out = `${mid}/run`;
      const child = spawnCli("train", [...long, "--checkpoint-every", "1", "--out", out]);
      let ended = false;
      const status = child.status.then((s) => (ended = true, s));
      const stderr = new Response(child.stderr).text();
      while (!ended && !(await exists(`${out}/last.ckpt`))) await sleep(2);
      const filled = ended ? 0 : await fill(`${mid}/filler`);
      const st = await status;
      const msg = await stderr;
      let problem: string | null = null;
      if (st.code !== 1) {
        problem = `exit ${st.code} (filled ${filled} B): ${msg.trim().slice(0, 300)}`;
      } else if (!/cannot write \S+: no space left/.test(msg) || !msg.includes("fix:")) {
        problem = `unclear message: ${msg.trim()}`;
      } else if ((await tempFiles(out)).length) problem = "temp files left behind";
      else {
        try {
          const ck = await loadCheckpoint(`${out}/last.ckpt`);
          await Deno.remove(`${mid}/filler`);
          const r = await cli("train", [
            "--resume",
            `${out}/last.ckpt`,
            "--checkpoint-every",
            "1",
            "--no-progress",
          ]);
          if (r.code !== 0) problem = `resume after freeing space failed: ${r.stderr.trim()}`;
          else {
            const diff = await compareCheckpoints(`${ref}/last.ckpt`, `${out}/last.ckpt`);
            const same = JSON.stringify(await logWithoutTimes(`${ref}/log.jsonl`)) ===
              JSON.stringify(await logWithoutTimes(`${out}/log.jsonl`));
            if (diff) problem = `resumed run's final state differs: ${diff}`;
            else if (!same) problem = "resumed run's log differs from the uninterrupted one";
            o.say(
              `disk: filled at step ${ck.meta.step}; "${msg.trim().split("\n")[0]}"; ` +
                `resumed after freeing space to the uninterrupted result`,
            );
          }
        } catch (e) {
          problem = `kept checkpoint unreadable: ${(e as Error).message}`;
        }
      }
      tally.record("disk full during the run", problem);
    }
  } finally {
    for (const m of mounts) await unmount(m);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return tally;
}
