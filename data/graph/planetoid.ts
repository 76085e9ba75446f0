/**
 * Cora, CiteSeer and PubMed in the Planetoid layout (Yang et al., ICML 2016,
 * kimiyoung/planetoid; the files Kipf & Welling's gcn and PyG read):
 *
 *   ind.<name>.x / .tx / .allx   features (scipy csr_matrix) of the labelled
 *                                training nodes / test nodes / all non-test nodes
 *   ind.<name>.y / .ty / .ally   one-hot labels (numpy arrays), same rows
 *   ind.<name>.graph             {node: [neighbours]} (a defaultdict)
 *   ind.<name>.test.index        test node ids, one per line
 *
 * Assembled exactly as PyG's `read_planetoid_data`
 * (torch_geometric/io/planetoid.py) does, the standard public split:
 * - nodes = allx rows then tx rows; then the tx rows are moved to the ids in
 *   test.index (`x[test_index] = x[sorted_test_index]`, labels likewise);
 * - labels = argmax of the one-hot rows (an all-zero row gives 0, as there);
 * - train = 0 .. len(y)−1 (20 per class), val = len(y) .. len(y)+499,
 *   test = the ids in test.index (1,000 nodes);
 * - CiteSeer: test.index has gaps (isolated nodes with no test row), so the
 *   test block spans min..max of test.index and the missing rows get zero
 *   features — as PyG does — and label −1 here (PyG's 0; they are in no split);
 * - edges from the dict, self-loops removed and duplicates merged (PyG's
 *   `edge_index_from_dict`), and both directions listed (the dicts are
 *   already symmetric in the published files, so this changes nothing there).
 * Features are the raw bag-of-words / TF-IDF values; row normalisation
 * (Kipf's `preprocess_features`, PyG's `NormalizeFeatures`) is left to the
 * task. Metric: top-1 accuracy, as the GCN paper reports.
 * The pickles are read by `pickle.ts`, which executes nothing.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { NpyArray } from "../npy.ts";
import { checkNodeIds, undirected } from "./edges.ts";
import { findGraphFiles } from "./files.ts";
import { PickledArray, PickledCsr, type PyValue, unpickle } from "./pickle.ts";
import type { GraphData, GraphDatasetLoader, GraphLoadOptions } from "./types.ts";

/** The three Planetoid citation graphs: registry name → file prefix and PyG folder. */
const DATASETS = {
  cora: { prefix: "cora", folder: "Cora", title: "Cora" },
  citeseer: { prefix: "citeseer", folder: "CiteSeer", title: "CiteSeer" },
  pubmed: { prefix: "pubmed", folder: "PubMed", title: "PubMed" },
} as const;

/** A Planetoid dataset name. */
export type PlanetoidName = keyof typeof DATASETS;

const PARTS = ["x", "y", "tx", "ty", "allx", "ally", "graph"] as const;
const VAL_SIZE = 500;

interface Dense {
  rows: number;
  cols: number;
  values: Float32Array;
}

function bad(file: string, what: string): ActlabError {
  return new ActlabError(
    `${file}: ${what}`,
    "this is not a Planetoid file: fetch the dataset again",
  );
}

function numeric(a: NpyArray): ArrayLike<number> {
  const d = a.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Array.from(d, Number);
  return d as ArrayLike<number>;
}

