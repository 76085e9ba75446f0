/**
 * AG News (Zhang, Zhao & LeCun 2015, the char-CNN release): `train.csv`
 * (120,000 rows) and `test.csv` (7,600), no header, rows
 * `"class","title","description"` with classes 1–4 (World, Sports,
 * Business, Sci/Tech) mapped to labels 0–3. The text is
 * `title + " " + description`, as torchtext / Hugging Face `ag_news` build
 * it. Fields are RFC 4180 CSV (`""` escapes, quoted newlines); the release's
 * own escapes (`\\`, `#39;`) are left as they are.
 *
 * Files: `ag_news_csv.tar.gz` of the char-CNN datasets (Xiang Zhang's
 * Google Drive, linked from https://github.com/zhangxiangxiao/Crepe), or
 * https://raw.githubusercontent.com/mhjabreel/CharCnn_Keras/master/data/ag_news_csv/train.csv
 * and …/test.csv, under `ag_news_csv/`.
 * @module
 */
import type { TextDataset, TextDatasetLoader, TextExample, TextLoadOptions } from "./types.ts";
import { parseCsv } from "./csv.ts";
import { badLine, locateTextFiles, readTextFile, type TextFiles } from "./files.ts";

const HOW =
  "get ag_news_csv.tar.gz (char-CNN datasets, linked from https://github.com/zhangxiangxiao/Crepe) or https://raw.githubusercontent.com/mhjabreel/CharCnn_Keras/master/data/ag_news_csv/{train,test}.csv, and put train.csv and test.csv in --data-dir or its ag_news_csv/ folder";

const FILES: TextFiles = {
  title: "AG News",
  slug: "ag_news_csv",
  files: ["train.csv", "test.csv"],
  howToGet: HOW,
};

/** AG News class names, label order (classes 1–4 of the CSV). */
export const AG_NEWS_CLASSES: readonly string[] = ["World", "Sports", "Business", "Sci/Tech"];

/** Parse an AG News CSV text (`"class","title","description"` rows). */
export function parseAgNews(text: string, path: string): TextExample[] {
  const out: TextExample[] = [];
  for (const { fields, line } of parseCsv(text, path)) {
    if (fields.length !== 3) {
      throw badLine(path, line, `${fields.length} fields`, '"class","title","description"');
    }
    const [cls, title, description] = fields;
    if (!/^[1-4]$/.test(cls)) {
      throw badLine(path, line, `class ${JSON.stringify(cls)}`, "class 1, 2, 3 or 4");
    }
    out.push({ text: `${title} ${description}`, label: Number(cls) - 1 });
  }
  if (out.length === 0) throw badLine(path, 1, "no rows", '"class","title","description" rows');
  return out;
}

/** Read AG News from a folder holding `train.csv` and `test.csv`. */
export async function loadAgNews(options: TextLoadOptions = {}): Promise<TextDataset> {
  const dir = await locateTextFiles(FILES, options.dataDir);
  const read = async (f: string) =>
    parseAgNews(await readTextFile(`${dir}/${f}`, HOW), `${dir}/${f}`);
  return {
    name: "ag_news",
    numClasses: 4,
    classNames: AG_NEWS_CLASSES,
    train: await read("train.csv"),
    test: await read("test.csv"),
    source: dir,
  };
}

/** The `ag_news` loader. */
export const agNewsLoader: TextDatasetLoader = {
  name: "ag_news",
  description:
    "AG News topics (4 classes): train.csv / test.csv of the char-CNN release (ag_news_csv.tar.gz, see github.com/zhangxiangxiao/Crepe)",
  load: loadAgNews,
};
