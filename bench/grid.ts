/**
 * The benchmark grid behind `deno task bench:table`: which activations,
 * shapes, models and backends are measured, at which batch, and how a case
 * is named so that `deno bench --json` rows can be parsed back into cases.
 *
 * Knobs (environment variables, read once):
 * - `ACTLAB_BENCH_QUICK=1`: relu, gelu, dpa only; mlp, convnet, vit_micro; fewer repetitions.
 * - `ACTLAB_BENCH_PAPER=1`: the DPA paper's setting (NVIDIA A40): ViT-Tiny and ResNet-18 at
 *   3×224×224, batch 1024, and the activation shapes of those models at that batch. Meant for a
 *   GPU machine with `ACTLAB_BENCH_BACKENDS=webgpu` or `ort-cuda`; never on by default.
 * - `ACTLAB_BENCH_BACKENDS`, `ACTLAB_BENCH_MODELS`, `ACTLAB_BENCH_ACTIVATIONS`: comma lists
 *   restricting the grid (default: everything registered).
 * - `ACTLAB_BENCH_BATCH`: model batch on every backend (overrides the per-speed defaults).
 * - `ACTLAB_BENCH_SLOW`: comma list of extra backend names to treat as slow (small batches).
 * - `ACTLAB_BENCH_SLOW_FULL=1`: on slow backends, every activation on every model (by default
 *   only `mlp` and `convnet` run all of them there, the others relu and dpa, to fit the budget).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Availability } from "../backends/backend.ts";

/** Activation-alone input layouts: the ViT-Tiny MLP hidden and a ResNet-18 stage. */
export type Layout = "tokens" | "nchw";

/** One activation applied alone to a tensor. */
export interface ActivationCase {
  readonly kind: "act";
  readonly backend: string;
  readonly activation: string;
  readonly layout: Layout;
  /** Full tensor shape, batch first. */
  readonly shape: readonly number[];
  /** `fwd`: y = act(x); `fwdbwd`: y and dx (and parameter gradients, state updates). */
  readonly mode: "fwd" | "fwdbwd";
}

/** A model's whole step. */
export interface ModelCase {
  readonly kind: "model";
  readonly backend: string;
  readonly model: string;
  readonly activation: string;
  /** `train`: forward, losses, backward, AdamW; `eval`: inference forward. */
  readonly phase: "train" | "eval";
  readonly batch: number;
  readonly image: readonly [number, number, number];
  readonly classes: number;
}

/** Anything the grid measures. */
export type BenchCase = ActivationCase | ModelCase;

/** The resolved knobs. */
export interface GridOptions {
  readonly quick: boolean;
  readonly paper: boolean;
  readonly backends: readonly string[] | null;
  readonly models: readonly string[] | null;
  readonly activations: readonly string[] | null;
  readonly batch: number | null;
  readonly slow: readonly string[];
  readonly slowFull: boolean;
}

function list(v: string | undefined): string[] | null {
  if (v === undefined || v.trim() === "") return null;
  return v.split(",").map((s) => s.trim()).filter((s) => s);
}

/** Read the knobs from `env` (defaults to the process environment). */
export function gridOptions(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): GridOptions {
  const flag = (name: string) => {
    const v = env(name);
    if (v === undefined || v === "" || v === "0") return false;
    if (v === "1" || v === "true") return true;
    throw new ActlabError(`${name}=${v} is not a flag`, `set ${name}=1 or leave it unset`);
  };
  const batchText = env("ACTLAB_BENCH_BATCH");
  const batch = batchText ? Number(batchText) : null;
  if (batch !== null && !(Number.isInteger(batch) && batch >= 1)) {
    throw new ActlabError(
      `ACTLAB_BENCH_BATCH=${batchText} is not a positive integer`,
      "e.g. ACTLAB_BENCH_BATCH=16",
    );
  }
  return {
    quick: flag("ACTLAB_BENCH_QUICK"),
    paper: flag("ACTLAB_BENCH_PAPER"),
    backends: list(env("ACTLAB_BENCH_BACKENDS")),
    models: list(env("ACTLAB_BENCH_MODELS")),
    activations: list(env("ACTLAB_BENCH_ACTIVATIONS")),
    batch,
    slow: list(env("ACTLAB_BENCH_SLOW")) ?? [],
    slowFull: flag("ACTLAB_BENCH_SLOW_FULL"),
  };
}

// Software renderers and pure-JS kernels: these get small batches so the whole run fits.
const SLOW_NAMES = new Set(["reference", "tfjs-cpu", "tfjs-wasm"]);
const SOFTWARE_DEVICE = /llvmpipe|lavapipe|swiftshader|software/i;

/** Whether `backend` (with its probe result) is measured at the small batches. */
export function isSlow(backend: string, availability: Availability, o: GridOptions): boolean {
  return SLOW_NAMES.has(backend) || o.slow.includes(backend) ||
    SOFTWARE_DEVICE.test(availability.reason);
}

const QUICK_ACTIVATIONS = ["relu", "gelu", "dpa"];
const QUICK_MODELS = ["mlp", "convnet", "vit_micro"];
const PAPER_MODELS = ["vit_tiny", "resnet18"];

function pick(all: readonly string[], only: readonly string[] | null, what: string): string[] {
  if (!only) return [...all];
  for (const n of only) {
    if (!all.includes(n)) {
      throw new ActlabError(`unknown ${what} "${n}" in the bench grid`, `use: ${all.join(", ")}`);
    }
  }
  return all.filter((n) => only.includes(n));
}

/** Activation names in the grid (relu first: it is every group's baseline). */
export function gridActivations(all: readonly string[], o: GridOptions): string[] {
  const names = pick(all, o.activations, "activation")
    .filter((n) => !o.quick || o.activations || QUICK_ACTIVATIONS.includes(n));
  return names.sort((a, b) => (a === "relu" ? -1 : b === "relu" ? 1 : a.localeCompare(b)));
}

