/**
 * Drill: corrupt inputs, fuzzed. Every mutated dataset or checkpoint is fed
 * to `deno task train` as a separate process. Each case is first classified
 * by what the bytes mean (a flipped header bit must be rejected; a flipped
 * pixel, or a CIFAR file cut at a record boundary, is still valid data and
 * must train), then the outcome must match: a rejection exits 1 with a
 * message naming the file and a fix, and leaves the run directory and the
 * inputs byte-for-byte and mtime-for-mtime as they were.
 * @module
 */
import { cli, type Say, seededRandom, snapshot, snapshotDiff, Tally } from "./common.ts";
import type { Case } from "./fuzz_case.ts";
import { checkpointCases } from "./fuzz_checkpoints.ts";
import { dataCases } from "./fuzz_data.ts";

/** Options of the fuzz drill. */
export interface FuzzOptions {
  /** Random bit flips per file kind. */
  readonly bitFlips: number;
  /** Random truncations per file kind (checkpoints are always cut at every 1/16). */
  readonly truncations: number;
  readonly seed: number;
  readonly say: Say;
}

/** Run the drill. */
export async function fuzzDrill(o: FuzzOptions): Promise<Tally> {
  const tally = new Tally("fuzz");
  const rand = seededRandom(o.seed);
  const int = (n: number) => Math.floor(rand() * n);
  const dir = await Deno.makeTempDir({ prefix: "actlab_drill_fuzz_" });
  const counts = { reject: 0, accept: 0 };
  try {
    const m = { bitFlips: o.bitFlips, truncations: o.truncations, int };
    const data = await dataCases(dir, m);
    const cases: Case[] = [...data.cases, ...(await checkpointCases(dir, m))];
    const restoreData = data.restore;
    // ---------- run every case ----------
    // The guard is a finished run in the directory every case writes to: a rejection must
    // leave it (and every input) exactly as it was. Valid inputs train into a scratch folder.
    const guard = `${dir}/ck_dpa`;
    const scratch = await Deno.makeTempDir({ prefix: "actlab_drill_fuzz_ok_" });
    try {
      for (const c of cases) {
        await restoreData();
        if (c.file.endsWith(".gz")) await Deno.remove(c.file.slice(0, -3));
        await Deno.writeFile(c.file, c.bytes);
        const before = await snapshot(dir);
        const out = c.expect === "reject" ? guard : `${scratch}/run`;
        const r = c.command && c.command !== "train"
          ? await cli(c.command, c.args)
          : await cli("train", [...c.args, "--out", out]);
        const changed = snapshotDiff(before, await snapshot(dir));
        let problem: string | null = null;
        if (c.expect === "reject") {
          counts.reject++;
          const msg = r.stderr.trim();
          if (r.code !== 1) problem = `exit ${r.code}, expected 1: ${msg.slice(0, 400)}`;
          else if (!msg.includes(c.file)) problem = `message does not name ${c.file}: ${msg}`;
          else if (!msg.includes("fix:")) problem = `message has no fix: ${msg}`;
          else if (changed.length) problem = `files changed: ${changed.join(", ")}`;
        } else {
          counts.accept++;
          if (r.code !== 0) problem = `valid input rejected (exit ${r.code}): ${r.stderr.trim()}`;
          await Deno.remove(`${scratch}/run`, { recursive: true }).catch(() => {});
        }
        tally.record(c.label, problem);
        await Deno.remove(c.file).catch(() => {});
      }
    } finally {
      await Deno.remove(scratch, { recursive: true }).catch(() => {});
    }
    o.say(
      `fuzz: ${counts.reject} cases that must be rejected, ${counts.accept} still-valid inputs that must train`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return tally;
}
