/**
 * TextGCN's document–word graph (data/graph/textgcn.ts): edge weights on a
 * tiny corpus computed by hand, the same graph as a literal transcription of
 * build_graph.py's window loops on a random corpus, the split, and the
 * loader on the repository's file layout (with its errors).
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { getGraphDataset } from "../data/graph/mod.ts";
import { buildTextGcnGraph, type TextGcnDoc } from "../data/graph/textgcn.ts";
import type { GraphData } from "../data/graph/types.ts";
import { tempTree } from "./graph_files.ts";

function weights(g: GraphData): Map<string, number> {
  const m = new Map<string, number>();
  for (let e = 0; e < g.edgeSrc.length; e++) {
    const key = `${g.edgeSrc[e]}-${g.edgeDst[e]}`;
    assert.ok(!m.has(key), `edge ${key} listed twice`);
    m.set(key, g.edgeWeight![e]);
  }
  return m;
}

Deno.test("textgcn: TF-IDF and PMI weights equal the hand-computed ones on a tiny corpus", () => {
  // Window 3. Documents (node ids): d0 "a b a" (train), d1 "b c" (train), d2 "c a b c" (test).
  // Vocabulary by first appearance: a=0, b=1, c=2 → word nodes 2, 3, 4; the test doc is node 5.
  const docs: TextGcnDoc[] = [
    { test: false, label: "x", text: "a b a" },
    { test: false, label: "y", text: "b c" },
    { test: true, label: "x", text: "c a b c" },
  ];
  const g = buildTextGcnGraph("tiny", docs, "test", { window: 3 });
  assert.equal(g.numNodes, 6);
  assert.equal(g.features, null);
  assert.equal(g.numFeatures, 6);
  const w = weights(g);
  // Windows: "a b a" | "b c" | "c a b", "a b c"  → #W = 4.
  // #W(a) = 3 (w0, w2, w3), #W(b) = 4, #W(c) = 3 (w1, w2, w3).
  // Position pairs: w0 (a,b)×2; w1 (b,c); w2 (c,a)(c,b)(a,b); w3 (a,b)(a,c)(b,c)
  // → #W(a,b) = 4, #W(b,c) = 3, #W(a,c) = 2.
  const pmi = (nij: number, ni: number, nj: number) => Math.log((nij / 4) / (ni * nj / 16));
  assert.ok(pmi(4, 3, 4) > 0 && pmi(3, 4, 3) < 0.0001 && pmi(2, 3, 3) < 0);
  // a–b: log(4·4/(3·4)) = log(4/3) > 0 is kept; b–c: log(3·4/(4·3)) = 0 and a–c < 0 are dropped.
  assert.ok(Math.abs(w.get("2-3")! - Math.log(4 / 3)) < 1e-6);
  assert.ok(Math.abs(w.get("3-2")! - Math.log(4 / 3)) < 1e-6);
  assert.ok(!w.has("3-4") && !w.has("2-4"));
  // TF-IDF = count × log(3 / df): df(a) = 2, df(b) = 3, df(c) = 2.
  const near = (k: string, v: number) =>
    assert.ok(Math.abs(w.get(k)! - v) < 1e-6, `${k}: ${w.get(k)} ≠ ${v}`);
  near("0-2", 2 * Math.log(3 / 2)); // d0–a: a twice in d0
  // b is in every document: idf 0. build_graph.py stores those weight-0 entries; they change
  // nothing in a weighted GCN and GraphData's weights are positive, so they are not edges here.
  assert.ok(!w.has("0-3") && !w.has("1-3") && !w.has("5-3") && !w.has("3-5"));
  near("1-4", Math.log(3 / 2)); // d1–c
  near("5-4", 2 * Math.log(3 / 2)); // test doc d2–c: c twice
  near("4-5", 2 * Math.log(3 / 2)); // and back
  near("5-2", Math.log(3 / 2));
  assert.equal(w.size, 2 + 2 * 4);
  assert.deepEqual([...g.labels], [0, 1, -1, -1, -1, 0]);
  assert.deepEqual([...g.splits.test], [5]);
  assert.deepEqual(g.classNames, ["x", "y"]);
});

/** build_graph.py's PMI and TF-IDF loops, transcribed literally (windows listed one by one). */
function literal(docs: TextGcnDoc[], window: number): Map<string, number> {
  const ordered = [...docs.filter((d) => !d.test), ...docs.filter((d) => d.test)];
  const words = ordered.map((d) => d.text.split(/\s+/).filter(Boolean));
  const vocab: string[] = [];
  for (const ws of words) for (const x of ws) if (!vocab.includes(x)) vocab.push(x);
  const id = (x: string) => vocab.indexOf(x);
  const nTrain = docs.filter((d) => !d.test).length;
  const windows: string[][] = [];
  for (const ws of words) {
    if (ws.length <= window) windows.push(ws);
    else for (let j = 0; j < ws.length - window + 1; j++) windows.push(ws.slice(j, j + window));
  }
  const freq = new Map<string, number>();
  for (const win of windows) for (const x of new Set(win)) freq.set(x, (freq.get(x) ?? 0) + 1);
  const pair = new Map<string, number>();
  for (const win of windows) {
    for (let i = 1; i < win.length; i++) {
      for (let j = 0; j < i; j++) {
        if (id(win[i]) === id(win[j])) continue;
        for (const k of [`${id(win[i])},${id(win[j])}`, `${id(win[j])},${id(win[i])}`]) {
          pair.set(k, (pair.get(k) ?? 0) + 1);
        }
      }
    }
  }
  const out = new Map<string, number>();
  const W = windows.length;
  for (const [k, c] of pair) {
    const [i, j] = k.split(",").map(Number);
    const p = Math.log((c / W) / (freq.get(vocab[i])! * freq.get(vocab[j])! / (W * W)));
    if (p > 0) out.set(`${nTrain + i}-${nTrain + j}`, p);
  }
  words.forEach((ws, d) => {
    const node = d < nTrain ? d : d + vocab.length;
    for (const x of new Set(ws)) {
      const df = words.filter((o) => o.includes(x)).length;
      const v = ws.filter((y) => y === x).length * Math.log(words.length / df);
      if (v === 0) continue; // the one deviation: weight-0 TF-IDF entries are not edges (see above)
      out.set(`${node}-${nTrain + id(x)}`, v);
      out.set(`${nTrain + id(x)}-${node}`, v);
    }
  });
  return out;
}

