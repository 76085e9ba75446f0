/**
 * TextGCN's corpus graph (Yao, Mao & Luo, "Graph Convolutional Networks for
 * Text Classification", AAAI 2019), built as the authors' build_graph.py
 * (yao8839836/text_gcn) builds it, from the repository's text layout:
 *
 *   data/<name>.txt               one line per document: `name \t split \t label`
 *                                 (split contains "train" or "test")
 *   data/corpus/<name>.clean.txt  the cleaned document, one per line, same order
 *
 * Nodes: the training documents, then the vocabulary words, then the test
 * documents (build_graph.py's order); `features: null` (one-hot identity).
 * Edges, each listed in both directions, weights in `edgeWeight`:
 * - document–word: TF-IDF = (count of the word in the document) ×
 *   log(#documents / #documents containing the word) — raw count, natural
 *   log, no normalisation (build_graph.py `freq * idf`);
 * - word–word: PMI(i, j) = log(#W(i,j) · #W / (#W(i) · #W(j))) over sliding
 *   windows of 20 words (a document of ≤ 20 words is one window), kept only
 *   when positive. #W(i) counts windows containing word i; #W(i,j) counts
 *   position pairs in a window holding i and j (a word repeated in a window
 *   counts once per pair of positions), as build_graph.py's loops do.
 * The symmetrisation of utils.load_corpus (`adj + adj.T.multiply(adj.T >
 * adj) − …`, i.e. max(A, Aᵀ)) leaves exactly these weights, since TF-IDF
 * edges are only stored document→word and PMI is symmetric. No self-loops:
 * the GCN adds them (the repo's `preprocess_adj` adds I).
 *
 * Deviations, stated: a word that occurs in every document has idf 0;
 * build_graph.py stores those weight-0 entries, here they are no edge
 * (`GraphData` weights are positive; a weighted GCN is unchanged by them).
 * build_graph.py shuffles documents with an unseeded
 * `random.shuffle` and takes the last 10 % of the shuffled training
 * documents as validation; here documents keep their file order and the
 * validation set is a seeded 10 % (`int(0.1 · #train)`, the repo's size) of
 * the training documents, `seed` from the load options (default 0). The
 * vocabulary is ordered by first appearance (the repo's is `list(set)`,
 * arbitrary), class names sorted. Metric: top-1 accuracy (the paper's).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { hashName, rngFromSeed } from "../../core/rng.ts";
import { findGraphFiles } from "./files.ts";
import { PairCounts } from "./pair_counts.ts";
import type { GraphData, GraphDatasetLoader, GraphLoadOptions } from "./types.ts";

/** TextGCN's window size (build_graph.py `window_size = 20`). */
export const TEXTGCN_WINDOW = 20;

/** One labelled document of a TextGCN corpus. */
export interface TextGcnDoc {
  /** Whether the document is in the test split (else training). */
  readonly test: boolean;
  /** Its label. */
  readonly label: string;
  /** Its cleaned text (words separated by whitespace). */
  readonly text: string;
}

/** Options of `buildTextGcnGraph`. */
export interface TextGcnOptions {
  /** Sliding window length (default 20). */
  readonly window?: number;
  /** Seed of the validation draw (default 0). */
  readonly seed?: number;
  /** Fraction of training documents held out for validation (default 0.1). */
  readonly valFraction?: number;
}

