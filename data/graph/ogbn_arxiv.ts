/**
 * ogbn-arxiv (Hu et al., "Open Graph Benchmark", NeurIPS 2020): the arXiv CS
 * citation graph, 169,343 papers, 1,166,243 citations, 128-d averaged word
 * embeddings, 40 subject areas, split by year (train ≤ 2017, valid 2018,
 * test ≥ 2019). Read from OGB's raw CSV layout, exactly as
 * `ogb/io/read_graph_raw.py` reads it (no headers, gzip):
 *
 *   raw/node-feat.csv.gz    N rows × 128 floats
 *   raw/edge.csv.gz         E rows "src,dst" (citing → cited)
 *   raw/node-label.csv.gz   N rows, class 0..39
 *   split/time/{train,valid,test}.csv.gz   one node index per row
 *   mapping/labelidx2arxivcategeory.csv.gz (optional: class names)
 *
 * `raw/node_year.csv.gz` is part of the layout but not read (the split files
 * already encode the time split). The graph is made undirected (both
 * directions, duplicates merged), as OGB's arxiv examples do with
 * `adj_t.to_symmetric()` (ogb/examples/nodeproppred/arxiv/gnn.py); the metric
 * is top-1 accuracy (OGB's Evaluator for ogbn-arxiv).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { maybeGunzip } from "../gzip.ts";
import { readNumericCsv } from "./csv.ts";
import { checkNodeIds, undirected } from "./edges.ts";
import { findGraphFiles } from "./files.ts";
import type { GraphData, GraphDatasetLoader, GraphLoadOptions } from "./types.ts";

const NUM_CLASSES = 40;
const FILES = [
  "raw/node-feat.csv.gz",
  "raw/edge.csv.gz",
  "raw/node-label.csv.gz",
  "split/time/train.csv.gz",
  "split/time/valid.csv.gz",
  "split/time/test.csv.gz",
] as const;
const HOW_TO_GET = "download http://snap.stanford.edu/ogb/data/nodeproppred/arxiv.zip (OGB), " +
  "unzip it and pass its folder (the one holding raw/ and split/) with --data-dir";

async function classNames(dir: string): Promise<string[]> {
  const names = Array.from({ length: NUM_CLASSES }, (_, i) => String(i));
  const file = `${dir}/mapping/labelidx2arxivcategeory.csv.gz`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch {
    return names; // optional
  }
  try {
    const text = new TextDecoder().decode(maybeGunzip(bytes, file));
    for (const line of text.split("\n").slice(1)) {
      const [idx, name] = line.split(",");
      const i = Number(idx);
      if (Number.isInteger(i) && i >= 0 && i < NUM_CLASSES && name) names[i] = name.trim();
    }
  } catch {
    return names; // class names are cosmetic; a bad mapping file leaves the indices
  }
  return names;
}

async function readSplit(file: string, numNodes: number): Promise<Int32Array> {
  const t = await readNumericCsv(file, "int32", { cols: 1 });
  for (let i = 0; i < t.values.length; i++) {
    const v = t.values[i];
    if (v < 0 || v >= numNodes) {
      throw new ActlabError(
        `${file}: line ${i + 1}: node ${v} outside 0..${numNodes - 1}`,
        "the split files do not belong with the node files: fetch ogbn-arxiv again",
      );
    }
  }
  return t.values;
}

/** Load ogbn-arxiv from the OGB raw folder `dir` (holding `raw/` and `split/`). */
export async function loadOgbnArxiv(dir: string): Promise<GraphData> {
  const labelFile = `${dir}/raw/node-label.csv.gz`;
  const labels = (await readNumericCsv(labelFile, "int32", { cols: 1 })).values;
  const numNodes = labels.length;
  for (let i = 0; i < numNodes; i++) {
    if (labels[i] < 0 || labels[i] >= NUM_CLASSES) {
      throw new ActlabError(
        `${labelFile}: line ${i + 1}: label ${labels[i]} outside 0..${NUM_CLASSES - 1}`,
        "fetch ogbn-arxiv again",
      );
    }
  }
  const featFile = `${dir}/raw/node-feat.csv.gz`;
  const feat = await readNumericCsv(featFile, "float32", { capacity: numNodes * 128 });
  if (feat.rows !== numNodes) {
    throw new ActlabError(
      `${featFile}: ${feat.rows} rows of features for ${numNodes} labelled nodes (${labelFile})`,
      "one of the two files is cut short: fetch ogbn-arxiv again",
    );
  }
  const edgeFile = `${dir}/raw/edge.csv.gz`;
  const edges = await readNumericCsv(edgeFile, "int32", { cols: 2, capacity: 2 * 1_200_000 });
  const e = edges.rows;
  const src = new Int32Array(e);
  const dst = new Int32Array(e);
  for (let i = 0; i < e; i++) {
    src[i] = edges.values[2 * i];
    dst[i] = edges.values[2 * i + 1];
  }
  checkNodeIds(src, dst, numNodes, edgeFile);
  const both = undirected(src, dst, numNodes);
  return {
    name: "ogbn-arxiv",
    numNodes,
    numFeatures: feat.cols,
    features: feat.values,
    edgeSrc: both.src,
    edgeDst: both.dst,
    edgeWeight: null,
    labels,
    numClasses: NUM_CLASSES,
    classNames: await classNames(dir),
    splits: {
      train: await readSplit(`${dir}/split/time/train.csv.gz`, numNodes),
      val: await readSplit(`${dir}/split/time/valid.csv.gz`, numNodes),
      test: await readSplit(`${dir}/split/time/test.csv.gz`, numNodes),
    },
    primaryMetric: "top1",
    source: dir,
  };
}

/** The `ogbn-arxiv` loader. */
export const ogbnArxiv: GraphDatasetLoader = {
  name: "ogbn-arxiv",
  description: "OGB arXiv citation graph (169k nodes, 40 classes, time split, undirected); reads " +
    "raw/{node-feat,edge,node-label}.csv.gz and split/time/{train,valid,test}.csv.gz from --data-dir " +
    "(OGB's arxiv.zip, unzipped)",
  async load(options: GraphLoadOptions): Promise<GraphData> {
    const dir = await findGraphFiles({
      title: "ogbn-arxiv",
      slug: "ogbn_arxiv",
      subdirs: ["arxiv", "ogbn_arxiv"],
      files: FILES,
      howToGet: HOW_TO_GET,
    }, options);
    return await loadOgbnArxiv(dir);
  },
};
