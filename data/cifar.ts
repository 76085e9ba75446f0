/**
 * CIFAR-10 and CIFAR-100 (Krizhevsky, 2009), "binary version": 32×32 RGB,
 * 50 000 train / 10 000 test. A CIFAR-10 record is 1 label byte + 3072 pixel
 * bytes (1024 red, 1024 green, 1024 blue, rows top to bottom — already CHW);
 * a CIFAR-100 record has a coarse and a fine label byte before the pixels
 * (actlab uses the fine labels). Read from the extracted folder
 * (`cifar-10-batches-bin/`, `cifar-100-binary/`) or straight from the
 * `.tar.gz` archive.
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Dataset, Split } from "./dataset.ts";
import { maybeGunzip } from "./gzip.ts";
import { type DataLayout, isDir, isFile, locate, type LocateOptions } from "./locate.ts";
import { readTar } from "./tar.ts";

/** Which CIFAR. */
export type CifarKind = "cifar10" | "cifar100";

interface CifarSpec {
  readonly title: string;
  readonly folder: string;
  readonly archive: string;
  readonly url: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly files: Readonly<Record<Split, readonly string[]>>;
  readonly labelBytes: number;
  readonly numClasses: number;
  readonly namesFile: string;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * Archive digests: the SHA-256 values TensorFlow Datasets records for these
 * URLs (url_checksums/cifar10.txt, cifar100.txt), also used by several other
 * loaders; the dataset page publishes only MD5 (c32a1d4ab5d03f1284b67883e8d87530
 * and 03b5dce01913d631647c71ecec9e9cb8). Mean/std: the commonly published
 * per-channel statistics of the 50 000 training images on the [0, 1] scale.
 */
const SPECS: Readonly<Record<CifarKind, CifarSpec>> = {
  cifar10: {
    title: "CIFAR-10",
    folder: "cifar-10-batches-bin",
    archive: "cifar-10-binary.tar.gz",
    url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
    sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
    bytes: 170052171,
    files: {
      train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
      test: ["test_batch.bin"],
    },
    labelBytes: 1,
    numClasses: 10,
    namesFile: "batches.meta.txt",
    mean: [0.4914, 0.4822, 0.4465],
    std: [0.2470, 0.2435, 0.2616],
  },
  cifar100: {
    title: "CIFAR-100",
    folder: "cifar-100-binary",
    archive: "cifar-100-binary.tar.gz",
    url: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
    sha256: "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec",
    bytes: 168513733,
    files: { train: ["train.bin"], test: ["test.bin"] },
    labelBytes: 2,
    numClasses: 100,
    namesFile: "fine_label_names.txt",
    mean: [0.5071, 0.4865, 0.4409],
    std: [0.2673, 0.2564, 0.2762],
  },
};

const PIXELS = 3 * 32 * 32;
const CIFAR10_NAMES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

/** Where one split's CIFAR records are: a folder of `.bin` files or an archive. */
export type CifarFiles =
  | { readonly kind: "folder"; readonly dir: string }
  | { readonly kind: "archive"; readonly path: string };

/** Name of the archive file of a CIFAR kind (as published). */
export function cifarArchiveName(kind: CifarKind): string {
  return SPECS[kind].archive;
}

/** Name of the folder the archive extracts to. */
export function cifarFolderName(kind: CifarKind): string {
  return SPECS[kind].folder;
}

/** The `.bin` file names of one split. */
export function cifarSplitFiles(kind: CifarKind, split: Split): readonly string[] {
  return SPECS[kind].files[split];
}

/** The locator layout of one CIFAR split. */
export function cifarLayout(kind: CifarKind, split: Split): DataLayout<CifarFiles> {
  const spec = SPECS[kind];
  const needed = spec.files[split];
  return {
    title: `${spec.title} (${split} split)`,
    slug: kind,
    systemDirs: [],
    async probe(dir) {
      const notes: string[] = [];
      // The extracted folder inside `dir`, or `dir` being that folder itself.
      for (const d of [`${dir}/${spec.folder}`, dir]) {
        if (d !== dir && !(await isDir(d))) continue;
        const missing: string[] = [];
        for (const f of needed) if (!(await isFile(`${d}/${f}`))) missing.push(f);
        if (missing.length === 0) return { kind: "folder", dir: d };
        if (missing.length < needed.length || d !== dir) {
          notes.push(`${d === dir ? "" : `${spec.folder}/ `}missing ${missing.join(", ")}`);
        }
      }
      if (await isFile(`${dir}/${spec.archive}`)) {
        return { kind: "archive", path: `${dir}/${spec.archive}` };
      }
      return notes.length > 0 ? notes.join("; ") : `no ${spec.folder}/ folder or ${spec.archive}`;
    },
    remote: [{ file: spec.archive, urls: [spec.url], sha256: spec.sha256, bytes: spec.bytes }],
    howToGet: `download ${spec.url} (the "binary version"), then pass --data-dir DIR for the ` +
      `folder holding the archive or its extracted ${spec.folder}/ (or set $ACTLAB_DATA=DIR)`,
  };
}

/**
 * Parse CIFAR records from `bytes` (`file` names them in errors). Throws when
 * the length is not a whole number of records or a label is out of range.
 */
export function parseCifarRecords(
  bytes: Uint8Array,
  file: string,
  kind: CifarKind,
): { images: Uint8Array; labels: Int32Array } {
  const spec = SPECS[kind];
  const rec = spec.labelBytes + PIXELS;
  if (bytes.length === 0 || bytes.length % rec !== 0) {
    throw new ActlabError(
      `${file}: truncated or not ${spec.title} binary data: ${bytes.length} bytes is not a ` +
        `whole, non-zero number of ${rec}-byte records`,
      "delete the file and fetch it again",
    );
  }
  const n = bytes.length / rec;
  const images = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * rec;
    // CIFAR-100 stores the coarse label first; it is checked too, as a corruption guard.
    if (kind === "cifar100" && bytes[o] >= 20) {
      throw new ActlabError(
        `${file}: record ${i}: coarse label ${bytes[o]} is out of range 0..19`,
        "the file is corrupt or not CIFAR-100; fetch it again",
      );
    }
    const label = bytes[o + spec.labelBytes - 1];
    if (label >= spec.numClasses) {
      throw new ActlabError(
        `${file}: record ${i}: label ${label} is out of range 0..${spec.numClasses - 1}`,
        `the file is corrupt or not ${spec.title}; fetch it again`,
      );
    }
    labels[i] = label;
    images.set(bytes.subarray(o + spec.labelBytes, o + rec), i * PIXELS);
  }
  return { images, labels };
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw new ActlabError(`${path}: cannot read (${(e as Error).message})`, "check the file");
  }
}

