/**
 * Finding the images of an image-folder dataset: `DIR/<split>/<class>/…`
 * with classes sorted by name and files in `os.walk` order, exactly as
 * torchvision's `ImageFolder` (and the authors' copy of it,
 * horrible-dong/DNRT `qtcls/datasets/folder.py`) numbers them — so a label
 * here is the label a PyTorch run on the same folder sees.
 *
 * ILSVRC-2012's validation images also come as one flat folder; its labels
 * are then read from a label file beside it: Kaggle's `LOC_val_solution.csv`
 * (`ImageId,PredictionString`, the synset first) or a plain
 * `val_labels.txt` (`<file name> <class>` per line).
 * @module
 */
import { join } from "node:path";
import { ActlabError } from "../../core/errors.ts";

/** The file extensions read (case-insensitive): what the decoder (sharp/libvips) reads. */
export const IMAGE_EXTENSIONS: readonly string[] = [
  ".jpg",
  ".jpeg",
  ".png",
  ".webp",
  ".tif",
  ".tiff",
];

/** The images of one split, in dataset order, and their classes. */
export interface ImageFolderIndex {
  /** Absolute or root-relative paths, in dataset order. */
  readonly files: readonly string[];
  /** Class of each file. */
  readonly labels: Int32Array;
  /** Class names (folder names) in label order. */
  readonly classNames: readonly string[];
  /** The split's folder. */
  readonly dir: string;
}

function isImage(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function listDir(dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ActlabError(`image folder ${dir} does not exist`, LAYOUT_FIX);
    }
    throw new ActlabError(`cannot read the folder ${dir}: ${(e as Error).message}`, LAYOUT_FIX);
  }
}

const LAYOUT_FIX = "lay the data out as DIR/train/<class>/*.jpg and DIR/val/<class>/*.jpg " +
  "(or a flat DIR/val with DIR/LOC_val_solution.csv or DIR/val_labels.txt) and pass --data-dir DIR";

/** Whether an entry is a directory, following symbolic links as `os.walk(followlinks=True)`. */
function isDir(path: string, entry: Deno.DirEntry): boolean {
  if (entry.isDirectory) return true;
  if (!entry.isSymlink) return false;
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** Image files under `dir`, recursively, in `sorted(os.walk(dir))` order with sorted names. */
function walkImages(dir: string): string[] {
  const roots: [string, string[]][] = [];
  const visit = (root: string) => {
    const files: string[] = [];
    for (const e of listDir(root)) {
      const path = join(root, e.name);
      if (isDir(path, e)) visit(path);
      else if (isImage(e.name)) files.push(e.name);
    }
    roots.push([root, files.sort()]);
  };
  visit(dir);
  // os.walk's tuples sort by their root path first.
  roots.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return roots.flatMap(([root, files]) => files.map((f) => join(root, f)));
}

/** Class folders of a split, sorted by name (code point order, as Python's `sorted`). */
function classFolders(dir: string): string[] {
  return listDir(dir).filter((e) => isDir(join(dir, e.name), e)).map((e) => e.name).sort();
}

/**
 * Index a split stored as class folders. With `classes`, exactly those
 * classes are read (sorted by name; each must have a folder) — ImageNet-100
 * from a full ImageNet tree; without, every sub-folder is a class.
 */
export function scanClassFolders(dir: string, classes?: readonly string[]): ImageFolderIndex {
  const found = classFolders(dir);
  let names = found;
  if (classes) {
    const have = new Set(found);
    const missing = classes.filter((c) => !have.has(c));
    if (missing.length) {
      throw new ActlabError(
        `${dir} lacks ${missing.length} of the ${classes.length} class folders the dataset needs ` +
          `(e.g. ${missing.slice(0, 5).join(", ")})`,
        LAYOUT_FIX,
      );
    }
    names = [...classes].sort();
  }
  if (names.length === 0) {
    throw new ActlabError(`${dir} holds no class folders`, LAYOUT_FIX);
  }
  const files: string[] = [];
  const labels: number[] = [];
  names.forEach((name, k) => {
    const inClass = walkImages(join(dir, name));
    if (inClass.length === 0) {
      throw new ActlabError(`class folder ${join(dir, name)} holds no images`, LAYOUT_FIX);
    }
    for (const f of inClass) {
      files.push(f);
      labels.push(k);
    }
  });
  return { files, labels: Int32Array.from(labels), classNames: names, dir };
}

/** Read a flat validation folder's label file: file name → class name. */
function readFlatLabels(root: string): { map: Map<string, string>; file: string } {
  const candidates = [join(root, "LOC_val_solution.csv"), join(root, "val_labels.txt")];
  for (const file of candidates) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      continue;
    }
    const map = new Map<string, string>();
    const csv = file.endsWith(".csv");
    text.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim() || (csv && i === 0 && line.startsWith("ImageId"))) return;
      const [name, rest] = csv ? line.split(",", 2) : line.trim().split(/\s+/, 2);
      const cls = rest?.trim().split(/\s+/)[0];
      if (!name || !cls) {
        throw new ActlabError(
          `${file}:${i + 1}: expected ${
            csv ? "ImageId,<synset> …" : "<file> <class>"
          }, got "${line}"`,
          "fix or regenerate the label file",
        );
      }
      // Kaggle's ids have no extension; match on the name without one.
      map.set(name.replace(/\.[^.]*$/, ""), cls);
    });
    return { map, file };
  }
  throw new ActlabError(
    `${join(root, "val")} is a flat folder of images but no label file was found ` +
      `(looked for ${candidates.join(" and ")})`,
    "put Kaggle's LOC_val_solution.csv or a val_labels.txt (<file> <class> per line) beside " +
      "val/, or sort val/ into class folders (pytorch/examples' valprep.sh)",
  );
}

