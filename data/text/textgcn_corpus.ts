/**
 * The TextGCN corpora (Yao, Mao & Luo, AAAI 2019) read as text
 * classification datasets: R8, R52, MR, Ohsumed and 20NG in the
 * yao8839836/text_gcn repository's layout (build_graph.py):
 *
 * - `data/<Name>.txt`: one line per document, `name\tsplit\tlabel`; a split
 *   containing `test` is test, else one containing `train` is train (as
 *   build_graph.py tests them: Ohsumed says `training`);
 * - `data/corpus/<Name>.clean.txt`: the cleaned text, line i = document i
 *   (remove_words.py writes it; the repo ships R8's and MR's).
 *
 * Names as the repo spells them: `R8`, `R52`, `mr`, `ohsumed`, `20ng`.
 * Registered as `textgcn-r8` … `textgcn-20ng`: the graph registry holds the
 * document–word graphs of the same corpora under `r8` … `20ng`.
 * Class order: label names sorted (the repo uses Python set order, which
 * is not reproducible) — an assumption.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { TextDataset, TextDatasetLoader, TextExample, TextLoadOptions } from "./types.ts";
import { badLine, locateTextFiles, readTextFile } from "./files.ts";

/** The corpora: registry suffix → the repo's file name. */
export const TEXTGCN_CORPORA: Readonly<Record<string, string>> = {
  r8: "R8",
  r52: "R52",
  mr: "mr",
  ohsumed: "ohsumed",
  "20ng": "20ng",
};

const REPO = "https://github.com/yao8839836/text_gcn/tree/master/data";

function howToGet(file: string): string {
  return `clone https://github.com/yao8839836/text_gcn and pass --data-dir text_gcn/data (it must hold ${file}.txt and corpus/${file}.clean.txt; run \`python remove_words.py ${file}\` there first if corpus/${file}.clean.txt is missing — the repo ships R8's and mr's)`;
}

/** One document of a TextGCN corpus. */
export interface TextGcnDocument {
  /** The cleaned text (space-separated words). */
  readonly text: string;
  /** `train` or `test`. */
  readonly split: "train" | "test";
  /** The label name as the meta file gives it. */
  readonly label: string;
}

/** Parse a corpus from its meta text (`<Name>.txt`) and clean text (`corpus/<Name>.clean.txt`). */
export function parseTextGcnCorpus(
  metaText: string,
  metaPath: string,
  cleanText: string,
  cleanPath: string,
): TextGcnDocument[] {
  const lines = (t: string) => {
    const ls = t.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
    if (ls.length > 0 && ls[ls.length - 1] === "") ls.pop();
    return ls;
  };
  const meta = lines(metaText);
  const docs = lines(cleanText);
  if (meta.length === 0) {
    throw badLine(metaPath, 1, "the file is empty", "name\\tsplit\\tlabel lines");
  }
  if (meta.length !== docs.length) {
    throw new ActlabError(
      `${metaPath} lists ${meta.length} documents but ${cleanPath} has ${docs.length} lines`,
      "the two files must come from the same corpus (line i of the .clean.txt is document i)",
    );
  }
  const out: TextGcnDocument[] = [];
  for (let i = 0; i < meta.length; i++) {
    const f = meta[i].split("\t");
    if (f.length !== 3 || f[2] === "") {
      throw badLine(metaPath, i + 1, `${JSON.stringify(meta[i])}`, "name<TAB>split<TAB>label");
    }
    const split = f[1].includes("test") ? "test" : f[1].includes("train") ? "train" : null;
    if (split === null) {
      throw badLine(
        metaPath,
        i + 1,
        `split ${JSON.stringify(f[1])}`,
        "a split containing train or test",
      );
    }
    out.push({ text: docs[i], split, label: f[2] });
  }
  return out;
}

/** Turn parsed documents into a `TextDataset` (labels = sorted label names). */
export function textGcnDataset(
  name: string,
  docs: readonly TextGcnDocument[],
  source: string,
): TextDataset {
  const classNames = [...new Set(docs.map((d) => d.label))].sort();
  const index = new Map(classNames.map((c, i) => [c, i]));
  const train: TextExample[] = [];
  const test: TextExample[] = [];
  for (const d of docs) {
    (d.split === "train" ? train : test).push({ text: d.text, label: index.get(d.label)! });
  }
  return { name, numClasses: classNames.length, classNames, train, test, source };
}

/** Read TextGCN corpus `key` (`r8`, `r52`, `mr`, `ohsumed`, `20ng`). */
export async function loadTextGcnCorpus(
  key: string,
  options: TextLoadOptions = {},
): Promise<TextDataset> {
  const file = TEXTGCN_CORPORA[key];
  if (file === undefined) {
    throw new ActlabError(
      `unknown TextGCN corpus ${JSON.stringify(key)}`,
      `use one of ${Object.keys(TEXTGCN_CORPORA).join(", ")}`,
    );
  }
  const how = howToGet(file);
  const metaFile = `${file}.txt`;
  const cleanFile = `corpus/${file}.clean.txt`;
  const dir = await locateTextFiles(
    { title: `TextGCN ${file}`, slug: "text_gcn", files: [metaFile, cleanFile], howToGet: how },
    options.dataDir,
  );
  const metaPath = `${dir}/${metaFile}`;
  const cleanPath = `${dir}/${cleanFile}`;
  const docs = parseTextGcnCorpus(
    await readTextFile(metaPath, how),
    metaPath,
    await readTextFile(cleanPath, how),
    cleanPath,
  );
  return textGcnDataset(`textgcn-${key}`, docs, dir);
}

/** The `textgcn-<corpus>` loaders. */
export const textGcnLoaders: readonly TextDatasetLoader[] = Object.entries(TEXTGCN_CORPORA).map((
  [key, file],
) => ({
  name: `textgcn-${key}`,
  description:
    `TextGCN's ${file} corpus as text: ${file}.txt (name\\tsplit\\tlabel) + corpus/${file}.clean.txt from ${REPO}`,
  load: (options: TextLoadOptions) => loadTextGcnCorpus(key, options),
}));
