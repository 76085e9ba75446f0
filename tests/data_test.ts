/**
 * Dataset readers: IDX (plain and gzip), CIFAR-10/100 (folders and .tar.gz),
 * every bad-file case, synthetic data, subsets, and a smoke test on the real
 * Debian Fashion-MNIST when it is installed.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { ActlabError } from "../core/errors.ts";
import { type Dataset, loadDataset, type LoadOptions } from "../data/dataset.ts";
import {
  FASHION_MNIST_DEBIAN_DIR,
  FASHION_MNIST_IDX_SHA256,
  FASHION_MNIST_MEAN,
  FASHION_MNIST_STD,
} from "../data/fashion_mnist.ts";
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from "../data/idx.ts";
import { channelStats } from "../data/stats.ts";
import { subsetDataset } from "../data/subset.ts";
import { makeSynthetic } from "../data/synthetic.ts";
import { readTar } from "../data/tar.ts";

// ---------- fixtures ----------

function idx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, magic, false);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function gz(b: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(b));
}

/** `n` 28×28 images whose pixel p of image i is (i * 7 + p) % 256, labels i % 10. */
function fashionBytes(n: number, labelOf = (i: number) => i % 10) {
  const px = new Uint8Array(n * 784).map((_, j) => (Math.floor(j / 784) * 7 + (j % 784)) % 256);
  return {
    images: idx(IDX_IMAGES_MAGIC, [n, 28, 28], px),
    labels: idx(IDX_LABELS_MAGIC, [n], Uint8Array.from({ length: n }, (_, i) => labelOf(i))),
    px,
  };
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "actlab_data_test_" });
}

/** Options that look ONLY in `dir` (no env, cache, system dirs or network). */
function only(dir: string, extra: LoadOptions = {}): LoadOptions {
  return {
    dataDir: dir,
    env: () => undefined,
    cacheDir: `${dir}/.no-cache`,
    systemDirs: [],
    download: false,
    ...extra,
  };
}

async function writeFashion(dir: string, n: number, gzipped: boolean, split = "train") {
  const f = fashionBytes(n);
  const [img, lab] = split === "train"
    ? ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
    : ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];
  await Deno.writeFile(`${dir}/${img}${gzipped ? ".gz" : ""}`, gzipped ? gz(f.images) : f.images);
  await Deno.writeFile(`${dir}/${lab}${gzipped ? ".gz" : ""}`, gzipped ? gz(f.labels) : f.labels);
  return f;
}

/** Assert that `p` rejects with an ActlabError whose message matches every pattern. */
async function rejectsWith(p: Promise<unknown>, ...patterns: (string | RegExp)[]): Promise<string> {
  let msg = "";
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ActlabError, `expected ActlabError, got ${e}`);
    msg = e.message;
    return true;
  });
  for (const pat of patterns) {
    if (typeof pat === "string") assert.ok(msg.includes(pat), `"${pat}" not in:\n${msg}`);
    else assert.match(msg, pat);
  }
  return msg;
}

