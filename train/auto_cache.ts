/**
 * The cache of `--backend auto`'s measured choices: one JSON file,
 * `$XDG_CACHE_HOME/actlab/auto-backend.json` (else `~/.cache/actlab/…`),
 * holding one entry per key (machine, model, batch, … — see `auto_backend.ts`),
 * stored under the key's SHA-256 with the key itself beside it for reading.
 * Written atomically (temp file + rename); a missing file is an empty cache, and
 * a corrupt or unreadable one is ignored with a warning — a cache never fails a run.
 * @module
 */
import { writeTextAtomic } from "./files.ts";

/** The cache file's name inside the actlab cache folder. */
export const AUTO_CACHE_FILE = "auto-backend.json";

const FORMAT = "actlab-auto-backend";
const VERSION = 1;

/** One measured choice. */
export interface AutoCacheEntry {
  /** What was measured (machine, model, shapes, threads, backend versions). */
  readonly key: Readonly<Record<string, unknown>>;
  /** The backend chosen: the fastest of `msPerStep`. */
  readonly backend: string;
  /** Median milliseconds per training step, by backend. */
  readonly msPerStep: Readonly<Record<string, number>>;
  /** When it was measured (ISO 8601). */
  readonly measuredAt: string;
}

/** JSON with object keys sorted, so equal keys hash equally whatever their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
  );
}

/** The hex SHA-256 of the key's canonical JSON: its name in the cache file. */
export async function keyHash(key: Readonly<Record<string, unknown>>): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(key));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function isEntry(e: unknown): e is AutoCacheEntry {
  if (!e || typeof e !== "object") return false;
  const o = e as Record<string, unknown>;
  return typeof o.backend === "string" && typeof o.measuredAt === "string" &&
    !!o.key && typeof o.key === "object" &&
    !!o.msPerStep && typeof o.msPerStep === "object" &&
    Object.values(o.msPerStep).every((v) => typeof v === "number" && v > 0);
}

/** The entries of the cache file at `path`, by key hash; `{}` (with a warning) when it cannot be used. */
export async function readAutoCache(
  path: string,
  warn: (line: string) => void,
): Promise<Record<string, AutoCacheEntry>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      warn(`warning: cannot read ${path} (${(e as Error).message}); measuring again`);
    }
    return {};
  }
  try {
    const doc = JSON.parse(text);
    if (doc?.format !== FORMAT || doc.version !== VERSION || typeof doc.entries !== "object") {
      throw new Error(`not a version-${VERSION} ${FORMAT} file`);
    }
    const out: Record<string, AutoCacheEntry> = {};
    for (const [hash, entry] of Object.entries(doc.entries ?? {})) {
      if (!isEntry(entry)) throw new Error(`entry ${hash} is malformed`);
      out[hash] = entry;
    }
    return out;
  } catch (e) {
    warn(
      `warning: ignoring the corrupt cache file ${path} (${
        (e as Error).message
      }); it is rewritten after measuring`,
    );
    return {};
  }
}

/**
 * Add `entry` under `hash` to the cache file (re-read first, so entries other
 * runs wrote meanwhile are kept) and write it atomically; a failure only warns.
 */
export async function writeAutoCache(
  path: string,
  hash: string,
  entry: AutoCacheEntry,
  warn: (line: string) => void,
): Promise<boolean> {
  try {
    const dir = path.slice(0, path.lastIndexOf("/"));
    if (dir) await Deno.mkdir(dir, { recursive: true });
    const entries = await readAutoCache(path, () => {});
    entries[hash] = entry;
    await writeTextAtomic(
      path,
      JSON.stringify({ format: FORMAT, version: VERSION, entries }, null, 2) + "\n",
    );
    return true;
  } catch (e) {
    warn(`warning: cannot write the backend cache ${path} (${(e as Error).message})`);
    return false;
  }
}
