/**
 * A generated graph with known structure: a stochastic block model (SBM)
 * with class-correlated node features. Node i belongs to block
 * `floor(i·K/N)` (the labels are the blocks); each unordered pair of
 * distinct nodes is an edge with probability `pIn` inside a block and `pOut`
 * across blocks; a node's features are its block's prototype (drawn from
 * N(0, signal²) per feature) plus N(0, 1) noise. So both the edges and the
 * features carry the label, and a GNN that aggregates neighbours should beat
 * a per-node classifier. The split is a seeded permutation of the nodes:
 * `trainFraction`, `valFraction`, the rest test.
 *
 * Everything is a function of (seed, options): the same seed gives the same
 * graph. Pair sampling is O(N²), meant for graphs up to a few thousand nodes.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { Rng } from "../../core/rng.ts";
import type { GraphData, GraphDatasetLoader } from "./types.ts";

/** Sizes and probabilities of a generated SBM graph. */
export interface SbmOptions {
  /** Nodes N (default 600). */
  readonly numNodes?: number;
  /** Blocks = classes K (default 3). */
  readonly numClasses?: number;
  /** Feature width F (default 16). */
  readonly numFeatures?: number;
  /** Edge probability inside a block (default 0.03). */
  readonly pIn?: number;
  /** Edge probability across blocks (default 0.01). */
  readonly pOut?: number;
  /** Standard deviation of the block prototypes (feature signal against unit noise; default 0.3). */
  readonly signal?: number;
  /** Fraction of nodes in the training split (default 0.3). */
  readonly trainFraction?: number;
  /** Fraction of nodes in the validation split (default 0.2). */
  readonly valFraction?: number;
  /** Seed (default 0). */
  readonly seed?: number;
}

/** The defaults of `SbmOptions`. */
export const SBM_DEFAULTS: Readonly<Required<SbmOptions>> = {
  numNodes: 600,
  numClasses: 3,
  numFeatures: 16,
  pIn: 0.03,
  pOut: 0.01,
  signal: 0.3,
  trainFraction: 0.3,
  valFraction: 0.2,
  seed: 0,
};

/** Domain tag: SBM draws never coincide with other draws of the same seed. */
const TAG = 0x73626d; // "sbm"

function check(ok: boolean, what: string): void {
  if (!ok) throw new ActlabError(`sbm graph: ${what}`, "pass options within the stated ranges");
}

/** Generate an SBM graph (deterministic from `options.seed`). */
export function sbmGraph(options: SbmOptions = {}): GraphData {
  const o = { ...SBM_DEFAULTS, ...options };
  const { numNodes: n, numClasses: k, numFeatures: f } = o;
  check(Number.isInteger(n) && n >= 2 && n <= 20000, `numNodes must be in [2, 20000], got ${n}`);
  check(Number.isInteger(k) && k >= 2 && k <= n, `numClasses must be in [2, numNodes], got ${k}`);
  check(Number.isInteger(f) && f >= 1, `numFeatures must be a positive integer, got ${f}`);
  for (const [name, p] of [["pIn", o.pIn], ["pOut", o.pOut]] as const) {
    check(p >= 0 && p <= 1, `${name} must be in [0, 1], got ${p}`);
  }
  check(o.signal >= 0, `signal must be >= 0, got ${o.signal}`);
  check(
    o.trainFraction > 0 && o.valFraction >= 0 && o.trainFraction + o.valFraction < 1,
    `train (${o.trainFraction}) and val (${o.valFraction}) fractions must leave a test split`,
  );
  const rng = Rng.fromSeed(o.seed).fold(TAG);
  const labels = Int32Array.from({ length: n }, (_, i) => Math.floor((i * k) / n));
  const src: number[] = [], dst: number[] = [];
  const pairs = rng.fold(1);
  for (let i = 0; i < n - 1; i++) {
    const u = pairs.fold(i).uniform(n - 1 - i);
    for (let j = i + 1; j < n; j++) {
      if (u[j - i - 1] < (labels[i] === labels[j] ? o.pIn : o.pOut)) {
        src.push(i, j);
        dst.push(j, i);
      }
    }
  }
  const proto = rng.fold(2).normal(k * f, 0, o.signal);
  const features = rng.fold(3).normal(n * f);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < f; c++) features[i * f + c] += proto[labels[i] * f + c];
  }
  const order = rng.fold(4).permutation(n);
  const nTrain = Math.max(1, Math.round(o.trainFraction * n));
  const nVal = Math.round(o.valFraction * n);
  const sorted = (a: Int32Array) => a.slice().sort();
  return {
    name: "sbm",
    numNodes: n,
    numFeatures: f,
    features,
    edgeSrc: Int32Array.from(src),
    edgeDst: Int32Array.from(dst),
    edgeWeight: null,
    labels,
    numClasses: k,
    classNames: Array.from({ length: k }, (_, c) => `block${c}`),
    splits: {
      train: sorted(order.subarray(0, nTrain)),
      val: sorted(order.subarray(nTrain, nTrain + nVal)),
      test: sorted(order.subarray(nTrain + nVal)),
    },
    primaryMetric: "top1",
    source: "generated",
  };
}

/** The `sbm` graph dataset: `sbmGraph` with its defaults and the run's seed. */
export const sbmDataset: GraphDatasetLoader = {
  name: "sbm",
  description:
    "generated stochastic block model: 600 nodes, 3 blocks, 16 class-correlated features",
  load: (options) => Promise.resolve(sbmGraph({ seed: options.seed ?? 0 })),
};
