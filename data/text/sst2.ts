/**
 * SST-2 (Stanford Sentiment Treebank, binary), GLUE's release: `train.tsv`
 * (67,349 sentences) and `dev.tsv` (872), each with the header
 * `sentence\tlabel` and labels 0 = negative, 1 = positive. `dev.tsv` is the
 * evaluation split, as GLUE papers (and BERT's) report; GLUE's `test.tsv`
 * has no labels (`index\tsentence`), so it is not read.
 *
 * Files: https://dl.fbaipublicfiles.com/glue/data/SST-2.zip (GLUE's
 * download script), unzipped as `SST-2/` under the data dir.
 * @module
 */
import type { TextDataset, TextDatasetLoader, TextExample, TextLoadOptions } from "./types.ts";
import { parseTsv } from "./csv.ts";
import { badLine, locateTextFiles, readTextFile, type TextFiles } from "./files.ts";

const HOW =
  "download https://dl.fbaipublicfiles.com/glue/data/SST-2.zip and unzip it so that SST-2/train.tsv and SST-2/dev.tsv lie under --data-dir (or $ACTLAB_DATA)";

const FILES: TextFiles = {
  title: "SST-2 (GLUE)",
  slug: "SST-2",
  files: ["train.tsv", "dev.tsv"],
  howToGet: HOW,
};

/** Parse a GLUE SST-2 `train.tsv` / `dev.tsv` text (header `sentence\tlabel`). */
export function parseSst2(text: string, path: string): TextExample[] {
  const records = parseTsv(text);
  if (records.length === 0) {
    throw badLine(path, 1, "the file is empty", "the header sentence\\tlabel");
  }
  const head = records[0];
  if (head.fields.length !== 2 || head.fields[0] !== "sentence" || head.fields[1] !== "label") {
    throw badLine(
      path,
      head.line,
      `header is ${JSON.stringify(head.fields.join("\t"))}`,
      "the header sentence\\tlabel (GLUE's train.tsv / dev.tsv; test.tsv has no labels)",
    );
  }
  const out: TextExample[] = [];
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r];
    if (fields.length !== 2) {
      throw badLine(path, line, `${fields.length} tab-separated fields`, "sentence<TAB>label");
    }
    const [text, label] = fields;
    if (label !== "0" && label !== "1") {
      throw badLine(
        path,
        line,
        `label ${JSON.stringify(label)}`,
        "label 0 (negative) or 1 (positive)",
      );
    }
    out.push({ text, label: Number(label) });
  }
  return out;
}

/** Read SST-2 from a folder holding GLUE's `train.tsv` and `dev.tsv`. */
export async function loadSst2(options: TextLoadOptions = {}): Promise<TextDataset> {
  const dir = await locateTextFiles(FILES, options.dataDir);
  const read = async (f: string) =>
    parseSst2(await readTextFile(`${dir}/${f}`, HOW), `${dir}/${f}`);
  return {
    name: "sst2",
    numClasses: 2,
    classNames: ["negative", "positive"],
    train: await read("train.tsv"),
    test: await read("dev.tsv"),
    source: dir,
  };
}

/** The `sst2` loader. */
export const sst2Loader: TextDatasetLoader = {
  name: "sst2",
  description:
    "SST-2 sentiment (GLUE): train.tsv / dev.tsv (eval = dev; test.tsv has no labels) from https://dl.fbaipublicfiles.com/glue/data/SST-2.zip",
  load: loadSst2,
};
