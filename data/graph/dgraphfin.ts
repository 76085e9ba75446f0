/**
 * DGraph-Fin (Huang et al., "DGraph: A Large-Scale Financial Dataset for
 * Graph Anomaly Detection", NeurIPS 2022 Datasets & Benchmarks): 3,700,550
 * users of a financial platform, 4,300,999 emergency-contact edges, 17
 * features, fraud detection. One file, `dgraphfin.npz`, with the arrays the
 * authors' loader reads (DGraphXinye/DGraphFin_baseline, utils/dgraphfin.py):
 *
 *   x [N, 17] float · y [N] int (0 normal, 1 fraud, 2 and 3 background)
 *   edge_index [E, 2] int ([2, E] also read) · edge_type [E] · edge_timestamp [E]
 *   train_mask / valid_mask / test_mask: node index arrays (int)
 *
 * What this loader does, and where each choice comes from:
 * - labels: 0 and 1 kept; background nodes (2, 3) get −1 (no label), so they
 *   are outside the loss and the metrics but stay in the graph and pass
 *   messages — the baseline trains a 2-class model (`nlabels = 2`) on the
 *   split indices, which hold foreground nodes only;
 * - edges made undirected (both directions, duplicates merged), as the
 *   baseline does with `data.adj_t.to_symmetric()` (gnn.py);
 * - features standardised per column, `(x − mean) / std` with the unbiased
 *   std, as gnn.py does for DGraphFin (a zero-variance column is left at 0
 *   instead of NaN — an assumption; DGraph-Fin has none);
 * - primary metric AUC (gnn.py `eval_metric = 'auc'`, the paper's metric);
 * - `edge_type` and `edge_timestamp` must be present but are not read:
 *   `GraphData` carries no edge attributes.
 * A split index that points at a background node is dropped (`GraphData`
 * splits hold labelled nodes only).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { type NpyArray, npyToFloat32, npyToInt32, openNpz } from "../npy.ts";
import { checkNodeIds, undirected } from "./edges.ts";
import { findGraphFiles } from "./files.ts";
import type { GraphData, GraphDatasetLoader, GraphLoadOptions } from "./types.ts";

const FILE = "dgraphfin.npz";
const ARRAYS = [
  "x",
  "y",
  "edge_index",
  "edge_type",
  "edge_timestamp",
  "train_mask",
  "valid_mask",
  "test_mask",
] as const;
const HOW_TO_GET =
  "download DGraphFin.zip from https://dgraph.xinye.com/dataset (free registration), " +
  "unzip it and pass the folder holding dgraphfin.npz with --data-dir";

function shapeError(file: string, name: string, a: NpyArray, want: string): ActlabError {
  return new ActlabError(
    `${file}: array "${name}" has shape (${a.shape.join(", ")}), expected ${want}`,
    "this is not DGraph-Fin's dgraphfin.npz: fetch it again",
  );
}

/** Column-wise `(x − mean) / std` (unbiased std), in row-major passes (one cache line at a time). */
function standardise(x: Float32Array, n: number, f: number): void {
  const mean = new Float64Array(f);
  const ss = new Float64Array(f);
  for (let i = 0; i < n; i++) for (let c = 0; c < f; c++) mean[c] += x[i * f + c];
  for (let c = 0; c < f; c++) mean[c] /= n;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < f; c++) {
      const d = x[i * f + c] - mean[c];
      ss[c] += d * d;
    }
  }
  const scale = new Float64Array(f);
  for (let c = 0; c < f; c++) scale[c] = n > 1 && ss[c] > 0 ? 1 / Math.sqrt(ss[c] / (n - 1)) : 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < f; c++) x[i * f + c] = (x[i * f + c] - mean[c]) * scale[c];
  }
}

async function splitIndices(
  npz: Awaited<ReturnType<typeof openNpz>>,
  name: string,
  file: string,
  labels: Int32Array,
): Promise<Int32Array> {
  const a = await npz.get(name);
  const n = labels.length;
  let idx: Int32Array;
  if (a.dtype === "b1") {
    if (a.shape.length !== 1 || a.shape[0] !== n) {
      throw shapeError(file, name, a, `(${n},) bool or 1-D indices`);
    }
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (a.data[i]) out.push(i);
    idx = Int32Array.from(out);
  } else {
    if (a.shape.length !== 1) throw shapeError(file, name, a, "1-D node indices");
    idx = npyToInt32(a, `${file} (array "${name}")`);
  }
  let kept = 0;
  for (let k = 0; k < idx.length; k++) {
    const v = idx[k];
    if (v < 0 || v >= n) {
      throw new ActlabError(
        `${file}: array "${name}" element ${k} = ${v} is outside 0..${n - 1}`,
        "fetch dgraphfin.npz again",
      );
    }
    if (labels[v] >= 0) idx[kept++] = v;
  }
  return kept === idx.length ? idx : idx.slice(0, kept);
}