function toDense(v: PyValue, file: string): Dense {
  if (v instanceof PickledArray && v.array) {
    const a = v.array;
    if (a.shape.length !== 2) {
      throw bad(file, `expected a 2-D array, got shape (${a.shape.join(", ")})`);
    }
    return { rows: a.shape[0], cols: a.shape[1], values: Float32Array.from(numeric(a)) };
  }
  if (v instanceof PickledCsr) {
    const s = v.state;
    const shape = s.get("_shape") ?? s.get("shape");
    const data = s.get("data");
    const indices = s.get("indices");
    const indptr = s.get("indptr");
    if (
      !Array.isArray(shape) || shape.length !== 2 || !(data instanceof PickledArray) ||
      !(indices instanceof PickledArray) || !(indptr instanceof PickledArray) ||
      !data.array || !indices.array || !indptr.array
    ) {
      throw bad(file, "csr_matrix state without _shape, data, indices and indptr");
    }
    const rows = Number(shape[0]);
    const cols = Number(shape[1]);
    const val = numeric(data.array);
    const ind = numeric(indices.array);
    const ptr = numeric(indptr.array);
    if (ptr.length !== rows + 1 || ind.length !== val.length || ptr[rows] !== val.length) {
      throw bad(
        file,
        `inconsistent csr_matrix (shape ${rows}×${cols}, indptr ${ptr.length}, nnz ${val.length})`,
      );
    }
    const values = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let k = ptr[r]; k < ptr[r + 1]; k++) {
        const c = ind[k];
        if (c < 0 || c >= cols) throw bad(file, `csr_matrix column ${c} outside 0..${cols - 1}`);
        values[r * cols + c] += val[k];
      }
    }
    return { rows, cols, values };
  }
  throw bad(file, "expected a numpy array or scipy csr_matrix");
}

function argmaxRows(m: Dense): Int32Array {
  const out = new Int32Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let best = 0;
    for (let c = 1; c < m.cols; c++) {
      if (m.values[r * m.cols + c] > m.values[r * m.cols + best]) best = c;
    }
    out[r] = best;
  }
  return out;
}

async function readPickle(file: string): Promise<PyValue> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (e) {
    throw new ActlabError(`${file}: cannot read (${(e as Error).message})`, "check --data-dir");
  }
  return unpickle(bytes, file);
}

async function readTestIndex(file: string): Promise<Int32Array> {
  const text = await Deno.readTextFile(file);
  const out: number[] = [];
  text.split("\n").forEach((line, i) => {
    const s = line.trim();
    if (s === "") return;
    if (!/^\d+$/.test(s)) throw bad(file, `line ${i + 1}: "${s}" is not a node id`);
    out.push(Number(s));
  });
  if (out.length === 0) throw bad(file, "no test node ids");
  return Int32Array.from(out);
}

