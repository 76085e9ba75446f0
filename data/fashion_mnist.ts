/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017): 28×28 grey images of 10
 * clothing classes, 60 000 train / 10 000 test, in IDX files (gzip or plain).
 * @module
 */
import { ActlabError } from "../core/errors.ts";
import type { Dataset, Split } from "./dataset.ts";
import type { RemoteFile } from "./download.ts";
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdx } from "./idx.ts";
import { type DataLayout, isFile, locate, type LocateOptions } from "./locate.ts";

/** Class names in label order. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/**
 * Per-channel mean/std of the 60 000 training images on the [0, 1] scale,
 * computed here from the Debian copy (population std); the published
 * rounded values are 0.2860 / 0.3530.
 */
export const FASHION_MNIST_MEAN: readonly number[] = [0.2860406];
/** See `FASHION_MNIST_MEAN`. */
export const FASHION_MNIST_STD: readonly number[] = [0.3530242];

/** Where Debian's `dataset-fashion-mnist` package installs the gzip files. */
export const FASHION_MNIST_DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

const BASE_URLS = [
  // The canonical location named in the upstream README.
  "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
  // The same files in the upstream repository (data/fashion/).
  "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
];

/** The IDX files of one split: base names (without `.gz`). */
export const FASHION_MNIST_FILES: Readonly<Record<Split, { images: string; labels: string }>> = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
};

/**
 * SHA-256 of the canonical upstream `.gz` downloads (upstream publishes MD5
 * only: 8d4fb7e6…, 25c81989…, bef4ecab…, bb300cfd…). These are the values
 * widely recorded for the files whose MD5 matches upstream's table; sizes are
 * upstream's byte counts. Downloads are checked against these.
 */
export const FASHION_MNIST_GZ_SHA256: Readonly<Record<string, { sha256: string; bytes: number }>> =
  {
    "train-images-idx3-ubyte.gz": {
      sha256: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
      bytes: 26421880,
    },
    "train-labels-idx1-ubyte.gz": {
      sha256: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
      bytes: 29515,
    },
    "t10k-images-idx3-ubyte.gz": {
      sha256: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
      bytes: 4422102,
    },
    "t10k-labels-idx1-ubyte.gz": {
      sha256: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
      bytes: 5148,
    },
  };

/**
 * SHA-256 of the decompressed IDX content, computed from Debian's
 * `dataset-fashion-mnist` 0.0~git20200523.55506a9-1. Debian recompresses
 * the files (its `.gz` digests differ from upstream's) but the content is
 * upstream's, so these identify the canonical data whatever the compression.
 */
export const FASHION_MNIST_IDX_SHA256: Readonly<Record<string, string>> = {
  "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
  "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
  "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
  "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
};

/** Paths of one split's two files, as found by the locator. */
export interface FashionMnistFiles {
  /** The images file (gzip or plain). */
  readonly images: string;
  /** The labels file (gzip or plain). */
  readonly labels: string;
}

/** The plain file when present (cheaper to read), else the `.gz` one, else null. */
async function findIdx(dir: string, base: string): Promise<string | null> {
  for (const name of [base, `${base}.gz`]) {
    if (await isFile(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

/** The locator layout of one Fashion-MNIST split. */
export function fashionMnistLayout(split: Split): DataLayout<FashionMnistFiles> {
  const names = FASHION_MNIST_FILES[split];
  return {
    title: `Fashion-MNIST (${split} split)`,
    slug: "fashion-mnist",
    systemDirs: [FASHION_MNIST_DEBIAN_DIR],
    async probe(dir) {
      const images = await findIdx(dir, names.images);
      const labels = await findIdx(dir, names.labels);
      if (images && labels) return { images, labels };
      const missing = [images ? null : names.images, labels ? null : names.labels]
        .filter((m) => m !== null)
        .map((m) => `${m}[.gz]`);
      return `missing ${missing.join(", ")}`;
    },
    remote: [names.images, names.labels].map((base): RemoteFile => {
      const file = `${base}.gz`;
      return { file, urls: BASE_URLS.map((u) => u + file), ...FASHION_MNIST_GZ_SHA256[file] };
    }),
    howToGet: "install the Debian package (apt-get install dataset-fashion-mnist), or put " +
      `${names.images}.gz and ${names.labels}.gz in a folder and pass --data-dir DIR ` +
      `(or set $ACTLAB_DATA=DIR)`,
  };
}

/**
 * Read one split from its two IDX files. Checks the magic numbers, sizes,
 * that both files hold the same number of items and that labels are 0..9.
 */
export async function readFashionMnist(files: FashionMnistFiles, split: Split): Promise<Dataset> {
  const img = await readIdx(files.images, IDX_IMAGES_MAGIC);
  const lab = await readIdx(files.labels, IDX_LABELS_MAGIC);
  const [n, h, w] = img.dims;
  if (lab.dims[0] !== n) {
    throw new ActlabError(
      `${files.labels}: has ${lab.dims[0]} labels but ${files.images} has ${n} images`,
      "the two files belong to different splits or versions; fetch both again",
    );
  }
  const numClasses = FASHION_MNIST_CLASSES.length;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = lab.data[i];
    if (v >= numClasses) {
      throw new ActlabError(
        `${files.labels}: label ${v} of item ${i} is out of range 0..${numClasses - 1}`,
        "the file is corrupt or not Fashion-MNIST; fetch it again",
      );
    }
    labels[i] = v;
  }
  return {
    name: "fashion-mnist",
    split,
    images: img.data,
    labels,
    n,
    shape: [1, h, w],
    numClasses,
    mean: [...FASHION_MNIST_MEAN],
    std: [...FASHION_MNIST_STD],
    classNames: [...FASHION_MNIST_CLASSES],
    source: files.images,
    defaultAugment: false,
  };
}

/** Locate (see `locate`) and read one Fashion-MNIST split. */
export async function loadFashionMnist(
  split: Split,
  options: LocateOptions = {},
): Promise<Dataset> {
  const { found } = await locate(fashionMnistLayout(split), options);
  return await readFashionMnist(found, split);
}
