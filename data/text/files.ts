/**
 * Finding and reading a text dataset's files: the lookup order of
 * `data/locate.ts` (`--data-dir`, `$ACTLAB_DATA`, the cache dir), never a
 * download — the canonical hosts publish no checksums this code could pin
 * (an assumption to revisit), so the error names the files and their URLs.
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { isFile, locate } from "../locate.ts";

/** Where a text dataset's files live and how to get them. */
export interface TextFiles {
  /** Human name, e.g. "SST-2 (GLUE)". */
  readonly title: string;
  /** Folder name under the data dirs, e.g. "SST-2". */
  readonly slug: string;
  /** Paths (relative to the folder) that must all exist. */
  readonly files: readonly string[];
  /** How to get them: the URLs, for the fix hint. */
  readonly howToGet: string;
}

/** The folder holding every file of `spec`, by the lookup order; an ActlabError lists the places. */
export async function locateTextFiles(spec: TextFiles, dataDir?: string): Promise<string> {
  const { dir } = await locate({
    title: spec.title,
    slug: spec.slug,
    systemDirs: [],
    remote: [],
    howToGet: spec.howToGet,
    async probe(d: string) {
      for (const f of spec.files) {
        if (!(await isFile(`${d}/${f}`))) return `no ${f}`;
      }
      return { dir: d };
    },
  }, { dataDir, download: false });
  return dir;
}

/** Read a UTF-8 text file, an ActlabError naming it when that fails. */
export async function readTextFile(path: string, howToGet: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new ActlabError(`cannot read ${path} (${(e as Error).message})`, howToGet);
  }
}

/** An ActlabError for a malformed line of a dataset file. */
export function badLine(path: string, line: number, what: string, expected: string): ActlabError {
  return new ActlabError(`${path}:${line}: ${what}`, `expected ${expected}`);
}