/** Load Planetoid dataset `name` from the folder `dir` holding its `ind.<name>.*` files. */
export async function loadPlanetoidDir(name: PlanetoidName, dir: string): Promise<GraphData> {
  const { prefix } = DATASETS[name];
  const path = (part: string) => `${dir}/ind.${prefix}.${part}`;
  const raw = new Map<string, PyValue>();
  for (const part of PARTS) raw.set(part, await readPickle(path(part)));
  const y = toDense(raw.get("y")!, path("y"));
  const allx = toDense(raw.get("allx")!, path("allx"));
  const ally = toDense(raw.get("ally")!, path("ally"));
  let tx = toDense(raw.get("tx")!, path("tx"));
  let ty = toDense(raw.get("ty")!, path("ty"));
  const testIndex = await readTestIndex(path("test.index"));
  const sorted = testIndex.slice().sort();
  const F = allx.cols;
  const K = ally.cols;
  if (tx.cols !== F || ty.cols !== K || y.cols !== K) {
    throw bad(
      dir,
      `ind.${prefix}.*: widths disagree (allx ${F}, tx ${tx.cols}; ally ${K}, ty ${ty.cols}, y ${y.cols})`,
    );
  }
  if (ally.rows !== allx.rows || ty.rows !== tx.rows || y.rows + VAL_SIZE > allx.rows) {
    throw bad(
      dir,
      `ind.${prefix}.*: row counts disagree (allx ${allx.rows}, ally ${ally.rows}, tx ${tx.rows}, ty ${ty.rows}, y ${y.rows})`,
    );
  }
  const missingRow = new Uint8Array(0);
  let padded = missingRow;
  const lo = sorted[0];
  const span = sorted[sorted.length - 1] - lo + 1;
  if (name === "citeseer" && span !== tx.rows) {
    // PyG: tx_ext[sorted_test_index - min] = tx (zero rows for the isolated nodes).
    const txe = new Float32Array(span * F);
    const tye = new Float32Array(span * K);
    padded = new Uint8Array(span).fill(1);
    sorted.forEach((id, k) => {
      txe.set(tx.values.subarray(k * F, (k + 1) * F), (id - lo) * F);
      tye.set(ty.values.subarray(k * K, (k + 1) * K), (id - lo) * K);
      padded[id - lo] = 0;
    });
    tx = { rows: span, cols: F, values: txe };
    ty = { rows: span, cols: K, values: tye };
  }
  if (testIndex.length !== tx.rows && name !== "citeseer") {
    throw bad(
      path("test.index"),
      `${testIndex.length} test ids for ${tx.rows} rows of ind.${prefix}.tx`,
    );
  }
  const n = allx.rows + tx.rows;
  for (const id of testIndex) {
    if (id < allx.rows || id >= n) {
      throw bad(path("test.index"), `test id ${id} outside ${allx.rows}..${n - 1}`);
    }
  }
  const features = new Float32Array(n * F);
  features.set(allx.values);
  features.set(tx.values, allx.rows * F);
  const labels = new Int32Array(n);
  labels.set(argmaxRows(ally));
  const tLabels = argmaxRows(ty);
  for (let k = 0; k < tx.rows; k++) labels[allx.rows + k] = padded[k] ? -1 : tLabels[k];
  // x[test_index] = x[sorted_test_index]: read the right-hand rows before writing.
  const srcRows = new Float32Array(testIndex.length * F);
  const srcLabels = new Int32Array(testIndex.length);
  sorted.forEach((id, k) => {
    srcRows.set(features.subarray(id * F, (id + 1) * F), k * F);
    srcLabels[k] = labels[id];
  });
  testIndex.forEach((id, k) => {
    features.set(srcRows.subarray(k * F, (k + 1) * F), id * F);
    labels[id] = srcLabels[k];
  });

  const graph = raw.get("graph")!;
  if (!(graph instanceof Map)) throw bad(path("graph"), "expected a dict of adjacency lists");
  const src: number[] = [];
  const dst: number[] = [];
  for (const [k, vs] of graph) {
    if (!Array.isArray(vs)) throw bad(path("graph"), `node ${k}: neighbours are not a list`);
    for (const v of vs) {
      src.push(Number(k));
      dst.push(Number(v));
    }
  }
  const s32 = Int32Array.from(src);
  const d32 = Int32Array.from(dst);
  checkNodeIds(s32, d32, n, path("graph"));
  const edges = undirected(s32, d32, n, true);
  return {
    name,
    numNodes: n,
    numFeatures: F,
    features,
    edgeSrc: edges.src,
    edgeDst: edges.dst,
    edgeWeight: null,
    labels,
    numClasses: K,
    classNames: Array.from({ length: K }, (_, i) => String(i)),
    splits: {
      train: Int32Array.from({ length: y.rows }, (_, i) => i),
      val: Int32Array.from({ length: VAL_SIZE }, (_, i) => y.rows + i),
      test: sorted,
    },
    primaryMetric: "top1",
    source: dir,
  };
}

function planetoidLoader(name: PlanetoidName): GraphDatasetLoader {
  const { prefix, folder, title } = DATASETS[name];
  const files = [...PARTS, "test.index"].map((p) => `ind.${prefix}.${p}`);
  return {
    name,
    description:
      `${title} citation graph, Planetoid public split (top-1); reads ind.${prefix}.{x,y,tx,ty,allx,ally,graph,test.index} ` +
      `from --data-dir (github.com/kimiyoung/planetoid data/)`,
    async load(options: GraphLoadOptions): Promise<GraphData> {
      const dir = await findGraphFiles({
        title: `${title} (Planetoid)`,
        slug: "planetoid",
        subdirs: [`${folder}/raw`, folder, "data"],
        files,
        howToGet:
          `download the ind.${prefix}.* files from https://github.com/kimiyoung/planetoid/tree/master/data ` +
          `(PyG fetches the same files) and pass their folder with --data-dir`,
      }, options);
      return await loadPlanetoidDir(name, dir);
    },
  };
}

/** The `cora`, `citeseer` and `pubmed` loaders. */
export const planetoidLoaders: readonly GraphDatasetLoader[] =
  (Object.keys(DATASETS) as PlanetoidName[]).map(
    planetoidLoader,
  );
