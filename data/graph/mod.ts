/**
 * Graph datasets for node classification: the `GraphData` contract and its
 * registry (`types.ts`), and the real-data loaders registered here by name —
 * `dgraphfin` (DGraph-Fin `.npz`), `ogbn-arxiv` (OGB raw CSV), `cora` /
 * `citeseer` / `pubmed` (Planetoid pickles, public split) and the TextGCN
 * corpora `r8` / `r52` / `mr` / `ohsumed` / `20ng` (document–word graph).
 * Each reads `--data-dir` and says in its description and errors which files
 * it needs and where to get them; and the two that need no files, the
 * shipped karate club and the generated `sbm` (`shipped.ts`). Importing this
 * module registers them all.
 * @module
 */
import "./shipped.ts";
import { dgraphfin } from "./dgraphfin.ts";
import { ogbnArxiv } from "./ogbn_arxiv.ts";
import { planetoidLoaders } from "./planetoid.ts";
import { textGcnLoaders } from "./textgcn.ts";
import { type GraphDatasetLoader, registerGraphDataset } from "./types.ts";

/** The loaders this module registers. */
export const REAL_GRAPH_DATASETS: readonly GraphDatasetLoader[] = [
  dgraphfin,
  ogbnArxiv,
  ...planetoidLoaders,
  ...textGcnLoaders,
];
for (const loader of REAL_GRAPH_DATASETS) registerGraphDataset(loader);

export {
  getGraphDataset,
  type GraphData,
  type GraphDatasetLoader,
  type GraphLoadOptions,
  type GraphPrimaryMetric,
  listGraphDatasets,
  registerGraphDataset,
} from "./types.ts";
export { loadDGraphFinFile } from "./dgraphfin.ts";
export { karateGraph } from "./karate.ts";
export { SBM_DEFAULTS, sbmGraph, type SbmOptions } from "./synthetic.ts";
export { loadOgbnArxiv } from "./ogbn_arxiv.ts";
export { loadPlanetoidDir, type PlanetoidName } from "./planetoid.ts";
export {
  buildTextGcnGraph,
  readTextGcnCorpus,
  TEXTGCN_WINDOW,
  type TextGcnDoc,
  type TextGcnOptions,
} from "./textgcn.ts";
