/**
 * Finding a graph dataset's files: the usual lookup order of `data/locate.ts`
 * (`--data-dir`, `$ACTLAB_DATA`, the cache dir), each folder tried as is, as
 * `<folder>/<slug>`, and under the sub-folders the dataset's own tools use
 * (PyG's `<Name>/raw`, OGB's `ogbn_arxiv`). No download: none of these
 * datasets has a stable checksummed URL actlab could verify, so a missing
 * file is an error that names every file and says where to get it.
 * @module
 */
import { locate } from "../locate.ts";
import type { GraphLoadOptions } from "./types.ts";

/** What a loader tells the lookup. */
export interface GraphFilesLayout {
  /** Human name, e.g. "Cora (Planetoid)". */
  readonly title: string;
  /** Folder under the data/cache dirs, e.g. "planetoid". */
  readonly slug: string;
  /** Sub-folders of a candidate folder that may hold the files (besides the folder itself). */
  readonly subdirs: readonly string[];
  /** Files that must all be present, relative to the folder that holds them. */
  readonly files: readonly string[];
  /** Where to get the files (the fix of the not-found error). */
  readonly howToGet: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** The folder holding every file of `layout`; an ActlabError listing every place looked at otherwise. */
export async function findGraphFiles(
  layout: GraphFilesLayout,
  options: GraphLoadOptions,
): Promise<string> {
  const located = await locate<{ dir: string }>({
    title: layout.title,
    slug: layout.slug,
    systemDirs: [],
    remote: [],
    howToGet: layout.howToGet,
    async probe(dir: string): Promise<{ dir: string } | string> {
      let firstMissing = "";
      for (const sub of ["", ...layout.subdirs]) {
        const base = sub ? `${dir}/${sub}` : dir;
        const missing: string[] = [];
        for (const f of layout.files) if (!(await exists(`${base}/${f}`))) missing.push(f);
        if (missing.length === 0) return { dir: base };
        if (!firstMissing) firstMissing = `missing ${missing.join(", ")}`;
      }
      return `${firstMissing}${
        layout.subdirs.length ? ` (also tried ${layout.subdirs.join(", ")})` : ""
      }`;
    },
  }, { dataDir: options.dataDir });
  return located.found.dir;
}
