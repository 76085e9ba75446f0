/**
 * Image-folder datasets, streamed from disk: `imagefolder` (any
 * `DIR/train/<class>/…`, `DIR/val/<class>/…`), `imagenet100` (the 100 CMC
 * classes, from an ImageNet-100 folder or a full ImageNet tree) and
 * `imagenet1k` (ILSVRC-2012, validation as class folders or flat with its
 * label file). Images are normalised with ImageNet's mean and std, as the
 * authors' toolbox does for both ImageNet sets (DNRT
 * `qtcls/datasets/__init__.py`); `imagefolder` uses them too (assumption: a
 * custom folder has no published statistics).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import { IMAGENET100_CLASSES } from "./imagenet100.ts";
import { SamplePool } from "./pool.ts";
import { type FolderAugment, probeImage } from "./sample.ts";
import { type ImageFolderIndex, scanSplit } from "./scan.ts";
import { ImageFolderStream } from "./stream.ts";

/** The streamed image datasets. */
export const IMAGE_FOLDER_DATASETS: readonly string[] = [
  "imagefolder",
  "imagenet100",
  "imagenet1k",
];

/** Whether `name` is a streamed image-folder dataset. */
export function isImageFolderDataset(name: string): boolean {
  return IMAGE_FOLDER_DATASETS.includes(name);
}

/** ImageNet's per-channel mean and std (timm's IMAGENET_DEFAULT_MEAN/STD). */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
/** See `IMAGENET_MEAN`. */
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];

/** How an image folder is read. */
export interface ImageFolderOptions {
  /** Side length the model sees (default 224). */
  readonly imageSize?: number;
  /** Evaluation crop fraction (default 0.875, the authors' crop_pct). */
  readonly cropPct?: number;
  /** Decode workers (default: the core count, at most 8; 0 = on the main thread). */
  readonly workers?: number;
  /** Batches decoded ahead (default 2). */
  readonly prefetch?: number;
  /** Leave out files whose header cannot be read (counted), instead of stopping. */
  readonly skipBadImages?: boolean;
}

/** How the run augments (`config.augment`), passed when the folder is opened. */
export interface ImageFolderOpenOptions {
  /** Whether the training split is needed. */
  readonly train: boolean;
  /** The split evaluation covers (default `test`, i.e. `val/`). */
  readonly evalSplit?: "train" | "test";
  /** Training augmentation (default `default`: RandomResizedCrop + flip). */
  readonly augment?: FolderAugment;
}

/** The defaults of `ImageFolderOptions`. */
export function imageFolderDefaults(o: ImageFolderOptions = {}): Required<ImageFolderOptions> {
  return {
    imageSize: o.imageSize ?? 224,
    cropPct: o.cropPct ?? 0.875,
    workers: o.workers ?? Math.max(1, Math.min(8, navigator.hardwareConcurrency ?? 1)),
    prefetch: o.prefetch ?? 2,
    skipBadImages: o.skipBadImages ?? false,
  };
}

/** An opened image-folder dataset: its splits as streams over one decode pool. */
export interface ImageFolderData {
  /** Dataset name. */
  readonly name: string;
  /** Training split (when asked for). */
  readonly train?: ImageFolderStream;
  /** Evaluation split (`val`, or `train` for analysis of the training split). */
  readonly eval: ImageFolderStream;
  /** Class names in label order. */
  readonly classNames: readonly string[];
  /** Per-sample shape [3, S, S]. */
  readonly shape: readonly [number, number, number];
  /** Normalisation. */
  readonly mean: readonly number[];
  /** Normalisation. */
  readonly std: readonly number[];
  /** Files left out by `skipBadImages`, per split. */
  readonly skipped: { readonly train: number; readonly eval: number };
  /** Stop the decode workers. */
  close(): void;
}

/** Drop files whose header does not read; returns the index kept and how many were dropped. */
async function withoutBadImages(index: ImageFolderIndex): Promise<[ImageFolderIndex, number]> {
  const ok = new Uint8Array(index.files.length);
  const chunk = 64;
  for (let i = 0; i < index.files.length; i += chunk) {
    const part = index.files.slice(i, i + chunk);
    const results = await Promise.allSettled(part.map((f) => probeImage(f)));
    results.forEach((r, j) => (ok[i + j] = r.status === "fulfilled" ? 1 : 0));
  }
  const files = index.files.filter((_, i) => ok[i]);
  const labels = index.labels.filter((_, i) => ok[i]);
  return [{ ...index, files, labels }, index.files.length - files.length];
}

/** Open `name` under `dataDir`: scan its splits and start the decode pool. */
export async function openImageFolder(
  name: string,
  dataDir: string | undefined,
  options: ImageFolderOptions,
  open: ImageFolderOpenOptions,
): Promise<ImageFolderData> {
  if (!isImageFolderDataset(name)) {
    throw new ActlabError(
      `"${name}" is not an image-folder dataset`,
      `use one of: ${IMAGE_FOLDER_DATASETS.join(", ")}`,
    );
  }
  if (!dataDir) {
    throw new ActlabError(
      `dataset ${name} is read from a folder, and no --data-dir was given`,
      "pass --data-dir DIR with DIR/train/<class>/*.jpg and DIR/val/… " +
        (name === "imagefolder" ? "" : "(ILSVRC-2012 from image-net.org, extracted)"),
    );
  }
  const o = imageFolderDefaults(options);
  if (!(Number.isInteger(o.imageSize) && o.imageSize >= 8)) {
    throw new ActlabError(`image size must be an integer >= 8, got ${o.imageSize}`, "e.g. 224");
  }
  if (!(o.cropPct > 0 && o.cropPct <= 1)) {
    throw new ActlabError(`crop fraction must be in (0, 1], got ${o.cropPct}`, "e.g. 0.875");
  }
  const classes = name === "imagenet100" ? IMAGENET100_CLASSES : undefined;
  let train = scanSplit(dataDir, "train", { classes });
  const evalSplit = open.evalSplit ?? "test";
  let ev = evalSplit === "train"
    ? train
    : scanSplit(dataDir, "val", { classes, trainClasses: train.classNames });
  if (ev.classNames.join("\n") !== train.classNames.join("\n")) {
    throw new ActlabError(
      `${ev.dir} has other classes (${ev.classNames.length}) than ${train.dir} (${train.classNames.length})`,
      "give both splits the same class folders",
    );
  }
  let skippedTrain = 0, skippedEval = 0;
  if (o.skipBadImages) {
    if (open.train) [train, skippedTrain] = await withoutBadImages(train);
    [ev, skippedEval] = await withoutBadImages(ev);
  }
  const pool = new SamplePool(o.workers);
  const stream = {
    size: o.imageSize,
    cropPct: o.cropPct,
    prefetch: o.prefetch,
    augment: open.augment ?? "default",
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
  };
  return {
    name,
    train: open.train ? new ImageFolderStream(train, pool, stream) : undefined,
    eval: new ImageFolderStream(ev, pool, stream),
    classNames: train.classNames,
    shape: [3, o.imageSize, o.imageSize],
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    skipped: { train: skippedTrain, eval: skippedEval },
    close: () => pool.close(),
  };
}
