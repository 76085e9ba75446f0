/**
 * Drill: exact resume of the whole training state. A convnet with BatchNorm,
 * dropout, host augmentation, DPA (forward/backward memories, step-gated
 * updates) and the ARR regulariser (class means) is stopped at random
 * mid-epoch steps and resumed; every later step's loss and the final state
 * must equal the uninterrupted run's bit for bit, on each backend. The state
 * names are checked to cover every kind: parameters, AdamW moments,
 * BatchNorm statistics, DPA memories, ARR means.
 * @module
 */
import "../../mod.ts";
import { loadCheckpoint } from "../../train/checkpoint.ts";
import type { TrainConfig } from "../../train/config.ts";
import { train } from "../../train/engine.ts";
import { compareCheckpoints, type Say, seededRandom, Tally } from "./common.ts";

/** Options of the exact-resume drill. */
export interface ResumeOptions {
  readonly backends: readonly string[];
  /** Stop points per backend. */
  readonly stops: number;
  readonly seed: number;
  readonly say: Say;
}

const PER_EPOCH = 4; // 64 images / batch 16

function config(out: string, backend: string): Partial<TrainConfig> & { out: string } {
  return {
    out,
    model: "convnet",
    modelOptions: { channels: [4, 8], dropout: 0.2 },
    activation: "dpa",
    activationOptions: { updateInterval: 3 }, // gating that straddles the stop points
    regulariser: "arr",
    regulariserOptions: { lambda: 1 },
    backend,
    dataset: "synthetic",
    synthetic: { imageSize: 12, channels: 3, numClasses: 4, trainSize: 64, testSize: 16, seed: 2 },
    augment: "on",
    epochs: 3,
    batchSize: 16,
    evalBatchSize: 16,
    warmupFraction: 0.25, // the stop points fall in warmup and in the cosine decay
    seed: 11,
  };
}

const KINDS: [string, RegExp][] = [
  ["parameters", /\.conv\.weight$/],
  ["AdamW moments", /^opt\.(m|v)\./],
  ["BatchNorm statistics", /running_(mean|var)$/],
  ["DPA memories", /(forward|backward)_memory$/],
  ["ARR means", /class_mean$/],
];

/** Run the drill. */
export async function resumeDrill(o: ResumeOptions): Promise<Tally> {
  const tally = new Tally("resume");
  const rand = seededRandom(o.seed);
  const quiet = { progress: false, log: () => {} };
  const dir = await Deno.makeTempDir({ prefix: "actlab_drill_resume_" });
  try {
    for (const backend of o.backends) {
      const full: number[] = [];
      await train(config(`${dir}/full`, backend), { ...quiet, onStep: (_s, l) => full.push(l) });
      const names = Object.keys((await loadCheckpoint(`${dir}/full/last.ckpt`)).tensors);
      const missing = KINDS.filter(([, re]) => !names.some((n) => re.test(n))).map(([k]) => k);
      if (missing.length) throw new Error(`the drill model lacks state: ${missing.join(", ")}`);
      // Mid-epoch stop points (never on an epoch boundary), distinct.
      const candidates = Array.from({ length: full.length - 1 }, (_, i) => i + 1)
        .filter((s) => s % PER_EPOCH !== 0);
      const stops: number[] = [];
      while (stops.length < Math.min(o.stops, candidates.length)) {
        const s = candidates[Math.floor(rand() * candidates.length)];
        if (!stops.includes(s)) stops.push(s);
      }
      for (const stop of stops) {
        const out = `${dir}/part${stop}`;
        const curve: number[] = [];
        await train(config(out, backend), {
          ...quiet,
          stopAfterSteps: stop,
          onStep: (_s, l) => curve.push(l),
        });
        await train(config(out, backend), {
          ...quiet,
          resume: `${out}/last.ckpt`,
          onStep: (_s, l) => curve.push(l),
        });
        let problem: string | null = null;
        const first = curve.findIndex((l, i) => !Object.is(l, full[i]));
        if (curve.length !== full.length) {
          problem = `${curve.length} steps, uninterrupted ${full.length}`;
        } else if (first >= 0) {
          problem = `loss differs from step ${first} (${curve[first]} vs ${full[first]})`;
        } else {
          const diff = await compareCheckpoints(`${dir}/full/last.ckpt`, `${out}/last.ckpt`);
          if (diff) problem = `final state differs: ${diff}`;
        }
        tally.record(`${backend} stop at step ${stop}`, problem);
        await Deno.remove(out, { recursive: true });
      }
      o.say(
        `resume ${backend}: stops at steps ${stops.join(", ")} of ${full.length}; state covers ` +
          KINDS.map(([k]) => k).join(", "),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return tally;
}