function classNames(
  text: string | null,
  numClasses: number,
  fallback: readonly string[],
): string[] {
  const lines = text?.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "") ?? [];
  if (lines.length === numClasses) return lines;
  return Array.from({ length: numClasses }, (_, i) => fallback[i] ?? `class_${i}`);
}

/** Read one split from a folder or archive found by the locator. */
export async function readCifar(
  files: CifarFiles,
  kind: CifarKind,
  split: Split,
): Promise<Dataset> {
  const spec = SPECS[kind];
  const parts: { images: Uint8Array; labels: Int32Array }[] = [];
  let namesText: string | null = null;
  let source: string;
  if (files.kind === "folder") {
    source = files.dir;
    for (const f of spec.files[split]) {
      const path = `${files.dir}/${f}`;
      parts.push(parseCifarRecords(await readBytes(path), path, kind));
    }
    const namesPath = `${files.dir}/${spec.namesFile}`;
    if (await isFile(namesPath)) namesText = await Deno.readTextFile(namesPath);
  } else {
    source = files.path;
    const entries = readTar(maybeGunzip(await readBytes(files.path), files.path), files.path);
    const entry = (f: string) => entries.get(`${spec.folder}/${f}`) ?? entries.get(f);
    for (const f of spec.files[split]) {
      const bytes = entry(f);
      if (!bytes) {
        throw new ActlabError(
          `${files.path}: the archive has no ${spec.folder}/${f}`,
          "the archive is incomplete or not the binary version; fetch it again",
        );
      }
      parts.push(parseCifarRecords(bytes, `${files.path}:${spec.folder}/${f}`, kind));
    }
    const names = entry(spec.namesFile);
    if (names) namesText = new TextDecoder().decode(names);
  }
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const images = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * PIXELS);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return {
    name: kind,
    split,
    images,
    labels,
    n,
    shape: [3, 32, 32],
    numClasses: spec.numClasses,
    mean: [...spec.mean],
    std: [...spec.std],
    classNames: classNames(namesText, spec.numClasses, kind === "cifar10" ? CIFAR10_NAMES : []),
    source,
    defaultAugment: true,
  };
}

/** Locate (see `locate`) and read one CIFAR split. */
export async function loadCifar(
  kind: CifarKind,
  split: Split,
  options: LocateOptions = {},
): Promise<Dataset> {
  const { found } = await locate(cifarLayout(kind, split), options);
  return await readCifar(found, kind, split);
}