/** Load DGraph-Fin from the `.npz` file `file`. */
export async function loadDGraphFinFile(file: string): Promise<GraphData> {
  const npz = await openNpz(file);
  try {
    const missing = ARRAYS.filter((a) => !npz.names.includes(a));
    if (missing.length) {
      throw new ActlabError(
        `${file}: missing array(s) ${missing.join(", ")} (has: ${npz.names.join(", ")})`,
        "this is not DGraph-Fin's dgraphfin.npz: fetch it again",
      );
    }
    const yArr = await npz.get("y");
    if (yArr.shape.length < 1 || yArr.shape.slice(1).some((d) => d !== 1)) {
      throw shapeError(file, "y", yArr, "(N,) or (N, 1)");
    }
    const y = npyToInt32(yArr, `${file} (array "y")`);
    const n = y.length;
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = y[i];
      if (v === 0 || v === 1) labels[i] = v;
      else if (v === 2 || v === 3) labels[i] = -1;
      else {
        throw new ActlabError(
          `${file}: array "y" element ${i} = ${v}; DGraph-Fin labels are 0, 1 (users) and 2, 3 (background)`,
          "fetch dgraphfin.npz again",
        );
      }
    }
    const xArr = await npz.get("x");
    if (xArr.shape.length !== 2 || xArr.shape[0] !== n) {
      throw shapeError(file, "x", xArr, `(${n}, F)`);
    }
    const numFeatures = xArr.shape[1];
    const features = npyToFloat32(xArr);
    standardise(features, n, numFeatures);

    const eArr = await npz.get("edge_index");
    // The published file holds (E, 2), as the baseline's `edge_index.transpose()` implies;
    // a re-saved PyG-style (2, E) array is read too.
    const rowsOfPairs = eArr.shape.length === 2 && eArr.shape[1] === 2;
    if (!rowsOfPairs && !(eArr.shape.length === 2 && eArr.shape[0] === 2)) {
      throw shapeError(file, "edge_index", eArr, "(E, 2)");
    }
    const flat = npyToInt32(eArr, `${file} (array "edge_index")`);
    const e = rowsOfPairs ? eArr.shape[0] : eArr.shape[1];
    const src = rowsOfPairs ? new Int32Array(e) : flat.slice(0, e);
    const dst = rowsOfPairs ? new Int32Array(e) : flat.slice(e);
    if (rowsOfPairs) {
      for (let k = 0; k < e; k++) {
        src[k] = flat[2 * k];
        dst[k] = flat[2 * k + 1];
      }
    }
    checkNodeIds(src, dst, n, `${file} (array "edge_index")`);
    const both = undirected(src, dst, n);
    return {
      name: "dgraphfin",
      numNodes: n,
      numFeatures,
      features,
      edgeSrc: both.src,
      edgeDst: both.dst,
      edgeWeight: null,
      labels,
      numClasses: 2,
      classNames: ["normal", "fraud"],
      splits: {
        train: await splitIndices(npz, "train_mask", file, labels),
        val: await splitIndices(npz, "valid_mask", file, labels),
        test: await splitIndices(npz, "test_mask", file, labels),
      },
      primaryMetric: "auc",
      source: file,
    };
  } finally {
    npz.close();
  }
}

/** The `dgraphfin` loader. */
export const dgraphfin: GraphDatasetLoader = {
  name: "dgraphfin",
  description:
    "DGraph-Fin fraud detection (3.7M nodes, 2 classes + background nodes labelled -1, " +
    "AUC, undirected); reads dgraphfin.npz from --data-dir (https://dgraph.xinye.com/dataset)",
  async load(options: GraphLoadOptions): Promise<GraphData> {
    const dir = await findGraphFiles({
      title: "DGraph-Fin",
      slug: "dgraphfin",
      subdirs: ["DGraphFin/raw", "DGraphFin", "raw"],
      files: [FILE],
      howToGet: HOW_TO_GET,
    }, options);
    return await loadDGraphFinFile(`${dir}/${FILE}`);
  },
};
