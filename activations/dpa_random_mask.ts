/**
 * The random-mask control of DPA (`mask: "random"`, `--dpa-mask random`).
 *
 * Question it answers: is it DPA's *memory* mask that helps, or would any
 * extra auxiliary loss on the same number of pooled pre-activations do?
 *
 * Definition, per DPA layer and training step:
 * - the memory mask M [B, C] is computed exactly as DPA does (the memories
 *   update as usual), and n = Σ M is its size;
 * - the candidates are the entries DPA's mask could ever pick, A = (v > τ)
 *   (M ⊆ A, so n ≤ |A|);
 * - the host draws a uniformly random permutation π of the B·C entries from
 *   (run seed, step, layer key) — the dropout-mask scheme, so the draw is
 *   reproducible and identical on every backend;
 * - R keeps the first n candidates in π's order: n entries drawn uniformly
 *   without replacement from A. The channel loss uses R instead of M.
 *
 * In graph, with catalogue ops only: gather A into π's order, an inclusive
 * prefix sum as two small matmuls with constant triangular matrices over an
 * [S, S] blocking of the B·C entries (S = ⌈√(B·C)⌉; exact in f32 since the
 * counts stay far below 2^24), keep entries whose prefix count is ≤ n, and
 * gather back with π⁻¹.
 * @module
 */
import type { Tensor } from "../core/graph.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import {
  add,
  cast,
  constant,
  gather,
  gt,
  le,
  matmul,
  mul,
  pad,
  reshape,
  slice,
  stopGradient,
  sum,
} from "../core/ops.ts";
import { hashName, Rng } from "../core/rng.ts";
import type { BuildContext } from "../plugin/context.ts";

/** Domain word separating these draws from dropout and initialisation. */
const RANDOM_MASK_DOMAIN = hashName("actlab.dpa.random_mask");

/**
 * The permutation (first n entries) and its inverse (last n entries) used at
 * `step` for feed `key` of a run seeded with `seed`. A pure function.
 */
export function randomMaskPermutation(
  seed: number,
  step: number,
  key: string,
  n: number,
): HostTensor {
  const rng = Rng.fromSeed(seed).fold(RANDOM_MASK_DOMAIN).fold(step).fold(hashName(key));
  const perm = rng.permutation(n);
  const data = new Int32Array(2 * n);
  data.set(perm, 0);
  for (let i = 0; i < n; i++) data[n + perm[i]] = i;
  return { dtype: "i32", shape: [2 * n], data };
}

/** Lower-triangular ones (`strict`: zero diagonal) as a constant [s, s]. */
function triangle(like: Tensor, s: number, strict: boolean, upper: boolean): Tensor {
  const data = new Float32Array(s * s);
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) {
      const lower = strict ? j < i : j <= i;
      data[i * s + j] = (upper ? i <= j : lower) ? 1 : 0;
    }
  }
  return constant(like, { dtype: "f32", shape: [s, s], data });
}

/**
 * The random mask R [B, C] (f32 0/1) with as many entries as `memoryMask`,
 * drawn among `pooled > tau` (and, when given, the samples whose `eligible`
 * [B, 1] is 1: the labelled ones of a partial-label task). `pooled` must
 * already be gradient-stopped.
 */
export function randomMask(
  ctx: BuildContext,
  pooled: Tensor,
  memoryMask: Tensor,
  tau: number,
  eligible?: Tensor,
): Tensor {
  const [b, c] = pooled.shape;
  const n = b * c;
  const key = ctx.qualify("random_mask_permutation");
  const perms = ctx.hostFeed(
    key,
    [2 * n],
    "i32",
    (batch) => randomMaskPermutation(batch.seed, batch.step, key, n),
  );
  const perm = slice(perms, [0], [n]);
  const inverse = slice(perms, [n], [2 * n]);
  const count = stopGradient(sum(memoryMask));
  const active = cast(gt(pooled, tau), "f32");
  const candidates = reshape(eligible ? mul(active, eligible) : active, [n]);
  const s = Math.ceil(Math.sqrt(n));
  const inOrder = reshape(pad(gather(candidates, perm, 0), [[0, s * s - n]]), [s, s]);
  // Prefix count in π's order: within each row (x · U), plus all earlier rows (L_strict · row totals).
  const withinRow = matmul(inOrder, triangle(pooled, s, false, true));
  const rowTotals = matmul(
    inOrder,
    constant(pooled, {
      dtype: "f32",
      shape: [s, 1],
      data: new Float32Array(s).fill(1),
    }),
  );
  const before = matmul(triangle(pooled, s, true, false), rowTotals);
  const prefix = add(withinRow, before);
  const keep = mul(inOrder, cast(le(prefix, count), "f32"));
  const flat = slice(reshape(keep, [s * s]), [0], [n]);
  return stopGradient(reshape(gather(flat, inverse, 0), [b, c]));
}