/** A ustar archive of `files` (regular files only), with the two zero end blocks. */
function tar(files: [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const [name, data] of files) {
    const h = new Uint8Array(512);
    h.set(enc.encode(name), 0);
    h.set(enc.encode("0000644\0"), 100);
    h.set(enc.encode("0000000\0"), 108);
    h.set(enc.encode("0000000\0"), 116);
    h.set(enc.encode(data.length.toString(8).padStart(11, "0") + "\0"), 124);
    h.set(enc.encode("00000000000\0"), 136);
    h[156] = 48; // '0'
    h.set(enc.encode("ustar\0" + "00"), 257);
    h.fill(32, 148, 156);
    const sum = h.reduce((s, b) => s + b, 0);
    h.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
    parts.push(h, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** CIFAR records: image i has every byte of channel c equal to (10 i + c) % 256. */
function cifarRecords(labels: number[][], start: number): Uint8Array {
  const rec = labels[0].length + 3072;
  const out = new Uint8Array(labels.length * rec);
  labels.forEach((ls, r) => {
    out.set(ls, r * rec);
    for (let c = 0; c < 3; c++) {
      const v = (10 * (start + r) + c) % 256;
      out.fill(v, r * rec + ls.length + c * 1024, r * rec + ls.length + (c + 1) * 1024);
    }
  });
  return out;
}

/** A tiny CIFAR-10: 5 train batches of 2 records, a test batch of 3. */
function cifar10Files(): [string, Uint8Array][] {
  const files: [string, Uint8Array][] = [];
  for (let b = 1; b <= 5; b++) {
    const i = (b - 1) * 2;
    files.push([`data_batch_${b}.bin`, cifarRecords([[i % 10], [(i + 1) % 10]], i)]);
  }
  files.push(["test_batch.bin", cifarRecords([[9], [0], [5]], 100)]);
  const names = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
  files.push(["batches.meta.txt", new TextEncoder().encode(names)]);
  return files;
}

async function writeFolder(dir: string, files: [string, Uint8Array][]): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, data] of files) await Deno.writeFile(`${dir}/${name}`, data);
}

// ---------- IDX / Fashion-MNIST ----------

