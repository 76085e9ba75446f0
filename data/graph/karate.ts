/**
 * Zachary's karate club, shipped in the repo as the always-available offline
 * graph: 34 members, 78 undirected friendships (156 directed edges), two
 * classes — the faction each member joined after the club split.
 *
 * Source of the edge list: W. W. Zachary, "An information flow model for
 * conflict and fission in small groups", J. Anthropological Research 33(4),
 * 1977, as distributed in Newman's network data (`karate.gml`) and
 * NetworkX's `karate_club_graph()`; the labels are NetworkX's `club`
 * attribute (`Mr. Hi` = 0, `Officer` = 1; 17 members each).
 *
 * Features: identity (`features: null`, one-hot node ids), as Kipf &
 * Welling's karate demonstration uses, so a model's first layer is a learned
 * embedding per member.
 *
 * Split (an assumption: the data has none): node id mod 3 — 0 → train
 * (12 nodes, both leaders 0 and 33 included), 1 → val (11), 2 → test (11).
 * @module
 */
import type { GraphData, GraphDatasetLoader } from "./types.ts";

/** Friendships, 1-based as in Zachary's table: each member with the higher-numbered members they know. */
const FRIENDS: Readonly<Record<number, readonly number[]>> = {
  1: [2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 18, 20, 22, 32],
  2: [3, 4, 8, 14, 18, 20, 22, 31],
  3: [4, 8, 9, 10, 14, 28, 29, 33],
  4: [8, 13, 14],
  5: [7, 11],
  6: [7, 11, 17],
  7: [17],
  9: [31, 33, 34],
  10: [34],
  14: [34],
  15: [33, 34],
  16: [33, 34],
  19: [33, 34],
  20: [34],
  21: [33, 34],
  23: [33, 34],
  24: [26, 28, 30, 33, 34],
  25: [26, 28, 32],
  26: [32],
  27: [30, 34],
  28: [34],
  29: [32, 34],
  30: [33, 34],
  31: [33, 34],
  32: [33, 34],
  33: [34],
};

/** 0-based members of Mr. Hi's faction (NetworkX `club == "Mr. Hi"`); the rest joined the Officer. */
const MR_HI = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 16, 17, 19, 21];

/** Number of members. */
export const KARATE_NODES = 34;

/** The karate club graph (edges in both directions, identity features, the id-mod-3 split). */
export function karateGraph(): GraphData {
  const src: number[] = [], dst: number[] = [];
  for (const [a, list] of Object.entries(FRIENDS)) {
    for (const b of list) {
      src.push(Number(a) - 1, b - 1);
      dst.push(b - 1, Number(a) - 1);
    }
  }
  const labels = new Int32Array(KARATE_NODES).fill(1);
  for (const i of MR_HI) labels[i] = 0;
  const ids = (r: number) =>
    Int32Array.from({ length: KARATE_NODES }, (_, i) => i).filter((i) => i % 3 === r);
  return {
    name: "karate",
    numNodes: KARATE_NODES,
    numFeatures: KARATE_NODES,
    features: null,
    edgeSrc: Int32Array.from(src),
    edgeDst: Int32Array.from(dst),
    edgeWeight: null,
    labels,
    numClasses: 2,
    classNames: ["Mr. Hi", "Officer"],
    splits: { train: ids(0), val: ids(1), test: ids(2) },
    primaryMetric: "top1",
    source: "shipped",
  };
}

/** The `karate` graph dataset (shipped, no files). */
export const karateDataset: GraphDatasetLoader = {
  name: "karate",
  description: "Zachary's karate club: 34 nodes, 78 edges, 2 factions, identity features (shipped)",
  load: () => Promise.resolve(karateGraph()),
};