/** The document–word graph of `docs` as a `GraphData` (see the module header). */
export function buildTextGcnGraph(
  name: string,
  docs: readonly TextGcnDoc[],
  source: string,
  opts: TextGcnOptions = {},
): GraphData {
  const window = opts.window ?? TEXTGCN_WINDOW;
  const trainDocs = docs.filter((d) => !d.test);
  const testDocs = docs.filter((d) => d.test);
  const ordered = [...trainDocs, ...testDocs];
  const words = ordered.map((d) => d.text.split(/\s+/).filter((w) => w !== ""));
  const vocab = new Map<string, number>();
  for (const ws of words) for (const w of ws) if (!vocab.has(w)) vocab.set(w, vocab.size);
  const V = vocab.size;
  const nTrain = trainDocs.length;
  const nDocs = ordered.length;
  const numNodes = nDocs + V;
  const docNode = (i: number) => (i < nTrain ? i : i + V);
  const wordNode = (j: number) => nTrain + j;
  const ids = words.map((ws) => Int32Array.from(ws, (w) => vocab.get(w)!));

  // Growable typed arrays: 20NG has tens of millions of directed edges.
  let src = new Int32Array(1 << 16);
  let dst = new Int32Array(1 << 16);
  let weight = new Float32Array(1 << 16);
  let ne = 0;
  const edge = (a: number, b: number, w: number) => {
    if (ne + 2 > src.length) {
      const grow = <T extends Int32Array | Float32Array>(x: T, y: T) => (y.set(x), y);
      src = grow(src, new Int32Array(src.length * 2));
      dst = grow(dst, new Int32Array(dst.length * 2));
      weight = grow(weight, new Float32Array(weight.length * 2));
    }
    src[ne] = a;
    dst[ne] = b;
    weight[ne++] = w;
    src[ne] = b;
    dst[ne] = a;
    weight[ne++] = w;
  };

  // Word–word PMI over sliding windows. Rather than visiting each window, every
  // position pair (q, p) closer than the window is visited once and counted
  // as many times as there are windows holding both positions:
  // min(q, L − w) − max(0, p − w + 1) + 1 with w = min(window, L). Likewise a
  // word's window count is the size of the union of its occurrences' window
  // ranges. Same numbers as build_graph.py's loops, ~window× less work.
  const windowFreq = new Float64Array(V);
  const pairCount = new PairCounts();
  const lastWin = new Int32Array(V);
  const stamp = new Int32Array(V).fill(-1);
  let numWindows = 0;
  ids.forEach((doc, d) => {
    const L = doc.length;
    const w = Math.min(window, L);
    numWindows += L <= window ? 1 : L - window + 1; // an empty document is one (empty) window
    for (let p = 0; p < L; p++) {
      const i = doc[p];
      const lo = Math.max(0, p - w + 1);
      const hi = Math.min(p, L - w);
      if (stamp[i] !== d) {
        stamp[i] = d;
        windowFreq[i] += hi - lo + 1;
      } else if (hi > lastWin[i]) windowFreq[i] += hi - Math.max(lo - 1, lastWin[i]);
      lastWin[i] = hi;
      for (let q = Math.max(0, p - w + 1); q < p; q++) {
        const j = doc[q];
        if (i === j) continue;
        pairCount.add(i, j, Math.min(q, L - w) - lo + 1);
      }
    }
  });
  const pc = pairCount.sorted();
  for (let k = 0; k < pc.a.length; k++) {
    const i = pc.a[k];
    const j = pc.b[k];
    const pmi = Math.log(
      (pc.count[k] / numWindows) / (windowFreq[i] * windowFreq[j] / (numWindows * numWindows)),
    );
    if (pmi > 0) edge(wordNode(i), wordNode(j), pmi);
  }

  // Document–word TF-IDF.
  const docFreq = new Float64Array(V);
  for (const doc of ids) for (const j of new Set(doc)) docFreq[j]++;
  for (let d = 0; d < nDocs; d++) {
    const counts = new Map<number, number>();
    for (const j of ids[d]) counts.set(j, (counts.get(j) ?? 0) + 1);
    for (const [j, tf] of counts) {
      const w = tf * Math.log(nDocs / docFreq[j]);
      if (w > 0) edge(docNode(d), wordNode(j), w); // idf 0: a word in every document
    }
  }

  const classNames = [...new Set(docs.map((d) => d.label))].sort();
  const classOf = new Map(classNames.map((c, i) => [c, i]));
  const labels = new Int32Array(numNodes).fill(-1);
  ordered.forEach((d, i) => (labels[docNode(i)] = classOf.get(d.label)!));

  const valSize = Math.floor((opts.valFraction ?? 0.1) * nTrain);
  const perm = rngFromSeed(opts.seed ?? 0).fold(hashName("textgcn-val")).permutation(nTrain);
  const isVal = new Uint8Array(nTrain);
  for (let k = 0; k < valSize; k++) isVal[perm[k]] = 1;
  const train: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < nTrain; i++) (isVal[i] ? val : train).push(i);

  return {
    name,
    numNodes,
    numFeatures: numNodes,
    features: null,
    edgeSrc: src.slice(0, ne),
    edgeDst: dst.slice(0, ne),
    edgeWeight: weight.slice(0, ne),
    labels,
    numClasses: classNames.length,
    classNames,
    splits: {
      train: Int32Array.from(train),
      val: Int32Array.from(val),
      test: Int32Array.from({ length: testDocs.length }, (_, k) => nTrain + V + k),
    },
    primaryMetric: "top1",
    source,
  };
}