Deno.test("textgcn: the graph equals a literal transcription of build_graph.py on a random corpus", () => {
  let s = 12345;
  const rand = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n);
  const docs: TextGcnDoc[] = Array.from({ length: 14 }, (_, d) => ({
    test: d % 4 === 3,
    label: `c${rand(3)}`,
    text: Array.from({ length: rand(30) }, () => `w${rand(12)}`).join(" "),
  }));
  for (const window of [5, 20]) {
    const got = weights(buildTextGcnGraph("r", docs, "test", { window }));
    const want = literal(docs, window);
    assert.equal(got.size, want.size, `window ${window}: edge count`);
    for (const [k, v] of want) {
      assert.ok(got.has(k), `window ${window}: missing edge ${k}`);
      assert.ok(
        Math.abs(got.get(k)! - v) <= 1e-5 * Math.max(1, Math.abs(v)),
        `${k}: ${got.get(k)} ≠ ${v}`,
      );
    }
  }
});

Deno.test("textgcn: validation is a seeded 10 % of the training documents", () => {
  const docs: TextGcnDoc[] = Array.from({ length: 45 }, (_, d) => ({
    test: d >= 40,
    label: d % 2 ? "odd" : "even",
    text: `w${d % 5} common`,
  }));
  const a = buildTextGcnGraph("s", docs, "t", { seed: 1 });
  const b = buildTextGcnGraph("s", docs, "t", { seed: 1 });
  const c = buildTextGcnGraph("s", docs, "t", { seed: 2 });
  assert.equal(a.splits.val.length, 4); // int(0.1 × 40)
  assert.equal(a.splits.train.length, 36);
  assert.deepEqual([...a.splits.val], [...b.splits.val]);
  assert.notDeepEqual([...a.splits.val], [...c.splits.val]);
  const all = [...a.splits.train, ...a.splits.val].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 40 }, (_, i) => i));
});

Deno.test("textgcn: the r8 loader reads the repository layout; mismatched files are named", async () => {
  const dir = await tempTree({
    "R8.txt": "d0\ttrain\tacq\nd1\ttrain\tearn\nd2\ttest\tacq\n",
    "corpus/R8.clean.txt": "profit rose sharply\nshares fell\nprofit shares\n",
  });
  const g = await getGraphDataset("r8").load({ dataDir: dir });
  assert.equal(g.numNodes, 3 + 5);
  assert.deepEqual(g.classNames, ["acq", "earn"]);
  const bad = await tempTree({
    "R8.txt": "d0\ttrain\tacq\nd1\ttrain\tearn\n",
    "corpus/R8.clean.txt": "one\n",
  });
  await assert.rejects(() => getGraphDataset("r8").load({ dataDir: bad }), (e: unknown) => {
    assert.ok(e instanceof ActlabError);
    assert.match(e.message, /R8\.clean\.txt: 1 documents, but .*R8\.txt lists 2/);
    return true;
  });
  const empty = await Deno.makeTempDir();
  await assert.rejects(
    () => getGraphDataset("20ng").load({ dataDir: empty }),
    /20ng\.txt.*[\s\S]*yao8839836\/text_gcn/,
  );
});