/**
 * Index a flat validation folder with the training split's classes: each
 * image's class comes from the label file beside the folder.
 */
export function scanFlatFolder(
  root: string,
  split: string,
  classNames: readonly string[],
): ImageFolderIndex {
  const dir = join(root, split);
  const { map, file } = readFlatLabels(root);
  const index = new Map(classNames.map((c, k) => [c, k]));
  const names = listDir(dir).filter((e) => !e.isDirectory && isImage(e.name)).map((e) => e.name)
    .sort();
  const files: string[] = [];
  const labels: number[] = [];
  for (const name of names) {
    const cls = map.get(name.replace(/\.[^.]*$/, ""));
    if (cls === undefined) {
      throw new ActlabError(
        `${join(dir, name)} has no entry in ${file}`,
        "complete the label file",
      );
    }
    const k = index.get(cls);
    if (k === undefined) continue; // a class outside the dataset (ImageNet-100 from a full val set)
    files.push(join(dir, name));
    labels.push(k);
  }
  if (files.length === 0) {
    throw new ActlabError(`${dir}: no image belongs to the dataset's classes`, LAYOUT_FIX);
  }
  return { files, labels: Int32Array.from(labels), classNames, dir };
}

/**
 * Index one split of `root`: class folders when `root/<split>` has them,
 * else a flat folder labelled by its label file (needs `trainClasses`).
 */
export function scanSplit(
  root: string,
  split: string,
  options: { classes?: readonly string[]; trainClasses?: readonly string[] } = {},
): ImageFolderIndex {
  const dir = join(root, split);
  const hasClassDirs = classFolders(dir).length > 0;
  if (hasClassDirs) return scanClassFolders(dir, options.classes);
  const classes = options.classes ? [...options.classes].sort() : options.trainClasses;
  if (!classes) {
    throw new ActlabError(`${dir} holds no class folders`, LAYOUT_FIX);
  }
  return scanFlatFolder(root, split, classes);
}
