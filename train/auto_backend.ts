/**
 * `--backend auto` for a training run. Which CPU backend is faster depends on
 * the model and the machine (on a 2-core Xeon onednn-cpu trained `mlp` faster
 * than ort-cpu, and `vit_micro` slower), so a static rank cannot pick it:
 *
 * - when the best-ranked available backend is one of the CPU candidates
 *   (`ort-cpu`, `onednn-cpu`) — no GPU backend is available — the run's own
 *   training step is timed on each available candidate (`step_timer.ts`) and the
 *   fastest wins; the decision is cached per machine, model, activation,
 *   regulariser, options, task shapes, batch, thread settings and backend
 *   versions (`auto_cache.ts`), so it is measured once;
 * - otherwise (a GPU backend ranks first, or only one candidate is available)
 *   the rank rule stays: the first available backend by `speedRank`;
 * - `ACTLAB_AUTO_BACKEND=rank` keeps the rank rule always, `=remeasure`
 *   measures again and replaces the cached entry (e.g. after measuring on a busy
 *   machine); unset or `measure` is the default;
 * - a resumed run keeps the backend its checkpoint trained on (`pinned`) when
 *   that one is available here, and says so loudly when it is not.
 *
 * Candidates are timed one after the other in this process, each disposed before
 * the next compiles (no idle ORT pool alive beside the one timed: after an ORT
 * session is released its pool worker is gone and no thread of the process is
 * left running, as /proc/self/task showed on the 2-core Xeon). A child process
 * per candidate would isolate them further, but costs a Deno start and the task's
 * data load per candidate, and would need every task rebuildable from the
 * configuration alone (a task given in code is not).
 * @module
 */
import type { Availability, Backend } from "../backends/backend.ts";
import { getBackend, listBackends, probeAll } from "../backends/registry.ts";
import { ActlabError } from "../core/errors.ts";
import { envVar } from "../core/env.ts";
import { defaultCacheDir } from "../data/locate.ts";
import { AUTO_CACHE_FILE, keyHash, readAutoCache, writeAutoCache } from "./auto_cache.ts";
import type { TrainConfig } from "./config.ts";
import { taskInputShape } from "./run.ts";
import { timeTrainStep } from "./step_timer.ts";
import type { Task } from "./task.ts";

/** The backends `auto` times against each other, in the order they are timed. */
export const AUTO_CANDIDATES: readonly string[] = ["ort-cpu", "onednn-cpu"];

/** The environment variable selecting `auto`'s rule: `measure` (default), `rank`, `remeasure`. */
export const AUTO_BACKEND_ENV = "ACTLAB_AUTO_BACKEND";

/** How a run's backend was chosen (config.json `backendChoice`, summary.json `backend_choice`). */
export interface BackendChoice {
  /** The backend that runs. */
  readonly backend: string;
  /**
   * `named` (asked for by name), `given` (a Backend object passed in code),
   * `rank` (auto: first available by speed rank), `measured` (auto: timed now),
   * `cached` (auto: timed before, read from the cache), `resumed` (auto: the
   * checkpoint's backend).
   */
  readonly rule: "named" | "given" | "rank" | "measured" | "cached" | "resumed";
  /** One line: why. */
  readonly reason: string;
  /** Median milliseconds per training step by candidate (measured or cached). */
  readonly msPerStep?: Readonly<Record<string, number>>;
  /** The cache file the measurement is kept in. */
  readonly cacheFile?: string;
}

/**
 * Times one candidate: median milliseconds per training step (tests inject a
 * fake). `stopAboveMs` is twice the fastest candidate's so far: a slower step
 * may end the timing early, returning that step's time (it has lost anyway).
 */
export type StepTimer = (
  backend: Backend,
  config: TrainConfig,
  task: Task,
  stopAboveMs: number,
) => Promise<number>;

/** Options of `chooseAutoBackend`. */
export interface AutoBackendOptions {
  /** The backend a resumed run trained on (its checkpoint's `backend`). */
  readonly pinned?: string;
  /** Environment lookup (default `Deno.env.get`; denied access reads as unset). */
  readonly env?: (name: string) => string | undefined;
  /** The folder of the cache file (default `$XDG_CACHE_HOME/actlab`, else `~/.cache/actlab`; null: no cache). */
  readonly cacheDir?: string | null;
  /** The timer (default `timeTrainStep`). */
  readonly timer?: StepTimer;
  /** Warnings and progress notes (default `console.error`). */
  readonly log?: (line: string) => void;
}

function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

/**
 * What changes the answer: the machine (host, CPU, cores), the step graph
 * (model, activation, regulariser and their options, task and its input
 * shape, classes, batch), thread settings, and each candidate's availability
 * line (its version, threads and — for onednn-cpu — which ops run on oneDNN).
 */
export function autoCacheKey(
  config: TrainConfig,
  task: Task,
  candidates: readonly { name: string; availability: Availability }[],
  env: (name: string) => string | undefined,
): Record<string, unknown> {
  return {
    machine: {
      host: hostName(),
      cpu: cpuModel(),
      cores: navigator.hardwareConcurrency,
      os: Deno.build.os,
      arch: Deno.build.arch,
    },
    model: config.model,
    modelOptions: config.modelOptions,
    activation: config.activation,
    activationOptions: config.activationOptions,
    regulariser: config.regulariser,
    regulariserOptions: config.regulariserOptions,
    task: config.task,
    dataset: config.dataset,
    inputShape: taskInputShape(task),
    numClasses: task.numClasses,
    batch: config.batchSize,
    threads: Object.fromEntries(
      ["ACTLAB_THREADS", "OMP_NUM_THREADS", "ACTLAB_ORT_THREADS"].map((n) => [n, env(n) ?? null]),
    ),
    backends: Object.fromEntries(candidates.map((c) => [c.name, c.availability.reason])),
  };
}

