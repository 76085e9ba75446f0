/**
 * The safe pickle reader (data/graph/pickle.ts) and the Planetoid loader
 * (data/graph/planetoid.ts). The fixtures in tests/fixtures/graph/planetoid
 * were written once by make_planetoid.py with real pickle (protocol 2 for
 * "cora", 4 for "citeseer" with CiteSeer's test-index gaps), together with
 * what PyG's read_planetoid_data makes of them (expected_<name>.json); the
 * loader must agree with that independent re-implementation exactly.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { getGraphDataset } from "../data/graph/mod.ts";
import { loadPlanetoidDir } from "../data/graph/planetoid.ts";
import { PickledArray, PickledCsr, unpickle } from "../data/graph/pickle.ts";
import { tempTree } from "./graph_files.ts";

const FIX = new URL("./fixtures/graph/", import.meta.url).pathname;
const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

async function rejectsActlab(fn: () => Promise<unknown>, ...parts: string[]): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof ActlabError, `expected ActlabError, got ${e}`);
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
    return true;
  });
}

Deno.test("pickle: plain values, protocol 0 text opcodes and protocol 2 binary ones", () => {
  // protocol 0: (lp0\nI1\naI-2\naF0.5\naS'a\\x41'\np1\na.
  const p0 = unpickle(enc("(lp0\nI1\naI-2\naF0.5\naS'a\\x41'\np1\na."), "p0");
  assert.deepEqual(p0, [1, -2, 0.5, "aA"]);
  // protocol 2: {1: (True, None, 300, 2**40)}
  const p2 = unpickle(
    enc("\x80\x02}q\x00K\x01(\x88NM\x2c\x01\x8a\x06\x00\x00\x00\x00\x00\x01tq\x01s."),
    "p2",
  ) as Map<number, unknown>;
  assert.deepEqual(p2.get(1), [true, null, 300, 2 ** 40]);
});

Deno.test("pickle: a Python 2 style csr_matrix (copy_reg._reconstructor, latin1 str data) is rebuilt", () => {
  const f64 = new Uint8Array(new Float64Array([2.5, -1]).buffer);
  const i32 = new Uint8Array(new Int32Array([1, 0]).buffer);
  const ptr = new Uint8Array(new Int32Array([0, 1, 2]).buffer);
  const arr = (descr: string, n: number, raw: Uint8Array) =>
    "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R" +
    `(K\x01K${
      String.fromCharCode(n)
    }\x85cnumpy\ndtype\nU\x02${descr}K\x00K\x01\x87R(K\x03U\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89` +
    `U${String.fromCharCode(raw.length)}${String.fromCharCode(...raw)}tb`;
  const text =
    "\x80\x02ccopy_reg\n_reconstructor\ncscipy.sparse.csr\ncsr_matrix\nc__builtin__\nobject\nN\x87R}(" +
    "U\x06_shapeK\x02K\x03\x86U\x04data" + arr("f8", 2, f64) + "U\x07indices" + arr("i4", 2, i32) +
    "U\x06indptr" + arr("i4", 3, ptr) + "ub.";
  const m = unpickle(enc(text), "py2.x");
  assert.ok(m instanceof PickledCsr);
  const data = m.state.get("data");
  assert.ok(data instanceof PickledArray && data.array);
  assert.deepEqual([...data.array.data as Float64Array], [2.5, -1]);
  assert.deepEqual(m.state.get("_shape"), [2, 3]);
});

Deno.test("pickle: any other global is refused by name, nothing runs; corrupt input is named", () => {
  const evil = enc("\x80\x02cos\nsystem\nX\x02\x00\x00\x00lsq\x00\x85R.");
  assert.throws(() => unpickle(evil, "ind.cora.x"), (e: unknown) => {
    assert.ok(e instanceof ActlabError);
    assert.match(e.message, /ind\.cora\.x: .*os\.system/);
    return true;
  });
  assert.throws(() => unpickle(enc("\x80\x02cbuiltins\neval\n."), "g"), /builtins\.eval/);
  assert.throws(
    () => unpickle(enc("\x80\x02]q\x00(K\x01K\x02"), "cut.pkl"),
    /cut\.pkl: truncated or corrupt pickle/,
  );
  assert.throws(() => unpickle(enc("\x80\x02\xff"), "op.pkl"), /op\.pkl: .*unknown opcode 0xff/);
});

for (const name of ["cora", "citeseer"] as const) {
  Deno.test(`planetoid: ${name} fixture equals PyG's read_planetoid_data`, async () => {
    const want = JSON.parse(await Deno.readTextFile(`${FIX}expected_${name}.json`));
    const g = await loadPlanetoidDir(name, `${FIX}planetoid`);
    assert.equal(g.numNodes, want.numNodes);
    assert.equal(g.numFeatures, want.numFeatures);
    assert.equal(g.numClasses, want.numClasses);
    assert.deepEqual([...g.features!], want.features);
    assert.deepEqual([...g.labels], want.labels);
    assert.deepEqual([...g.splits.train], want.train);
    assert.deepEqual([...g.splits.val], want.val);
    assert.deepEqual([...g.splits.test], want.test);
    assert.deepEqual([...g.edgeSrc], want.edgeSrc);
    assert.deepEqual([...g.edgeDst], want.edgeDst);
    assert.equal(g.primaryMetric, "top1");
    if (name === "citeseer") {
      assert.ok(g.labels.includes(-1), "isolated CiteSeer nodes have no label");
    }
  });
}

Deno.test("planetoid: the registered loader finds the files under --data-dir and names missing ones", async () => {
  const g = await getGraphDataset("cora").load({ dataDir: `${FIX}planetoid` });
  assert.equal(g.name, "cora");
  const empty = await Deno.makeTempDir();
  await rejectsActlab(
    () => getGraphDataset("pubmed").load({ dataDir: empty }),
    "PubMed (Planetoid)",
    "ind.pubmed.x",
    "kimiyoung/planetoid",
  );
});

Deno.test("planetoid: a truncated pickle and a bad test.index are errors naming the file", async () => {
  const files: Record<string, Uint8Array | string> = {};
  for (const part of ["x", "y", "tx", "ty", "allx", "ally", "graph", "test.index"]) {
    files[`ind.cora.${part}`] = await Deno.readFile(`${FIX}planetoid/ind.cora.${part}`);
  }
  const allx = files["ind.cora.allx"] as Uint8Array;
  const cut = await tempTree({ ...files, "ind.cora.allx": allx.subarray(0, allx.length - 40) });
  await rejectsActlab(() => loadPlanetoidDir("cora", cut), `${cut}/ind.cora.allx`, "truncated");
  const badIndex = await tempTree({ ...files, "ind.cora.test.index": "520\nxyz\n" });
  await rejectsActlab(() => loadPlanetoidDir("cora", badIndex), "ind.cora.test.index", '"xyz"');
});
