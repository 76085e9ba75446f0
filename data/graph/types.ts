/**
 * The contract between graph dataset loaders (`data/graph/`) and the node
 * classification task (`tasks/node.ts`): one graph held in memory, its node
 * features, directed edges, labels and the split's node indices. Loaders are
 * registered by name and read from a data directory; the task builds the
 * model's feeds from a `GraphData` alone, so a new dataset is one loader.
 * @module
 */
import { Registry } from "../../core/registry.ts";

/** Which metric a dataset reports first, as the papers do (DGraph-Fin: AUC). */
export type GraphPrimaryMetric = "top1" | "auc";

/** A graph for transductive node classification. */
export interface GraphData {
  /** Dataset name, e.g. `cora`. */
  readonly name: string;
  /** Number of nodes N. */
  readonly numNodes: number;
  /** Feature width F (for `features: null`, F = N: one-hot node ids). */
  readonly numFeatures: number;
  /**
   * Node features `[N, F]`, row-major; `null` means the identity (one-hot
   * node ids, as TextGCN uses), so a model's first layer is a learned
   * embedding per node rather than a dense N×N input.
   */
  readonly features: Float32Array | null;
  /**
   * Directed edges `edgeSrc[e] → edgeDst[e]`; an undirected graph lists both
   * directions. No self-loops are implied: models that want them add them.
   */
  readonly edgeSrc: Int32Array;
  /** Destination node of each edge. */
  readonly edgeDst: Int32Array;
  /** Optional positive edge weights (TextGCN's TF-IDF / PMI); `null` = all 1. */
  readonly edgeWeight: Float32Array | null;
  /** Class of each node `[N]`; −1 = no label (e.g. DGraph-Fin's background nodes). */
  readonly labels: Int32Array;
  /** Number of classes K. */
  readonly numClasses: number;
  /** Class names in label order. */
  readonly classNames: readonly string[];
  /** Node indices of each split (labelled nodes only). */
  readonly splits: {
    readonly train: Int32Array;
    readonly val: Int32Array;
    readonly test: Int32Array;
  };
  /** The metric the papers report for this dataset. */
  readonly primaryMetric: GraphPrimaryMetric;
  /** Where the data came from (a path, or `generated` / `shipped`), for logs and summaries. */
  readonly source: string;
}

/** How a graph loader is called. */
export interface GraphLoadOptions {
  /** Directory holding the dataset's files (`--data-dir`); loaders say which files they need. */
  readonly dataDir?: string;
  /** Seed for generated graphs. */
  readonly seed?: number;
}

/** A graph dataset, registered by name. */
export interface GraphDatasetLoader {
  /** Registry name (`--dataset`), e.g. `cora`. */
  readonly name: string;
  /** One line for listings: what it is and which files it reads. */
  readonly description: string;
  /** Read (or build) the graph; a missing or corrupt file is an ActlabError naming it. */
  load(options: GraphLoadOptions): Promise<GraphData>;
}

const graphDatasets = new Registry<GraphDatasetLoader>("graph dataset");

/** Register a graph dataset loader (names are unique). */
export function registerGraphDataset(loader: GraphDatasetLoader): void {
  graphDatasets.register(loader);
}

/** The graph dataset called `name`; unknown names list the valid ones. */
export function getGraphDataset(name: string): GraphDatasetLoader {
  return graphDatasets.get(name);
}

/** Registered graph dataset names, sorted. */
export function listGraphDatasets(): string[] {
  return graphDatasets.names();
}
