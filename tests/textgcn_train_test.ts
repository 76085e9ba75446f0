/**
 * TextGCN end to end: a corpus in the TextGCN repository's layout (written
 * by the test: 3 topics, each document drawing most words from its topic's
 * vocabulary and some from a shared one) is read by the `r8` loader, turned
 * into the document–word graph (TF-IDF + PMI edges, identity features) and
 * classified transductively by GCN through `train({ task: "node" })`, with
 * ReLU and DPA, well above chance.
 */
import assert from "node:assert/strict";
import "../mod.ts";
import { train } from "../train/engine.ts";
import { lcg } from "./gradcheck.ts";

/** Write `R8.txt` and `corpus/R8.clean.txt` for `perClass` documents of 3 topics. */
async function writeCorpus(dir: string, perClass: number): Promise<void> {
  const rand = lcg(5);
  const topics = ["earn", "acq", "crude"];
  const words = (t: string) => Array.from({ length: 12 }, (_, i) => `${t}w${i}`);
  const shared = Array.from({ length: 20 }, (_, i) => `common${i}`);
  const meta: string[] = [];
  const docs: string[] = [];
  for (let i = 0; i < perClass * topics.length; i++) {
    const t = topics[i % topics.length];
    const own = words(t);
    const doc = Array.from({ length: 14 }, () => {
      const pool = rand() < 0.6 ? own : shared;
      return pool[Math.floor(rand() * pool.length)];
    });
    // 40 % of the documents are test documents, as a transductive split.
    meta.push(`doc${i}\t${i % 5 < 2 ? "test" : "train"}\t${t}`);
    docs.push(doc.join(" "));
  }
  await Deno.mkdir(`${dir}/corpus`, { recursive: true });
  await Deno.writeTextFile(`${dir}/R8.txt`, meta.join("\n") + "\n");
  await Deno.writeTextFile(`${dir}/corpus/R8.clean.txt`, docs.join("\n") + "\n");
}

Deno.test("TextGCN: the r8 loader's graph trains GCN transductively, relu and dpa, well above chance", async () => {
  const data = await Deno.makeTempDir({ prefix: "actlab_textgcn_" });
  try {
    await writeCorpus(data, 30);
    for (const activation of ["relu", "dpa"]) {
      const out = await Deno.makeTempDir({ prefix: "actlab_textgcn_run_" });
      try {
        const summary = await train({
          out,
          task: "node",
          model: "gcn",
          dataset: "r8",
          dataDir: data,
          activation,
          backend: "reference",
          epochs: 60,
          lr: 0.02,
          weightDecay: 0,
        }, { progress: false, log: () => {} });
        // 3 balanced topics: chance is 1/3.
        assert.ok(summary.test_top1! >= 0.8, `${activation}: test top-1 ${summary.test_top1}`);
      } finally {
        await Deno.remove(out, { recursive: true });
      }
    }
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});
