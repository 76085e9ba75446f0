/**
 * Central finite-difference gradient checks on the reference backend in
 * float64. Each case builds `y = f(x…)`; the check differentiates
 * `loss = Σ y·R` (R a fixed random tensor, so every output element matters)
 * with `core/autodiff` and compares with (L(x+εe) − L(x−εe)) / 2ε.
 *
 * Tolerances: in float64 with ε = 1e-6 the central difference has truncation
 * error ~ε²·|f'''| ≈ 1e-12 and rounding error ~1e-16/ε ≈ 1e-10, so a default
 * of 1e-6 absolute + 1e-5 relative leaves four orders of margin while a wrong
 * VJP (off by a factor, a sign, a transposition) misses by O(1).
 */
import { grad } from "../core/autodiff.ts";
import type { Graph, Tensor } from "../core/graph.ts";
import { Graph as G } from "../core/graph.ts";
import { type DType, type HostTensor, hostTensor, sizeOf } from "../core/host_tensor.ts";
import { cast, constant, mul, sum } from "../core/ops.ts";
import { referenceBackend } from "../backends/reference/mod.ts";

/** One input of a gradient-check case. */
export interface InputSpec {
  shape: number[];
  dtype?: DType;
  /** Explicit values (row-major); otherwise uniform in `range` from a seeded generator. */
  values?: number[];
  /** Range of generated values (default [-1, 1]). */
  range?: [number, number];
  /** Integer values in [lo, hi) for i32 inputs (default [0, 3)). */
  intRange?: [number, number];
  /** Exclude from differentiation even if f32. */
  noGrad?: boolean;
}

/** A gradient-check case. */
export interface GradCase {
  /** The catalogue op this case covers (for the every-op coverage test). */
  op: string;
  /** Short description (shapes, attributes). */
  name: string;
  inputs: InputSpec[];
  build: (...xs: Tensor[]) => Tensor;
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Most elements perturbed per input (random subset beyond this). */
  maxPoints?: number;
  seed?: number;
}

/** Small deterministic generator for test data (independent of core/rng). */
export function lcg(seed: number): () => number {
  let s = (seed >>> 0) || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function makeInput(spec: InputSpec, rand: () => number): HostTensor {
  const dtype = spec.dtype ?? "f32";
  const n = sizeOf(spec.shape);
  if (spec.values) {
    return hostTensor(
      dtype,
      spec.shape,
      dtype === "f32" ? Float64Array.from(spec.values) : spec.values,
    );
  }
  if (dtype === "f32") {
    const [lo, hi] = spec.range ?? [-1, 1];
    return hostTensor(
      "f32",
      spec.shape,
      Float64Array.from({ length: n }, () => lo + (hi - lo) * rand()),
    );
  }
  const [lo, hi] = spec.intRange ?? [0, dtype === "bool" ? 2 : 3];
  return hostTensor(
    dtype,
    spec.shape,
    Array.from({ length: n }, () => lo + Math.floor((hi - lo) * rand())),
  );
}

/** Result details, for messages. */
export interface GradCheckReport {
  checked: number;
  maxAbsErr: number;
}

/** The graph of a case: feeds x0…, outputs `loss`, `y` and `g0…` (gradients of the f32 inputs). */
export interface CaseGraph {
  graph: Graph;
  /** Feed values in float64 (convert for f32 backends). */
  feeds: Record<string, HostTensor>;
  /** Indices of the differentiated inputs, in `g0…` order. */
  wrtIdx: number[];
}

/** Build a case's graph: y = f(x…), loss = Σ y·R, and the gradients of loss. */
export function buildCaseGraph(c: GradCase): CaseGraph {
  const rand = lcg(c.seed ?? 1234);
  const g: Graph = new G();
  const values = c.inputs.map((s) => makeInput(s, rand));
  const xs = c.inputs.map((s, i) => g.input(`x${i}`, s.shape, s.dtype ?? "f32"));
  let y = c.build(...xs);
  if (y.dtype !== "f32") y = cast(y, "f32");
  const r = hostTensor(
    "f32",
    y.shape,
    Float64Array.from({ length: sizeOf(y.shape) }, () => rand() * 2 - 1),
  );
  const loss = sum(mul(y, constant(y, r)));
  const wrtIdx = c.inputs.map((s, i) => ((s.dtype ?? "f32") === "f32" && !s.noGrad ? i : -1))
    .filter((i) => i >= 0);
  const { grads } = grad(g, loss, wrtIdx.map((i) => xs[i]));
  g.output("loss", loss);
  g.output("y", y);
  grads.forEach((t, k) => g.output(`g${k}`, t));
  const feeds: Record<string, HostTensor> = {};
  values.forEach((v, i) => (feeds[`x${i}`] = v));
  return { graph: g, feeds, wrtIdx };
}

/** Run one case; throws with the worst mismatch when the analytic gradient is wrong. */
export async function gradCheck(c: GradCase): Promise<GradCheckReport> {
  const rand = lcg((c.seed ?? 1234) ^ 0x5bd1e995);
  const eps = c.eps ?? 1e-6;
  const atol = c.atol ?? 1e-6;
  const rtol = c.rtol ?? 1e-5;
  const { graph: g, feeds, wrtIdx } = buildCaseGraph(c);
  const values = c.inputs.map((_, i) => feeds[`x${i}`]);
  const full = await referenceBackend.compile(g, { precision: "f64" });
  const lossOnly = await referenceBackend.compile(g, { precision: "f64", outputs: ["loss"] });
  const res = await full.run(feeds);
  for (const v of res.y.data) {
    if (!Number.isFinite(v)) {
      throw new Error(`${c.op} (${c.name}): forward produced a non-finite value`);
    }
  }
  let checked = 0;
  let maxAbsErr = 0;
  for (let k = 0; k < wrtIdx.length; k++) {
    const i = wrtIdx[k];
    const x = values[i].data as Float64Array;
    const analytic = res[`g${k}`].data;
    const n = x.length;
    const maxPoints = c.maxPoints ?? 48;
    const points = n <= maxPoints
      ? Array.from({ length: n }, (_, j) => j)
      : Array.from({ length: maxPoints }, () => Math.floor(rand() * n));
    for (const j of points) {
      const orig = x[j];
      x[j] = orig + eps;
      const lp = (await lossOnly.run(feeds)).loss.data[0];
      x[j] = orig - eps;
      const lm = (await lossOnly.run(feeds)).loss.data[0];
      x[j] = orig;
      const numeric = (lp - lm) / (2 * eps);
      const a = analytic[j];
      const err = Math.abs(a - numeric);
      maxAbsErr = Math.max(maxAbsErr, err);
      if (!(err <= atol + rtol * Math.max(Math.abs(a), Math.abs(numeric)))) {
        throw new Error(
          `${c.op} (${c.name}): d loss/d x${i}[${j}] analytic ${a} vs finite-difference ${numeric} (|err| ${err})`,
        );
      }
      checked++;
    }
  }
  return { checked, maxAbsErr };
}
