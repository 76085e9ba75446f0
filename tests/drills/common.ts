/**
 * Shared plumbing of the reliability drills: running the CLI as a child
 * process, snapshots of a directory (to prove nothing changed), a seeded
 * random source and the per-drill tally with its summary line.
 * @module
 */
import { createHash } from "node:crypto";
import { loadCheckpoint } from "../../train/checkpoint.ts";

export { CHILD_PERMS, cli, cliScript, type Ran } from "../cli_run.ts";
import { CHILD_PERMS, cliScript } from "../cli_run.ts";

/** Start `deno run cli/<name>.ts args…` without waiting (stdout discarded). */
export function spawnCli(
  name: string,
  args: readonly string[],
  stderr: "piped" | "null" = "piped",
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...CHILD_PERMS, cliScript(name), ...args],
    stdout: "null",
    stderr,
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** Small synthetic-data flags shared by the drills (mlp + dpa, reference backend unless overridden; "" drops one). */
export function syntheticArgs(extra: Record<string, string> = {}): string[] {
  const flags: Record<string, string> = {
    dataset: "synthetic",
    "image-size": "16",
    channels: "1",
    "num-classes": "4",
    "train-size": "128",
    "test-size": "32",
    model: "mlp",
    activation: "dpa",
    "update-interval": "2",
    "batch-size": "16",
    "eval-batch-size": "16",
    epochs: "3",
    backend: "reference",
    seed: "7",
    ...extra,
  };
  // An empty value drops a default flag (e.g. DPA's --update-interval for relu).
  const args = Object.entries(flags).filter(([, v]) => v !== "").flatMap(([k, v]) => [`--${k}`, v]);
  return [...args, "--no-progress"];
}

/** mulberry32: a seeded source for trial moments and mutation positions. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** name → "sha256 mtime size" of every file under `dir` (recursive); empty when `dir` is absent. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string, rel: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch {
      return;
    }
    for (const e of entries) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p, `${rel}${e.name}/`);
      else {
        const st = await Deno.stat(p);
        const hash = createHash("sha256").update(await Deno.readFile(p)).digest("hex");
        out.set(`${rel}${e.name}`, `${hash} ${st.mtime?.getTime()} ${st.size}`);
      }
    }
  };
  await walk(dir, "");
  return out;
}

/** Differences between two snapshots, as readable lines (empty = identical). */
export function snapshotDiff(a: Map<string, string>, b: Map<string, string>): string[] {
  const diffs: string[] = [];
  for (const [k, v] of a) {
    if (!b.has(k)) diffs.push(`${k} removed`);
    else if (b.get(k) !== v) diffs.push(`${k} changed`);
  }
  for (const k of b.keys()) if (!a.has(k)) diffs.push(`${k} added`);
  return diffs;
}

/** Names of temp files (`NAME.tmp-PID`) in `dir`. */
export async function tempFiles(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir)))
      .map((e) => e.name)
      .filter((n) => /\.tmp-\d+$/.test(n));
  } catch {
    return [];
  }
}

/** Byte-wise equality of two checkpoints' tensors (names, shapes, data); null when equal. */
export async function compareCheckpoints(a: string, b: string): Promise<string | null> {
  const [x, y] = [await loadCheckpoint(a), await loadCheckpoint(b)];
  const names = Object.keys(x.tensors).sort();
  if (names.join() !== Object.keys(y.tensors).sort().join()) return "different state names";
  for (const n of names) {
    const [p, q] = [x.tensors[n], y.tensors[n]];
    const bp = new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength);
    const bq = new Uint8Array(q.data.buffer, q.data.byteOffset, q.data.byteLength);
    if (p.shape.join() !== q.shape.join() || bp.length !== bq.length) return `${n}: shape differs`;
    for (let i = 0; i < bp.length; i++) if (bp[i] !== bq[i]) return `${n}: data differs`;
  }
  return null;
}

/** log.jsonl lines without the timing fields (which legitimately differ between runs). */
export async function logWithoutTimes(path: string): Promise<unknown[]> {
  const text = await Deno.readTextFile(path);
  return text.trim().split("\n").map((l) => {
    const { img_per_s: _a, epoch_s: _b, wall_s: _c, data_wait_s: _d, peak_rss_mib: _e, ...rest } =
      JSON.parse(l);
    return rest;
  });
}

/** The tally of one drill. */
export class Tally {
  trials = 0;
  survived = 0;
  /** One line per lost trial, and per case that could not be simulated. */
  readonly notes: string[] = [];
  /** Cases that could not be simulated on this machine (not counted as trials). */
  notSimulated = 0;
  /** Trials the drill meant to run (fewer = the drill could not do its job). */
  wanted = 0;

  constructor(readonly name: string) {}

  /** Record one trial: `problem` null = survived. */
  record(label: string, problem: string | null): void {
    this.trials++;
    if (problem === null) this.survived++;
    else this.notes.push(`${label}: ${problem}`);
  }

  /** A case this machine cannot simulate (said, never counted as survived). */
  skip(label: string, why: string): void {
    this.notSimulated++;
    this.notes.push(`${label}: not simulated (${why})`);
  }

  /** Trials lost. */
  get lost(): number {
    return this.trials - this.survived;
  }

  /** True when trials were lost or fewer trials ran than wanted. */
  get failed(): boolean {
    return this.lost > 0 || this.trials < this.wanted;
  }

  /** `drill <name>: trials N, survived N, lost N`. */
  summary(): string {
    return `drill ${this.name}: trials ${this.trials}, survived ${this.survived}, lost ${this.lost}`;
  }
}

/** Everything a drill prints: progress notes go here, the summary line to stdout. */
export type Say = (line: string) => void;