const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms/step`;

function versus(winner: string, times: Readonly<Record<string, number>>): string {
  const others = Object.entries(times).filter(([n]) => n !== winner)
    .map(([n, t]) => `${n} ${ms(t)}`);
  return `${ms(times[winner])}${others.length ? ` vs ${others.join(", ")}` : ""}`;
}

/**
 * Resolve `auto` for a training run of `config` on `task` (the rule above).
 * Throws only when no backend is available or every candidate fails to compile.
 */
export async function chooseAutoBackend(
  config: TrainConfig,
  task: Task,
  options: AutoBackendOptions = {},
): Promise<{ backend: Backend; choice: BackendChoice }> {
  const env = options.env ?? envVar;
  const log = options.log ?? ((line: string) => console.error(line));
  const mode = env(AUTO_BACKEND_ENV) || "measure";
  if (!["measure", "rank", "remeasure"].includes(mode)) {
    throw new ActlabError(
      `${AUTO_BACKEND_ENV}="${mode}" is not a rule of --backend auto`,
      `set it to measure (the default), rank or remeasure, or unset it`,
    );
  }
  const probes = await probeAll();
  const available = probes.filter((p) => p.availability.available);
  if (available.length === 0) {
    throw new ActlabError(
      "no backend is available",
      "the reference backend should always be; reinstall actlab",
    );
  }
  if (options.pinned !== undefined) {
    const kept = available.find((p) => p.name === options.pinned);
    if (kept) {
      return {
        backend: getBackend(kept.name),
        choice: {
          backend: kept.name,
          rule: "resumed",
          reason: "the checkpoint's backend: a resumed run keeps its backend",
        },
      };
    }
    const why = listBackends().includes(options.pinned)
      ? probes.find((p) => p.name === options.pinned)!.availability.reason
      : "not registered";
    log(
      `warning: the checkpoint trained on backend ${options.pinned}, unavailable here (${why}); ` +
        `auto chooses again, and the resumed run continues on another backend`,
    );
  }
  const best = available[0];
  const rank = (reason: string) => ({
    backend: getBackend(best.name),
    choice: { backend: best.name, rule: "rank" as const, reason },
  });
  if (mode === "rank") return rank(`${AUTO_BACKEND_ENV}=rank: the first available by speed rank`);
  if (!AUTO_CANDIDATES.includes(best.name)) {
    return rank(
      `the first available by speed rank (only ${AUTO_CANDIDATES.join(" and ")} are timed)`,
    );
  }
  const candidates = AUTO_CANDIDATES.map((n) => available.find((p) => p.name === n))
    .filter((p) => p !== undefined);
  if (candidates.length < 2) {
    return rank(`the only available one of ${AUTO_CANDIDATES.join(", ")}`);
  }

  const dir = options.cacheDir === undefined ? defaultCacheDir(env) : options.cacheDir;
  const file = dir === null ? undefined : `${dir}/${AUTO_CACHE_FILE}`;
  const key = autoCacheKey(config, task, candidates, env);
  const hash = await keyHash(key);
  if (file && mode === "measure") {
    const hit = (await readAutoCache(file, log))[hash];
    if (hit && candidates.some((c) => c.name === hit.backend)) {
      return {
        backend: getBackend(hit.backend),
        choice: {
          backend: hit.backend,
          rule: "cached",
          reason: `${
            versus(hit.backend, hit.msPerStep)
          }, measured ${hit.measuredAt}; cached in ${file}`,
          msPerStep: hit.msPerStep,
          cacheFile: file,
        },
      };
    }
  }

  const timer = options.timer ??
    ((b, c, t, stopAboveMs) => timeTrainStep(b, c, t, { stopAboveMs }));
  log(
    `backend auto: timing the training step on ${
      candidates.map((c) => c.name).join(" and ")
    } (once per machine, model and batch${file ? "; cached" : ""})`,
  );
  const times: Record<string, number> = {};
  let firstError: unknown;
  for (const c of candidates) {
    const best = Math.min(...Object.values(times));
    try {
      times[c.name] = await timer(getBackend(c.name), config, task, 2 * best);
    } catch (e) {
      firstError ??= e;
      log(`warning: backend auto: timing ${c.name} failed (${(e as Error).message}); skipped`);
    }
  }
  const timed = Object.entries(times).filter(([, t]) => Number.isFinite(t) && t > 0);
  if (timed.length === 0) {
    throw firstError ??
      new ActlabError(
        "backend auto: no candidate could be timed",
        `name a backend with --backend, or set ${AUTO_BACKEND_ENV}=rank`,
      );
  }
  const winner = timed.reduce((a, b) => (b[1] < a[1] ? b : a))[0];
  const msPerStep = Object.fromEntries(timed);
  const cached = file !== undefined &&
    await writeAutoCache(
      file,
      hash,
      { key, backend: winner, msPerStep, measuredAt: new Date().toISOString() },
      log,
    );
  return {
    backend: getBackend(winner),
    choice: {
      backend: winner,
      rule: "measured",
      reason: `${versus(winner, msPerStep)}, measured${cached ? `; cached in ${file}` : ""}`,
      msPerStep,
      ...(cached ? { cacheFile: file } : {}),
    },
  };
}