Deno.test("fashion-mnist: plain and gzip IDX files load identically", async () => {
  for (const gzipped of [false, true]) {
    const dir = await tempDir();
    const f = await writeFashion(dir, 5, gzipped);
    const ds = await loadDataset("fashion-mnist", "train", only(dir));
    assert.equal(ds.n, 5);
    assert.deepEqual(ds.shape, [1, 28, 28]);
    assert.equal(ds.numClasses, 10);
    assert.deepEqual([...ds.labels], [0, 1, 2, 3, 4]);
    assert.deepEqual(ds.images, f.px);
    assert.equal(ds.defaultAugment, false);
    assert.ok(ds.source.startsWith(dir));
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fashion-mnist: gzip is detected by magic bytes, not by the file name", async () => {
  const dir = await tempDir();
  const f = fashionBytes(3);
  // gzip data under the plain name, plain data under the .gz name
  await Deno.writeFile(`${dir}/t10k-images-idx3-ubyte`, gz(f.images));
  await Deno.writeFile(`${dir}/t10k-labels-idx1-ubyte.gz`, f.labels);
  const ds = await loadDataset("fashion-mnist", "test", only(dir));
  assert.equal(ds.n, 3);
  assert.deepEqual(ds.images, f.px);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fashion-mnist: every bad-file case is one ActlabError naming the file", async () => {
  const img = "train-images-idx3-ubyte";
  const lab = "train-labels-idx1-ubyte";
  const good = fashionBytes(4);
  const cases: {
    name: string;
    images?: Uint8Array;
    labels?: Uint8Array;
    bad: string;
    want: RegExp;
  }[] = [
    {
      name: "wrong magic",
      images: idx(0x12345678, [4, 28, 28], good.px),
      bad: img,
      want: /wrong magic number 0x12345678.*expected 0x00000803/,
    },
    {
      name: "labels file in place of images",
      images: good.labels,
      bad: img,
      want: /wrong magic number 0x00000801[\s\S]*swapped/,
    },
    {
      name: "empty file",
      images: new Uint8Array(0),
      bad: img,
      want: /truncated IDX file \(0 bytes/,
    },
    {
      name: "truncated header",
      images: good.images.slice(0, 10),
      bad: img,
      want: /truncated IDX header/,
    },
    {
      name: "truncated data",
      images: good.images.slice(0, good.images.length - 100),
      bad: img,
      want: /truncated: the header says 4×28×28 = 3136 bytes of data, the file has 3036/,
    },
    {
      name: "trailing bytes",
      images: new Uint8Array([...good.images, 1, 2, 3]),
      bad: img,
      want: /has trailing bytes/,
    },
    {
      name: "truncated gzip",
      images: gz(good.images).slice(0, 200),
      bad: img,
      want: /corrupt or truncated gzip data/,
    },
    {
      name: "count mismatch",
      labels: fashionBytes(3).labels,
      bad: lab,
      want: /has 3 labels but .*train-images-idx3-ubyte has 4 images/,
    },
    {
      name: "label out of range",
      labels: fashionBytes(4, (i) => (i === 2 ? 10 : 0)).labels,
      bad: lab,
      want: /label 10 of item 2 is out of range 0\.\.9/,
    },
  ];
  for (const c of cases) {
    const dir = await tempDir();
    await Deno.writeFile(`${dir}/${img}`, c.images ?? good.images);
    await Deno.writeFile(`${dir}/${lab}`, c.labels ?? good.labels);
    const msg = await rejectsWith(loadDataset("fashion-mnist", "train", only(dir)), c.want);
    assert.ok(msg.includes(`${dir}/${c.bad}`), `${c.name}: file not named in:\n${msg}`);
    assert.ok(msg.includes("fix:"), `${c.name}: no fix hint`);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("idx: parseIdx returns dims and a view of the payload", () => {
  const data = Uint8Array.from({ length: 6 }, (_, i) => i);
  const r = parseIdx(gz(idx(IDX_IMAGES_MAGIC, [1, 2, 3], data)), "x", IDX_IMAGES_MAGIC);
  assert.deepEqual(r.dims, [1, 2, 3]);
  assert.deepEqual([...r.data], [...data]);
});

// ---------- CIFAR ----------

Deno.test("cifar10: extracted folder and .tar.gz archive load the same records", async () => {
  const files = cifar10Files();
  const dirA = await tempDir();
  await writeFolder(`${dirA}/cifar-10-batches-bin`, files);
  const dirB = await tempDir();
  await Deno.writeFile(
    `${dirB}/cifar-10-binary.tar.gz`,
    gz(tar(files.map(([n, d]) => [`cifar-10-batches-bin/${n}`, d]))),
  );
  const results: Dataset[] = [];
  for (const dir of [dirA, dirB]) {
    const tr = await loadDataset("cifar10", "train", only(dir));
    assert.equal(tr.n, 10);
    assert.deepEqual(tr.shape, [3, 32, 32]);
    assert.deepEqual([...tr.labels], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // image 7, channel 2 (blue) is all (10·7 + 2) = 72: records are CHW already
    assert.equal(tr.images[7 * 3072 + 2 * 1024 + 500], 72);
    assert.equal(tr.images[7 * 3072 + 1023], 70);
    assert.equal(tr.classNames[9], "truck");
    assert.equal(tr.defaultAugment, true);
    const te = await loadDataset("cifar10", "test", only(dir));
    assert.deepEqual([...te.labels], [9, 0, 5]);
    results.push(tr);
  }
  assert.deepEqual(results[0].images, results[1].images);
  // the folder itself may be given as --data-dir
  const direct = await loadDataset("cifar10", "test", only(`${dirA}/cifar-10-batches-bin`));
  assert.equal(direct.n, 3);
  await Deno.remove(dirA, { recursive: true });
  await Deno.remove(dirB, { recursive: true });
});

Deno.test("cifar100: fine labels are used, folder and archive", async () => {
  const train = cifarRecords([[3, 42], [19, 99], [0, 0]], 0);
  const test = cifarRecords([[1, 7]], 50);
  const fine = Array.from({ length: 100 }, (_, i) => `fine${i}`).join("\n");
  const files: [string, Uint8Array][] = [
    ["train.bin", train],
    ["test.bin", test],
    ["fine_label_names.txt", new TextEncoder().encode(fine)],
  ];
  const dirA = await tempDir();
  await writeFolder(`${dirA}/cifar-100-binary`, files);
  const dirB = await tempDir();
  await Deno.writeFile(
    `${dirB}/cifar-100-binary.tar.gz`,
    gz(tar(files.map(([n, d]) => [`cifar-100-binary/${n}`, d]))),
  );
  for (const dir of [dirA, dirB]) {
    const tr = await loadDataset("cifar100", "train", only(dir));
    assert.equal(tr.numClasses, 100);
    assert.deepEqual([...tr.labels], [42, 99, 0]);
    assert.equal(tr.images[1 * 3072 + 1024], 11);
    assert.equal(tr.classNames[42], "fine42");
    const te = await loadDataset("cifar100", "test", only(dir));
    assert.deepEqual([...te.labels], [7]);
  }
  await Deno.remove(dirA, { recursive: true });
  await Deno.remove(dirB, { recursive: true });
});

Deno.test("cifar: bad files give one ActlabError naming the file", async () => {
  const base = cifar10Files();
  const replace = (name: string, data: Uint8Array) =>
    base.map(([n, d]): [string, Uint8Array] => [n, n === name ? data : d]);
  const folderCases: { name: string; files: [string, Uint8Array][]; bad: string; want: RegExp }[] =
    [
      {
        name: "truncated record",
        files: replace("data_batch_3.bin", cifarRecords([[1], [2]], 0).slice(0, 5000)),
        bad: "data_batch_3.bin",
        want: /5000 bytes is not a whole, non-zero number of 3073-byte records/,
      },
      {
        name: "empty",
        files: replace("data_batch_2.bin", new Uint8Array(0)),
        bad: "data_batch_2.bin",
        want: /0 bytes is not a whole, non-zero number/,
      },
      {
        name: "label out of range",
        files: replace("data_batch_5.bin", cifarRecords([[1], [10]], 0)),
        bad: "data_batch_5.bin",
        want: /record 1: label 10 is out of range 0\.\.9/,
      },
    ];
  for (const c of folderCases) {
    const dir = await tempDir();
    await writeFolder(`${dir}/cifar-10-batches-bin`, c.files);
    const msg = await rejectsWith(loadDataset("cifar10", "train", only(dir)), c.want);
    assert.ok(msg.includes(`cifar-10-batches-bin/${c.bad}`), `${c.name}: ${msg}`);
    await Deno.remove(dir, { recursive: true });
  }
  // CIFAR-100: fine label ≥ 100, and the 3074-byte record size
  const dir100 = await tempDir();
  await writeFolder(`${dir100}/cifar-100-binary`, [
    ["train.bin", cifarRecords([[1, 100]], 0)],
    ["test.bin", cifarRecords([[1, 2]], 0).slice(0, 3073)],
  ]);
  await rejectsWith(
    loadDataset("cifar100", "train", only(dir100)),
    "train.bin",
    /label 100 is out of range 0\.\.99/,
  );
  await rejectsWith(loadDataset("cifar100", "test", only(dir100)), "test.bin", /3074-byte records/);
  await Deno.remove(dir100, { recursive: true });

  // archives: cut short, missing entry, corrupt tar header
  const archive = gz(tar(base.map(([n, d]) => [`cifar-10-batches-bin/${n}`, d])));
  const archives: { name: string; bytes: Uint8Array; want: RegExp }[] = [
    {
      name: "cut gzip",
      bytes: archive.slice(0, archive.length - 50),
      want: /corrupt or truncated gzip/,
    },
    {
      name: "missing entry",
      bytes: gz(
        tar(
          base.filter(([n]) => n !== "data_batch_4.bin").map((
            [n, d],
          ) => [`cifar-10-batches-bin/${n}`, d]),
        ),
      ),
      want: /archive has no cifar-10-batches-bin\/data_batch_4\.bin/,
    },
    {
      name: "tar cut at an entry boundary (gzip intact)",
      bytes: gz(tar(base.map(([n, d]) => [`cifar-10-batches-bin/${n}`, d])).slice(0, 512 + 6656)),
      want: /no end-of-archive marker/,
    },
    {
      name: "bad header checksum",
      bytes: (() => {
        const t = tar(base.map(([n, d]) => [`cifar-10-batches-bin/${n}`, d]));
        t[0] ^= 1;
        return gz(t);
      })(),
      want: /bad header checksum/,
    },
  ];
  for (const c of archives) {
    const dir = await tempDir();
    await Deno.writeFile(`${dir}/cifar-10-binary.tar.gz`, c.bytes);
    const msg = await rejectsWith(loadDataset("cifar10", "train", only(dir)), c.want);
    assert.ok(msg.includes(`${dir}/cifar-10-binary.tar.gz`), `${c.name}: ${msg}`);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tar: reads GNU long-name entries", () => {
  const long = "d/".repeat(80) + "file.bin";
  const enc = new TextEncoder();
  // a GNU 'L' entry carrying the long name, then the file with a truncated name
  const t = tar([["././@LongLink", enc.encode(long + "\0")], ["short", enc.encode("hello")]]);
  t[156] = "L".charCodeAt(0);
  t.fill(32, 148, 156);
  const sum = t.subarray(0, 512).reduce((s, b) => s + b, 0);
  t.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  const entries = readTar(t, "x.tar");
  assert.deepEqual([...entries.keys()], [long]);
  assert.equal(new TextDecoder().decode(entries.get(long)), "hello");
});

// ---------- synthetic, subset, names ----------

Deno.test("synthetic: seeded, any shape and class count, balanced, shared stats", async () => {
  const opt = { imageSize: 8, channels: 3, numClasses: 4, trainSize: 40, testSize: 12, seed: 5 };
  const a = await loadDataset("synthetic", "train", { synthetic: opt });
  const b = await loadDataset("synthetic", "train", { synthetic: opt });
  const c = await loadDataset("synthetic", "train", { synthetic: { ...opt, seed: 6 } });
  assert.deepEqual(a.shape, [3, 8, 8]);
  assert.equal(a.n, 40);
  assert.equal(a.numClasses, 4);
  assert.deepEqual(a.images, b.images);
  assert.notDeepEqual(a.images, c.images);
  for (let k = 0; k < 4; k++) assert.equal(a.labels.filter((l) => l === k).length, 10);
  const t = await loadDataset("synthetic", "test", { synthetic: opt });
  assert.equal(t.n, 12);
  assert.notDeepEqual(t.images.subarray(0, 192), a.images.subarray(0, 192));
  assert.deepEqual(t.mean, a.mean);
  assert.deepEqual(t.std, a.std);
  const s = channelStats(a.images, a.n, 3, 64);
  assert.deepEqual(a.mean, s.mean);
  // image i depends only on (seed, split, i): a bigger split starts with the same images
  const big = makeSynthetic("train", { ...opt, trainSize: 80 });
  assert.deepEqual(big.images.subarray(0, a.images.length), a.images);
  await rejectsWith(
    loadDataset("synthetic", "train", { synthetic: { numClasses: 1 } }),
    /numClasses must be an integer in \[2/,
  );
  await rejectsWith(
    loadDataset("synthetic", "train", { synthetic: { imageSize: 2.5 } }),
    /imageSize must be an integer/,
  );
});

Deno.test("synthetic: learnable — class means classify held-out images far above chance", () => {
  const opt = { trainSize: 500, testSize: 200 };
  const tr = makeSynthetic("train", opt);
  const te = makeSynthetic("test", opt);
  const size = 784;
  const means = new Float64Array(10 * size);
  for (let i = 0; i < tr.n; i++) {
    for (let p = 0; p < size; p++) means[tr.labels[i] * size + p] += tr.images[i * size + p] / 50;
  }
  let ok = 0;
  for (let i = 0; i < te.n; i++) {
    let best = -1;
    let bd = Infinity;
    for (let k = 0; k < 10; k++) {
      let d = 0;
      for (let p = 0; p < size; p++) d += (te.images[i * size + p] - means[k * size + p]) ** 2;
      if (d < bd) [bd, best] = [d, k];
    }
    if (best === te.labels[i]) ok++;
  }
  const acc = ok / te.n;
  assert.ok(acc > 0.6 && acc < 0.995, `nearest-class-mean accuracy ${acc}`);
});

Deno.test("subset: first N, or a seeded random N in original order", async () => {
  const ds = await loadDataset("synthetic", "train", {
    synthetic: { trainSize: 50, imageSize: 4 },
  });
  const first = subsetDataset(ds, { n: 7 });
  assert.equal(first.n, 7);
  assert.deepEqual(first.images, ds.images.subarray(0, 7 * 16));
  const r1 = subsetDataset(ds, { n: 10, seed: 3 });
  const r2 = await loadDataset("synthetic", "train", {
    synthetic: { trainSize: 50, imageSize: 4 },
    subset: { n: 10, seed: 3 },
  });
  assert.deepEqual(r1.images, r2.images);
  assert.deepEqual(r1.labels, r2.labels);
  assert.notDeepEqual(r1.images, ds.images.subarray(0, 160));
  assert.equal(subsetDataset(ds, { n: 999 }).n, 50);
  assert.throws(() => subsetDataset(ds, { n: 0 }), ActlabError);
});

Deno.test("loadDataset: unknown names list the valid ones", async () => {
  await rejectsWith(
    loadDataset("mnist", "train"),
    'unknown dataset "mnist"',
    "fashion-mnist, cifar10, cifar100, synthetic",
  );
  await rejectsWith(loadDataset("synthetic", "val" as "train"), /unknown split "val"/);
});

// ---------- the real thing ----------

const realPresent = (() => {
  try {
    return Deno.statSync(`${FASHION_MNIST_DEBIAN_DIR}/train-images-idx3-ubyte.gz`).isFile;
  } catch {
    return false;
  }
})();
const inCi = (() => {
  try {
    return Deno.env.get("CI") === "true";
  } catch {
    return false;
  }
})();

Deno.test({
  name:
    "fashion-mnist: real Debian copy (dataset-fashion-mnist) loads 60000/10000 canonical images",
  ignore: !realPresent && !inCi,
  async fn() {
    assert.ok(
      realPresent,
      `CI=true but ${FASHION_MNIST_DEBIAN_DIR} is missing: apt-get install dataset-fashion-mnist`,
    );
    const opts: LoadOptions = {
      env: () => undefined,
      cacheDir: "/nonexistent-actlab-cache",
      download: false,
    };
    const tr = await loadDataset("fashion-mnist", "train", opts);
    const te = await loadDataset("fashion-mnist", "test", opts);
    assert.equal(tr.n, 60000);
    assert.equal(te.n, 10000);
    assert.deepEqual(tr.shape, [1, 28, 28]);
    assert.equal(tr.numClasses, 10);
    for (let k = 0; k < 10; k++) {
      assert.equal(tr.labels.filter((l) => l === k).length, 6000);
      assert.equal(te.labels.filter((l) => l === k).length, 1000);
    }
    const s = channelStats(tr.images, tr.n, 1, 784);
    assert.ok(Math.abs(s.mean[0] - FASHION_MNIST_MEAN[0]) < 1e-6);
    assert.ok(Math.abs(s.std[0] - FASHION_MNIST_STD[0]) < 1e-6);
    // the content digest recorded in data/fashion_mnist.ts
    const raw = gunzipSync(
      await Deno.readFile(`${FASHION_MNIST_DEBIAN_DIR}/t10k-labels-idx1-ubyte.gz`),
    );
    const sha = createHash("sha256").update(raw).digest("hex");
    assert.equal(sha, FASHION_MNIST_IDX_SHA256["t10k-labels-idx1-ubyte"]);
  },
});