const BIG_MODELS = ["vit_tiny", "resnet18"];
// On slow backends only the two cheapest models run every activation (the time budget).
const SLOW_FULL_MODELS = ["mlp", "convnet"];

/**
 * Activations of one model on one backend: on slow backends only `mlp` and `convnet` run every
 * activation, the other models relu and dpa (a resnet18 step at batch 2 takes seconds on the
 * reference backend), unless `ACTLAB_BENCH_SLOW_FULL=1` or an explicit activation list asks
 * for more.
 */
export function modelActivations(
  activations: readonly string[],
  model: string,
  slow: boolean,
  o: GridOptions,
): string[] {
  if (!slow || o.slowFull || o.activations || SLOW_FULL_MODELS.includes(model)) {
    return [...activations];
  }
  return activations.filter((a) => a === "relu" || a === "dpa");
}

/** Model names in the grid. */
export function gridModels(all: readonly string[], o: GridOptions): string[] {
  const base = o.paper ? PAPER_MODELS : o.quick ? QUICK_MODELS : all;
  return pick(all, o.models, "model").filter((n) => o.models || base.includes(n));
}

/** Backend names in the grid (every registered one unless restricted). */
export function gridBackends(all: readonly string[], o: GridOptions): string[] {
  return pick(all, o.backends, "backend");
}

/** Activation-alone shapes for a backend: full batch on fast backends, 4 on slow ones. */
export function activationShapes(slow: boolean, o: GridOptions): Record<Layout, number[]> {
  if (o.paper) {
    // ViT-Tiny at 224 (patch 16: 197 tokens, MLP hidden 768); ResNet-18's layer2 at 224.
    return { tokens: [1024, 197, 768], nchw: [1024, 128, 28, 28] };
  }
  const b = slow ? 4 : 64;
  return { tokens: [b, 65, 768], nchw: [b, 128, 16, 16] };
}

/** Model input: CIFAR-sized by default, 224×224 in paper mode. */
export function modelInput(o: GridOptions): {
  image: [number, number, number];
  classes: number;
} {
  return o.paper ? { image: [3, 224, 224], classes: 1000 } : { image: [3, 32, 32], classes: 100 };
}

/** Model batch for a backend. */
export function modelBatch(slow: boolean, o: GridOptions): number {
  if (o.batch) return o.batch;
  if (o.paper) return 1024;
  if (slow) return 2;
  return o.quick ? 8 : 16;
}

/**
 * Timed iterations passed to `Deno.bench` (`n`; Deno runs at least two). Fast backends get an
 * untimed warm-up run first; slow ones do not (their first timed run is the warm-up, which the
 * reported minimum leaves out). Cheap cases on fast backends get more runs: on a shared CPU the
 * minimum of more runs is steadier.
 */
export function iterations(c: BenchCase, slow: boolean, o: GridOptions): number {
  if (slow || o.paper) return 1;
  const cheap = c.kind === "act" || !BIG_MODELS.includes(c.model);
  return cheap ? (o.quick ? 2 : 4) : (o.quick ? 1 : 2);
}

/** Whether a case gets an untimed warm-up run before the timed ones. */
export function warmUp(slow: boolean): boolean {
  return !slow;
}

const fmtShape = (s: readonly number[]) => `[${s.join(",")}]`;

/** The `Deno.bench` name of a case: `key=value` fields separated by spaces, parsed by `parseCaseName`. */
export function caseName(c: BenchCase): string {
  if (c.kind === "act") {
    return `act=${c.activation} layout=${c.layout} shape=${fmtShape(c.shape)} mode=${c.mode} ` +
      `backend=${c.backend}`;
  }
  return `model=${c.model} act=${c.activation} phase=${c.phase} batch=${c.batch} ` +
    `image=${fmtShape(c.image)} classes=${c.classes} backend=${c.backend}`;
}

/** The `Deno.bench` group of a case: the same work with different activations (relu is baseline). */
export function caseGroup(c: BenchCase): string {
  return c.kind === "act"
    ? `${c.backend} ${c.layout} ${fmtShape(c.shape)} ${c.mode}`
    : `${c.backend} ${c.model} ${c.phase} batch ${c.batch}`;
}

function shapeField(v: string | undefined, name: string): number[] {
  const m = v?.match(/^\[([\d,]+)\]$/);
  if (!m) throw new ActlabError(`bench name field ${name}=${v} is not a shape`, "");
  return m[1].split(",").map(Number);
}

/** Parse a name made by `caseName`; null for benches outside the grid (other bench files). */
export function parseCaseName(name: string): BenchCase | null {
  const f: Record<string, string> = {};
  for (const part of name.split(" ")) {
    const eq = part.indexOf("=");
    if (eq > 0) f[part.slice(0, eq)] = part.slice(eq + 1);
  }
  if (f.model && f.act && f.phase && f.backend) {
    const image = shapeField(f.image, "image");
    if (image.length !== 3) return null;
    return {
      kind: "model",
      backend: f.backend,
      model: f.model,
      activation: f.act,
      phase: f.phase === "eval" ? "eval" : "train",
      batch: Number(f.batch),
      image: [image[0], image[1], image[2]],
      classes: Number(f.classes),
    };
  }
  if (f.act && f.layout && f.mode && f.backend) {
    return {
      kind: "act",
      backend: f.backend,
      activation: f.act,
      layout: f.layout === "nchw" ? "nchw" : "tokens",
      shape: shapeField(f.shape, "shape"),
      mode: f.mode === "fwd" ? "fwd" : "fwdbwd",
    };
  }
  return null;
}