/** Read a corpus in the TextGCN repository's layout from `dir` (holding `<name>.txt` and `corpus/`). */
export async function readTextGcnCorpus(name: string, dir: string): Promise<TextGcnDoc[]> {
  const metaFile = `${dir}/${name}.txt`;
  const textFile = `${dir}/corpus/${name}.clean.txt`;
  const read = async (f: string) => {
    try {
      return await Deno.readTextFile(f);
    } catch (e) {
      throw new ActlabError(`${f}: cannot read (${(e as Error).message})`, "check --data-dir");
    }
  };
  const strip = (t: string) => t.replace(/\r?\n$/, "").split(/\r?\n/);
  const meta = strip(await read(metaFile));
  const texts = strip(await read(textFile));
  if (meta.length !== texts.length) {
    throw new ActlabError(
      `${textFile}: ${texts.length} documents, but ${metaFile} lists ${meta.length}`,
      "the two files must have one line per document, in the same order: fetch the corpus again",
    );
  }
  return meta.map((line, i) => {
    const parts = line.split("\t");
    if (parts.length < 3 || !(parts[1].includes("train") || parts[1].includes("test"))) {
      throw new ActlabError(
        `${metaFile}: line ${i + 1} is not "name<TAB>train|test<TAB>label" ("${
          line.slice(0, 60)
        }")`,
        "fetch the corpus again from the TextGCN repository",
      );
    }
    return { test: parts[1].includes("test"), label: parts[2].trim(), text: texts[i] };
  });
}

const CORPORA = ["r8", "r52", "mr", "ohsumed", "20ng"] as const;
/** File stems in the TextGCN repository (`data/R8.txt`, …). */
const STEMS: Record<(typeof CORPORA)[number], string> = {
  r8: "R8",
  r52: "R52",
  mr: "mr",
  ohsumed: "ohsumed",
  "20ng": "20ng",
};

function textGcnLoader(name: (typeof CORPORA)[number]): GraphDatasetLoader {
  const stem = STEMS[name];
  return {
    name,
    description:
      `TextGCN ${stem} corpus as a document–word graph (TF-IDF + PMI edges, identity features, top-1); ` +
      `reads ${stem}.txt and corpus/${stem}.clean.txt from --data-dir (yao8839836/text_gcn data/)`,
    async load(options: GraphLoadOptions): Promise<GraphData> {
      const dir = await findGraphFiles({
        title: `TextGCN ${stem}`,
        slug: "text_gcn",
        subdirs: ["data"],
        files: [`${stem}.txt`, `corpus/${stem}.clean.txt`],
        howToGet: `download data/${stem}.txt and data/corpus/${stem}.clean.txt from ` +
          `https://github.com/yao8839836/text_gcn and pass the data/ folder with --data-dir`,
      }, options);
      return buildTextGcnGraph(name, await readTextGcnCorpus(stem, dir), dir, {
        seed: options.seed,
      });
    },
  };
}

/** The `r8`, `r52`, `mr`, `ohsumed` and `20ng` loaders. */
export const textGcnLoaders: readonly GraphDatasetLoader[] = CORPORA.map(textGcnLoader);
