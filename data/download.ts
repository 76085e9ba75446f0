/**
 * Downloads that are verified before they count: bytes stream into a
 * temporary file next to the destination while their SHA-256 is computed,
 * and only a complete file with the expected digest is renamed into place
 * (rename within one directory is atomic). A failed, cut-short or
 * mismatching download leaves nothing behind.
 * @module
 */
import { createHash } from "node:crypto";
import { ActlabError } from "../core/errors.ts";

/** The subset of `fetch` the downloader uses; tests inject fakes. */
export type FetchLike = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

/** A file of a dataset that can be downloaded, with its canonical digest. */
export interface RemoteFile {
  /** File name to store it under (in the cache dir). */
  readonly file: string;
  /** Canonical URL first, then mirrors serving the identical bytes. */
  readonly urls: readonly string[];
  /** Lower-case hex SHA-256 of the exact bytes served. */
  readonly sha256: string;
  /** Size in bytes when known (a cheaper early check than the digest). */
  readonly bytes?: number;
}

/** Progress of one download, reported while bytes arrive and once at the end. */
export interface DownloadProgress {
  /** The URL being fetched. */
  readonly url: string;
  /** The destination file name. */
  readonly file: string;
  /** Bytes received so far. */
  readonly received: number;
  /** Expected total, or null when the server does not say. */
  readonly total: number | null;
  /** True on the final report of a successful download. */
  readonly done: boolean;
}

/** Options of `downloadVerified`. */
export interface DownloadOptions {
  /** The fetch to use (default: the global `fetch`). */
  readonly fetch?: FetchLike;
  /** Progress sink (default: a bar on a terminal's stderr, plain lines otherwise). */
  readonly onProgress?: (p: DownloadProgress) => void;
  /** Abort when no bytes arrive for this long (default 60 s). */
  readonly idleTimeoutMs?: number;
}

const MIB = 1024 * 1024;

/** A progress printer for stderr: a redrawn bar on a terminal, start/end lines otherwise. */
export function stderrProgress(): (p: DownloadProgress) => void {
  const tty = Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  let last = 0;
  let started = "";
  return (p) => {
    const write = (s: string) => Deno.stderr.writeSync(enc.encode(s));
    const mb = (b: number) => (b / MIB).toFixed(1);
    if (!tty) {
      if (started !== p.url) {
        started = p.url;
        write(`downloading ${p.url}\n`);
      }
      if (p.done) write(`  ${p.file}: ${mb(p.received)} MiB, SHA-256 verified\n`);
      return;
    }
    const now = Date.now();
    if (!p.done && now - last < 100) return;
    last = now;
    const frac = p.total ? Math.min(1, p.received / p.total) : 0;
    const width = 30;
    const bar = "#".repeat(Math.round(frac * width)).padEnd(width, ".");
    const size = p.total ? `${mb(p.received)}/${mb(p.total)} MiB` : `${mb(p.received)} MiB`;
    write(`\r${p.file} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${size}`);
    if (p.done) write(" (SHA-256 verified)\n");
  };
}

function reason(e: unknown): string {
  const err = e as Error & { cause?: unknown };
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${err.message ?? String(e)}${cause}`;
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch {
    // Already gone (or never created): nothing to clean up.
  }
}

/** One attempt at one URL; throws a plain Error with the reason on failure. */
async function fetchOne(
  url: string,
  remote: RemoteFile,
  dest: string,
  opts: DownloadOptions,
): Promise<void> {
  const doFetch: FetchLike = opts.fetch ?? ((u, init) => fetch(u, init));
  const report = opts.onProgress ?? (() => {});
  const idle = opts.idleTimeoutMs ?? 60_000;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new Error(`no data for ${idle} ms`)), idle);
  const poke = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${idle} ms`)), idle);
  };
  // A unique name per attempt: concurrent runs never write into each other's file.
  const tmp = `${dest}.${crypto.randomUUID().slice(0, 8)}.part`;
  let file: Deno.FsFile | null = null;
  try {
    const res = await doFetch(url, { signal: controller.signal });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
    }
    const header = res.headers.get("content-length");
    const total = header !== null && /^\d+$/.test(header) ? Number(header) : remote.bytes ?? null;
    file = await Deno.open(tmp, { write: true, createNew: true });
    const hash = createHash("sha256");
    let received = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      poke();
      hash.update(value);
      let off = 0;
      while (off < value.length) off += await file.write(value.subarray(off));
      received += value.length;
      report({ url, file: remote.file, received, total, done: false });
    }
    if (total !== null && received !== total) {
      throw new Error(`truncated: received ${received} of ${total} bytes`);
    }
    if (remote.bytes !== undefined && received !== remote.bytes) {
      throw new Error(
        `wrong size: received ${received} bytes, the canonical file has ${remote.bytes}`,
      );
    }
    const digest = hash.digest("hex");
    if (digest !== remote.sha256) {
      throw new Error(`SHA-256 mismatch: expected ${remote.sha256}, got ${digest}`);
    }
    await file.syncData();
    file.close();
    file = null;
    await Deno.rename(tmp, dest);
    report({ url, file: remote.file, received, total, done: true });
  } catch (e) {
    file?.close();
    await removeQuietly(tmp);
    throw new Error(reason(e));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Download `remote` to `dest`, trying its URLs in order. On success `dest`
 * holds exactly the verified bytes; on failure nothing is left at `dest` or
 * beside it and the `ActlabError` lists every URL with what went wrong.
 */
export async function downloadVerified(
  remote: RemoteFile,
  dest: string,
  opts: DownloadOptions = {},
): Promise<void> {
  const failures: string[] = [];
  for (const url of remote.urls) {
    try {
      await fetchOne(url, remote, dest, opts);
      return;
    } catch (e) {
      failures.push(`${url}: ${(e as Error).message}`);
    }
  }
  throw new ActlabError(
    `download of ${remote.file} failed (nothing was saved to ${dest}):\n    ` +
      failures.join("\n    "),
    "check the network connection (deno needs --allow-net and --allow-write for the cache dir)",
  );
}
