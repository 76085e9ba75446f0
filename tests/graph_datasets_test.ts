/**
 * The DGraph-Fin (`.npz`) and ogbn-arxiv (OGB raw CSV) loaders on small
 * files the test writes in each dataset's layout: labels, splits, the
 * undirected edge list, feature handling, the lookup under `--data-dir`, and
 * truncated / corrupt / inconsistent files → ActlabError naming the file.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { loadDGraphFinFile } from "../data/graph/dgraphfin.ts";
import { undirected } from "../data/graph/edges.ts";
import { getGraphDataset, listGraphDatasets } from "../data/graph/mod.ts";
import { readNumericCsv } from "../data/graph/csv.ts";
import { gz, npzBytes, tempTree } from "./graph_files.ts";

async function rejectsActlab(
  fn: () => Promise<unknown>,
  ...parts: (string | RegExp)[]
): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof ActlabError, `expected ActlabError, got ${e}`);
    for (const p of parts) {
      if (typeof p === "string") assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
      else assert.match(e.message, p);
    }
    return true;
  });
}

function pairs(g: { edgeSrc: Int32Array; edgeDst: Int32Array }): string[] {
  return [...g.edgeSrc].map((s, e) => `${s}-${g.edgeDst[e]}`);
}

Deno.test("registry: every real graph dataset is registered by name", () => {
  for (
    const n of [
      "dgraphfin",
      "ogbn-arxiv",
      "cora",
      "citeseer",
      "pubmed",
      "r8",
      "r52",
      "mr",
      "ohsumed",
      "20ng",
    ]
  ) {
    assert.ok(listGraphDatasets().includes(n), n);
    assert.ok(getGraphDataset(n).description.length > 20);
  }
});

Deno.test("undirected: both directions, duplicates merged, sorted; self-loops kept once or dropped", () => {
  const src = Int32Array.from([0, 1, 2, 2, 3, 1]);
  const dst = Int32Array.from([1, 0, 3, 2, 0, 0]);
  const u = undirected(src, dst, 4);
  assert.deepEqual(pairs({ edgeSrc: u.src, edgeDst: u.dst }), [
    "0-1",
    "0-3",
    "1-0",
    "2-2",
    "2-3",
    "3-0",
    "3-2",
  ]);
  const v = undirected(src, dst, 4, true);
  assert.ok(!pairs({ edgeSrc: v.src, edgeDst: v.dst }).includes("2-2"));
});

// ---- DGraph-Fin ----

function dgraphArrays(): Record<string, [string, number[], ArrayBufferView]> {
  // 6 nodes, 2 features; y: 0,1 users, 2,3 background.
  return {
    x: ["<f8", [6, 2], new Float64Array([1, 10, 2, 10, 3, 10, 4, 10, 5, 10, 6, 10])],
    y: ["<i8", [6], new BigInt64Array([0n, 1n, 2n, 3n, 1n, 0n])],
    edge_index: ["<i8", [4, 2], new BigInt64Array([0n, 1n, 1n, 2n, 3n, 4n, 1n, 0n])],
    edge_type: ["<i8", [4], new BigInt64Array([1n, 2n, 3n, 4n])],
    edge_timestamp: ["<i8", [4], new BigInt64Array([5n, 6n, 7n, 8n])],
    train_mask: ["<i8", [2], new BigInt64Array([0n, 1n])],
    valid_mask: ["<i8", [2], new BigInt64Array([4n, 2n])], // 2 is background: dropped
    test_mask: ["<i8", [1], new BigInt64Array([5n])],
  };
}

Deno.test("dgraphfin: labels, background −1, splits, undirected edges, standardised features, AUC", async () => {
  for (const deflate of [false, true]) {
    const dir = await tempTree({
      "DGraphFin/raw/dgraphfin.npz": npzBytes(dgraphArrays(), { deflate, zip64: true }),
    });
    const g = await getGraphDataset("dgraphfin").load({ dataDir: dir });
    assert.equal(g.numNodes, 6);
    assert.equal(g.numClasses, 2);
    assert.equal(g.primaryMetric, "auc");
    assert.deepEqual([...g.labels], [0, 1, -1, -1, 1, 0]);
    assert.deepEqual([...g.splits.train], [0, 1]);
    assert.deepEqual([...g.splits.val], [4]);
    assert.deepEqual([...g.splits.test], [5]);
    assert.deepEqual(pairs(g), ["0-1", "1-0", "1-2", "2-1", "3-4", "4-3"]);
    // Column 0 = 1..6: mean 3.5, unbiased std sqrt(3.5); column 1 is constant → 0.
    const std = Math.sqrt(3.5);
    assert.ok(Math.abs(g.features![0] - (1 - 3.5) / std) < 1e-6);
    assert.ok(Math.abs(g.features![10] - (6 - 3.5) / std) < 1e-6);
    assert.equal(g.features![1], 0);
  }
});

Deno.test("dgraphfin: a PyG-style (2, E) edge_index gives the same graph as (E, 2)", async () => {
  const a = dgraphArrays();
  a.edge_index = ["<i8", [2, 4], new BigInt64Array([0n, 1n, 3n, 1n, 1n, 2n, 4n, 0n])];
  const dir = await tempTree({ "dgraphfin.npz": npzBytes(a) });
  const g = await loadDGraphFinFile(`${dir}/dgraphfin.npz`);
  assert.deepEqual(pairs(g), ["0-1", "1-0", "1-2", "2-1", "3-4", "4-3"]);
});

Deno.test("dgraphfin: a missing array, a bad label, an edge past the nodes and a cut file are named errors", async () => {
  const a = dgraphArrays();
  const { edge_type: _, ...noType } = a;
  const badY = {
    ...a,
    y: ["<i8", [6], new BigInt64Array([0n, 1n, 5n, 3n, 1n, 0n])] as [
      string,
      number[],
      ArrayBufferView,
    ],
  };
  const badEdge = {
    ...a,
    edge_index: ["<i8", [1, 2], new BigInt64Array([0n, 6n])] as [string, number[], ArrayBufferView],
  };
  const good = npzBytes(a);
  const dir = await tempTree({
    "notype.npz": npzBytes(noType),
    "bady.npz": npzBytes(badY),
    "badedge.npz": npzBytes(badEdge),
    "cut.npz": good.subarray(0, Math.floor(good.length / 2)),
  });
  await rejectsActlab(() => loadDGraphFinFile(`${dir}/notype.npz`), "notype.npz", "edge_type");
  await rejectsActlab(() => loadDGraphFinFile(`${dir}/bady.npz`), "bady.npz", '"y" element 2 = 5');
  await rejectsActlab(
    () => loadDGraphFinFile(`${dir}/badedge.npz`),
    "badedge.npz",
    "edge 0 (0 → 6)",
  );
  await rejectsActlab(
    () => loadDGraphFinFile(`${dir}/cut.npz`),
    "cut.npz",
    "truncated or corrupt zip",
  );
  const empty = await Deno.makeTempDir();
  await rejectsActlab(
    () => getGraphDataset("dgraphfin").load({ dataDir: empty }),
    "dgraphfin.npz",
    "dgraph.xinye.com",
  );
});

// ---- ogbn-arxiv ----

function arxivFiles(
  over: Record<string, Uint8Array | string> = {},
): Record<string, Uint8Array | string> {
  return {
    "arxiv/raw/node-feat.csv.gz": gz("0.5,-1.25e-1,3\n1e2,0.000001,-7\n2,2,2\n-0.1,0,1.5E+1\n"),
    "arxiv/raw/edge.csv.gz": gz("1,0\n2,0\n2,1\n3,2\n1,0\n"),
    "arxiv/raw/node-label.csv.gz": gz("4\n0\n39\n7\n"),
    "arxiv/raw/node_year.csv.gz": gz("2015\n2016\n2018\n2019\n"),
    "arxiv/split/time/train.csv.gz": gz("0\n1\n"),
    "arxiv/split/time/valid.csv.gz": gz("2\n"),
    "arxiv/split/time/test.csv.gz": gz("3\n"),
    "arxiv/mapping/labelidx2arxivcategeory.csv.gz": gz(
      "label idx,arxiv category\n0,arxiv cs na\n4,arxiv cs ai\n",
    ),
    ...over,
  };
}

Deno.test("ogbn-arxiv: features, labels, time split, class names and undirected edges from OGB's CSVs", async () => {
  const dir = await tempTree(arxivFiles());
  const g = await getGraphDataset("ogbn-arxiv").load({ dataDir: dir });
  assert.equal(g.numNodes, 4);
  assert.equal(g.numFeatures, 3);
  assert.equal(g.numClasses, 40);
  assert.equal(g.primaryMetric, "top1");
  assert.deepEqual([...g.features!], [
    ...new Float32Array([0.5, -0.125, 3, 100, 0.000001, -7, 2, 2, 2, -0.1, 0, 15]),
  ]);
  assert.deepEqual([...g.labels], [4, 0, 39, 7]);
  assert.deepEqual([...g.splits.train], [0, 1]);
  assert.deepEqual([...g.splits.val], [2]);
  assert.deepEqual([...g.splits.test], [3]);
  assert.equal(g.classNames[4], "arxiv cs ai");
  assert.equal(g.classNames[5], "5");
  assert.deepEqual(pairs(g), ["0-1", "0-2", "1-0", "1-2", "2-0", "2-1", "2-3", "3-2"]);
});

Deno.test("ogbn-arxiv: truncated gzip, ragged rows, non-numbers, row-count and range mismatches are named", async () => {
  const feat = gz("0.5,1,3\n".repeat(200));
  const cases: [Record<string, Uint8Array | string>, (string | RegExp)[]][] = [
    [{ "arxiv/raw/node-feat.csv.gz": feat.subarray(0, feat.length - 12) }, [
      "node-feat.csv.gz",
      "truncated gzip",
    ]],
    [{ "arxiv/raw/node-feat.csv.gz": gz("1,2,3\n4,5\n6,7,8\n9,9,9\n") }, [
      "node-feat.csv.gz",
      "line 2: 2 fields, expected 3",
    ]],
    [{ "arxiv/raw/edge.csv.gz": gz("1,0\n2,x\n") }, ["edge.csv.gz", 'line 2: "x" is not a number']],
    [{ "arxiv/raw/node-feat.csv.gz": gz("1,2,3\n4,5,6\n") }, [
      "node-feat.csv.gz",
      "2 rows of features for 4",
    ]],
    [{ "arxiv/raw/edge.csv.gz": gz("1,0\n9,0\n") }, ["edge.csv.gz", "edge 1 (9 → 0)"]],
    [{ "arxiv/raw/node-label.csv.gz": gz("4\n0\n40\n7\n") }, [
      "node-label.csv.gz",
      "label 40 outside 0..39",
    ]],
    [{ "arxiv/split/time/test.csv.gz": gz("4\n") }, ["test.csv.gz", "node 4 outside 0..3"]],
  ];
  for (const [over, parts] of cases) {
    const dir = await tempTree(arxivFiles(over));
    await rejectsActlab(() => getGraphDataset("ogbn-arxiv").load({ dataDir: dir }), ...parts);
  }
  const empty = await Deno.makeTempDir();
  await rejectsActlab(
    () => getGraphDataset("ogbn-arxiv").load({ dataDir: empty }),
    "ogbn-arxiv: data files not found",
    "raw/node-feat.csv.gz",
    "snap.stanford.edu/ogb",
  );
});

Deno.test("csv: plain (uncompressed) files, CRLF and long decimals parse like Number()", async () => {
  const vals = [
    "0.1",
    "1.0000000000000002",
    "-3.4028234663852886e+38",
    "123456789012345678",
    "7e-30",
    "nan",
  ];
  const dir = await tempTree({ "a.csv": vals.join(",") + "\r\n" + vals.join(",") + "\r\n" });
  const t = await readNumericCsv(`${dir}/a.csv`, "float32");
  assert.equal(t.rows, 2);
  assert.deepEqual([...t.values.subarray(0, 6)], [...new Float32Array(vals.map(Number))]);
});

Deno.test("undirected: equals a Set-based reference on a random multigraph with long and short rows", () => {
  let s = 7;
  const rand = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n);
  const n = 60;
  const src = Int32Array.from({ length: 900 }, (_, e) => (e % 3 === 0 ? 0 : rand(n))); // node 0: a long row
  const dst = Int32Array.from({ length: 900 }, () => rand(n));
  const want = new Set<string>();
  src.forEach((a, e) => (want.add(`${a}-${dst[e]}`), want.add(`${dst[e]}-${a}`)));
  const u = undirected(src, dst, n);
  const got = pairs({ edgeSrc: u.src, edgeDst: u.dst });
  const sorted = [...want].sort((x, y) => {
    const [a, b] = x.split("-").map(Number);
    const [c, d] = y.split("-").map(Number);
    return a - c || b - d;
  });
  assert.deepEqual(got, sorted);
});
