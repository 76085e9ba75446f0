/**
 * Small file helpers for run directories: atomic writes, JSONL appends, a
 * writability probe and the clean-up a killed run needs on resume. Every
 * failure to write is an `ActlabError` naming the file, so "disk full" reads
 * as such and not as a stack trace.
 * @module
 */
import { ActlabError } from "../core/errors.ts";

function isNoSpace(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === "ENOSPC" || /no space left/i.test(String(err?.message));
}

/** The ActlabError for a failed write of `path` (the previous version of the file is kept). */
export function writeError(path: string, e: unknown): ActlabError {
  if (e instanceof ActlabError) return e;
  const why = isNoSpace(e) ? "no space left on the device" : (e as Error).message;
  return new ActlabError(
    `cannot write ${path}: ${why}`,
    isNoSpace(e)
      ? "free disk space or choose another --out; the previous version of the file is kept"
      : "choose a writable --out (deno needs --allow-write for it); the previous version is kept",
  );
}

/** Write `data` to `path` atomically (temp file + rename); on failure no temp file is left. */
export async function writeBytesAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw writeError(path, e);
  }
}

/** Write `text` to `path` atomically (temp file + rename). */
export function writeTextAtomic(path: string, text: string): Promise<void> {
  return writeBytesAtomic(path, text);
}

/** Write pretty JSON atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeTextAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** Append one JSON line. */
export async function appendJsonLine(path: string, value: unknown): Promise<void> {
  try {
    await Deno.writeTextFile(path, JSON.stringify(value) + "\n", { append: true });
  } catch (e) {
    throw writeError(path, e);
  }
}

/**
 * Make sure `dir` exists and can take a file of `bytes` bytes, before any
 * work is done: a read-only or full disk is reported up front, not after the
 * first epoch. The probe file is removed, and so is `dir` if the probe
 * created it and failed.
 */
export async function probeWritable(dir: string, bytes: number): Promise<void> {
  const existed = await Deno.stat(dir).then(() => true, () => false);
  const probe = `${dir}/.actlab-probe-${Deno.pid}`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeFile(probe, new Uint8Array(bytes), { createNew: true });
    await Deno.remove(probe);
  } catch (e) {
    await Deno.remove(probe).catch(() => {});
    if (!existed) await Deno.remove(dir).catch(() => {});
    if (isNoSpace(e)) {
      throw new ActlabError(
        `run directory ${dir} has no room for a checkpoint (${
          (bytes / 2 ** 20).toFixed(1)
        } MiB needed: the new file is written beside the old one)`,
        "free disk space or choose another --out",
      );
    }
    throw new ActlabError(
      `run directory ${dir} is not writable (${(e as Error).message})`,
      "choose a writable --out (deno needs --allow-write for it)",
    );
  }
}

/** Remove temp files (`NAME.tmp-PID`) that a killed process left in `dir`. */
export async function removeStaleTemps(dir: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && /\.tmp-\d+$/.test(e.name)) await Deno.remove(`${dir}/${e.name}`);
  }
}

/**
 * Keep only the lines of a JSONL log whose `step` is at most `step`: a run
 * killed after logging an epoch but before its checkpoint landed replays that
 * epoch on resume, and must not log it twice.
 */
export async function trimLogToStep(path: string, step: number): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return; // no log yet
  }
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const keep = lines.filter((l) => {
    try {
      return Number(JSON.parse(l).step) <= step;
    } catch {
      return false; // a line cut short by a kill
    }
  });
  if (keep.length !== lines.length || !text.endsWith("\n")) {
    await writeTextAtomic(path, keep.map((l) => l + "\n").join(""));
  }
}
