/**
 * Where dataset files are looked for, in order (DESIGN §3):
 *
 * 1. `--data-dir DIR` (the folder itself, then `DIR/<slug>`),
 * 2. `$ACTLAB_DATA` (same two folders),
 * 3. the user cache dir `$XDG_CACHE_HOME/actlab/<slug>` (else `~/.cache/actlab/<slug>`),
 * 4. system folders (Debian's `/usr/share/datasets/fashion-mnist`),
 * 5. a download from the canonical source into the cache dir, verified by SHA-256.
 *
 * The first folder that holds every needed file wins. When none does and the
 * download fails, ONE error lists every place with the reason it did not count.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import { envVar } from "../core/env.ts";
import {
  type DownloadProgress,
  downloadVerified,
  type FetchLike,
  type RemoteFile,
  stderrProgress,
} from "./download.ts";

/** How callers steer the lookup; every field is optional. */
export interface LocateOptions {
  /** `--data-dir`: searched first. */
  readonly dataDir?: string;
  /** Environment lookup (default `Deno.env.get`; tests pass a fake). */
  readonly env?: (name: string) => string | undefined;
  /** The cache base dir, replacing `$XDG_CACHE_HOME/actlab` / `~/.cache/actlab`. */
  readonly cacheDir?: string;
  /** System folders to search instead of the dataset's defaults (tests pass temp dirs). */
  readonly systemDirs?: readonly string[];
  /** Set false to never download (default true). */
  readonly download?: boolean;
  /** The fetch used for downloads (default: global `fetch`). */
  readonly fetch?: FetchLike;
  /** Download progress sink (default: stderr bar/lines). */
  readonly onProgress?: (p: DownloadProgress) => void;
}

/** What a dataset tells the locator: how to recognise its files, and where to get them. */
export interface DataLayout<T> {
  /** Human name, e.g. "Fashion-MNIST (train split)". */
  readonly title: string;
  /** Folder name under the cache/data dirs, e.g. "fashion-mnist". */
  readonly slug: string;
  /** System folders to search (after the cache). */
  readonly systemDirs: readonly string[];
  /** Inspect `dir`: the found files, or a short reason why they are not there. */
  probe(dir: string): Promise<T | string>;
  /** Files to download into the cache folder when nothing is found. */
  readonly remote: readonly RemoteFile[];
  /** How to get the files by hand (first part of the fix hint). */
  readonly howToGet: string;
}

/** A successful lookup. */
export interface Located<T> {
  /** What `probe` returned. */
  readonly found: T;
  /** The folder that held the files. */
  readonly dir: string;
  /** Which rule of the lookup order found it ("--data-dir", "$ACTLAB_DATA", "cache", "system", "download"). */
  readonly place: string;
}

/** Name of the environment variable naming a data folder. */
export const DATA_ENV = "ACTLAB_DATA";

/** `$XDG_CACHE_HOME/actlab`, else `$HOME/.cache/actlab`, else null. */
export function defaultCacheDir(
  env: (name: string) => string | undefined = envVar,
): string | null {
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/actlab`;
  const home = env("HOME") ?? env("USERPROFILE");
  return home ? `${home}/.cache/actlab` : null;
}

/** Whether `path` is an existing directory (false when missing or unreadable). */
export async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** Whether `path` is an existing regular file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function probeDir<T>(layout: DataLayout<T>, dir: string): Promise<T | string> {
  try {
    if (!(await isDir(dir))) return "no such directory";
    return await layout.probe(dir);
  } catch (e) {
    if (e instanceof ActlabError) throw e;
    return `unreadable (${(e as Error).message})`;
  }
}

/**
 * Find the files of `layout` by the lookup order above, downloading into the
 * cache when allowed. Throws one `ActlabError` listing every place looked at
 * (and the download's failure) when the files are nowhere.
 */
export async function locate<T>(
  layout: DataLayout<T>,
  options: LocateOptions = {},
): Promise<Located<T>> {
  const env = options.env ?? envVar;
  const looked: string[] = [];
  const candidates: { place: string; dirs: string[] }[] = [];
  const roots: [string, string | undefined, string][] = [
    ["--data-dir", options.dataDir, "not given"],
    [`$${DATA_ENV}`, env(DATA_ENV) || undefined, "not set"],
  ];
  for (const [place, root, absent] of roots) {
    if (root === undefined || root === "") looked.push(`${place}: ${absent}`);
    else candidates.push({ place, dirs: [root, `${root}/${layout.slug}`] });
  }
  const cacheBase = options.cacheDir ?? defaultCacheDir(env);
  const cacheDir = cacheBase ? `${cacheBase}/${layout.slug}` : null;
  if (cacheDir) candidates.push({ place: "cache", dirs: [cacheDir] });
  else looked.push("cache: no cache dir ($XDG_CACHE_HOME and $HOME are unset)");
  candidates.push({ place: "system", dirs: [...(options.systemDirs ?? layout.systemDirs)] });

  for (const { place, dirs } of candidates) {
    for (const dir of dirs) {
      const r = await probeDir(layout, dir);
      if (typeof r !== "string") return { found: r, dir, place };
      looked.push(`${place} ${dir}: ${r}`);
    }
  }

  let fix = layout.howToGet;
  if (options.download === false) {
    looked.push("download: disabled");
  } else if (!cacheDir) {
    looked.push("download: skipped (no cache dir to download into)");
  } else if (layout.remote.length > 0) {
    try {
      await downloadAll(layout, cacheDir, options);
      const r = await probeDir(layout, cacheDir);
      if (typeof r !== "string") return { found: r, dir: cacheDir, place: "download" };
      looked.push(`download into ${cacheDir}: files still incomplete (${r})`);
    } catch (e) {
      if (!(e instanceof ActlabError)) throw e;
      looked.push(e.message.split("\n  fix:")[0]);
    }
    fix += `; or allow network access (--allow-net) so actlab downloads them into ${cacheDir}`;
  }
  throw new ActlabError(
    `${layout.title}: data files not found. Looked in:\n  - ${looked.join("\n  - ")}`,
    fix,
  );
}

async function downloadAll<T>(
  layout: DataLayout<T>,
  cacheDir: string,
  options: LocateOptions,
): Promise<void> {
  try {
    await Deno.mkdir(cacheDir, { recursive: true });
  } catch (e) {
    throw new ActlabError(`download: cannot create ${cacheDir} (${(e as Error).message})`);
  }
  for (const remote of layout.remote) {
    const dest = `${cacheDir}/${remote.file}`;
    // A file at `dest` can only come from an earlier verified download (temp + rename).
    if (await isFile(dest)) continue;
    await downloadVerified(remote, dest, {
      fetch: options.fetch,
      onProgress: options.onProgress ?? stderrProgress(),
    });
  }
}
