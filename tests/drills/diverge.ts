/**
 * Drill: non-finite training. Learning rates that blow the loss up (or
 * overflow the weights while the loss is still finite) must stop the run
 * with a message naming the step, exit 1, write no summary, and keep a
 * checkpoint that loads, holds only finite numbers and is the one from just
 * before things broke.
 * @module
 */
import { loadCheckpoint } from "../../train/checkpoint.ts";
import { cli, type Say, syntheticArgs, Tally, tempFiles } from "./common.ts";

/** Options of the divergence drill. */
export interface DivergeOptions {
  readonly say: Say;
}

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

/** Run the drill. */
export async function divergeDrill(o: DivergeOptions): Promise<Tally> {
  const tally = new Tally("diverge");
  const dir = await Deno.makeTempDir({ prefix: "actlab_drill_diverge_" });
  const seen: string[] = [];
  try {
    // lr 1e30 / 3e38: one update makes the weights huge but finite and the next loss overflows.
    // lr 1e4: gradients grow until AdamW's second moment overflows while the loss is still
    // finite, which only the state check catches. Checkpoints per step and per epoch.
    const cases = [
      { lr: "1e30", every: "1" },
      { lr: "3e38", every: "1" },
      { lr: "1e30", every: "0" },
      { lr: "1e4", every: "1" },
    ];
    for (const [i, c] of cases.entries()) {
      const out = `${dir}/run${i}`;
      // A sane first epoch, so a good checkpoint exists; then resume at the diverging rate.
      const args = syntheticArgs({ epochs: "3", "clip-norm": "0", warmup: "0" });
      const first = await cli("train", [...args, "--steps", "8", "--out", out]);
      if (first.code !== 0) throw new Error(`warm-up run failed: ${first.stderr}`);
      const r = await cli("train", [
        "--resume",
        `${out}/last.ckpt`,
        "--steps",
        "0",
        "--lr",
        c.lr,
        "--min-lr",
        "0",
        "--checkpoint-every",
        c.every,
        "--no-progress",
      ]);
      const label = `lr ${c.lr}, checkpoint every ${c.every === "0" ? "epoch" : "step"}`;
      const m =
        /diverged: (?:the loss is \S+ at step (\d+)|state "[^"]+" is not finite after step (\d+))/
          .exec(r.stderr);
      let problem: string | null = null;
      if (r.code === 0) problem = "the run finished: no divergence at this rate (drill setup)";
      else if (r.code !== 1 || !m) problem = `exit ${r.code}: ${r.stderr.trim().slice(0, 400)}`;
      else if (!r.stderr.includes("last good checkpoint") || !r.stderr.includes("fix:")) {
        problem = `message lacks the kept checkpoint or the fix: ${r.stderr.trim()}`;
      } else if (await exists(`${out}/summary.json.tmp`)) problem = "partial summary";
      else if ((await tempFiles(out)).length) problem = "temp files left behind";
      else {
        try {
          const ck = await loadCheckpoint(`${out}/last.ckpt`);
          const step = Number(ck.meta.step);
          // Loss non-finite at step S: steps 0..S-1 completed, so the last good state is after S.
          // State non-finite after step S: the good one is the state after step S-1.
          const want = m[1] !== undefined ? Number(m[1]) : Number(m[2]) - 1;
          const nonFinite = Object.entries(ck.tensors).find(([, t]) =>
            t.dtype === "f32" && !t.data.every(Number.isFinite)
          );
          if (nonFinite) problem = `kept checkpoint holds non-finite "${nonFinite[0]}"`;
          else if (c.every === "1" && step !== want) {
            problem = `kept checkpoint is at step ${step}, the last good one is at step ${want}`;
          } else if (step < 8) {
            problem = `kept checkpoint (step ${step}) is older than the sane run`;
          }
          seen.push(`${label}: ${m[0]} → kept step ${step}`);
        } catch (e) {
          problem = `kept checkpoint unreadable: ${(e as Error).message}`;
        }
      }
      tally.record(label, problem);
    }
    for (const s of seen) o.say(`diverge ${s}`);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return tally;
}
