/**
 * Dataset lookup order, the not-found error, and simulated downloads
 * (success, checksum mismatch, truncated and broken transfers) — no network.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { ActlabError } from "../core/errors.ts";
import { loadDataset, type LoadOptions } from "../data/dataset.ts";
import {
  type DownloadProgress,
  downloadVerified,
  type FetchLike,
  type RemoteFile,
} from "../data/download.ts";
import { fashionMnistLayout, readFashionMnist } from "../data/fashion_mnist.ts";
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from "../data/idx.ts";
import { defaultCacheDir, locate } from "../data/locate.ts";

function idx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, magic, false);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** The two gzip files of a Fashion-MNIST train split with `n` images. */
function fashionTrain(n: number): Record<string, Uint8Array> {
  return {
    "train-images-idx3-ubyte.gz": new Uint8Array(
      gzipSync(idx(IDX_IMAGES_MAGIC, [n, 28, 28], new Uint8Array(n * 784).fill(n))),
    ),
    "train-labels-idx1-ubyte.gz": new Uint8Array(
      gzipSync(idx(IDX_LABELS_MAGIC, [n], new Uint8Array(n).fill(n % 10))),
    ),
  };
}

async function put(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, data] of Object.entries(files)) await Deno.writeFile(`${dir}/${name}`, data);
}

function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ActlabError, `expected ActlabError, got ${e}`);
    return e.message;
  }
  assert.fail("expected a rejection");
}

function includesAll(msg: string, parts: string[]): void {
  for (const p of parts) assert.ok(msg.includes(p), `"${p}" not in:\n${msg}`);
}

/** A fake fetch serving `files` by URL suffix, in chunks; `mode` breaks it in one way. */
function fakeFetch(
  files: Record<string, Uint8Array>,
  mode: "ok" | "corrupt" | "short" | "stream-error" | "404" | "offline" = "ok",
  calls: string[] = [],
): FetchLike {
  return (url) => {
    calls.push(url);
    if (mode === "offline") {
      return Promise.reject(new TypeError("fetch failed: network unreachable"));
    }
    const name = url.slice(url.lastIndexOf("/") + 1);
    const data = files[name];
    if (mode === "404" || !data) {
      return Promise.resolve(new Response("no", { status: 404, statusText: "Not Found" }));
    }
    const body = mode === "corrupt"
      ? data.map((b, i) => (i === data.length - 1 ? b ^ 0xff : b))
      : data;
    const sent = mode === "short" ? body.subarray(0, body.length >> 1) : body;
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (mode === "stream-error" && at > 0) {
          c.error(new Error("connection reset"));
          return;
        }
        if (at >= sent.length) {
          c.close();
          return;
        }
        c.enqueue(sent.slice(at, at + 1000));
        at += 1000;
      },
    });
    return Promise.resolve(
      new Response(stream, { headers: { "content-length": String(body.length) } }),
    );
  };
}

// ---------- lookup order ----------

Deno.test("locate: --data-dir beats $ACTLAB_DATA beats the cache beats the system dir", async () => {
  const root = await Deno.makeTempDir({ prefix: "actlab_locate_" });
  const dataDir = `${root}/given`;
  const envDir = `${root}/env`;
  const cache = `${root}/cache`;
  const system = `${root}/system`;
  await put(dataDir, fashionTrain(1));
  await put(`${envDir}/fashion-mnist`, fashionTrain(2)); // the <dir>/<slug> form
  await put(`${cache}/fashion-mnist`, fashionTrain(3));
  await put(system, fashionTrain(4));
  const env = (k: string) => (k === "ACTLAB_DATA" ? envDir : undefined);
  const base: LoadOptions = { env, cacheDir: cache, systemDirs: [system], download: false };
  const n = async (o: LoadOptions) => (await loadDataset("fashion-mnist", "train", o)).n;
  assert.equal(await n({ ...base, dataDir }), 1);
  assert.equal(await n(base), 2);
  assert.equal(await n({ ...base, env: () => undefined }), 3);
  assert.equal(await n({ ...base, env: () => undefined, cacheDir: `${root}/empty` }), 4);
  // the default cache dir: $XDG_CACHE_HOME/actlab, else $HOME/.cache/actlab
  await put(`${root}/xdg/actlab/fashion-mnist`, fashionTrain(5));
  await put(`${root}/home/.cache/actlab/fashion-mnist`, fashionTrain(6));
  const fake = (vars: Record<string, string>) => (k: string) => vars[k];
  const viaEnv = { systemDirs: [system], download: false };
  assert.equal(
    await n({ ...viaEnv, env: fake({ XDG_CACHE_HOME: `${root}/xdg`, HOME: `${root}/home` }) }),
    5,
  );
  assert.equal(await n({ ...viaEnv, env: fake({ HOME: `${root}/home` }) }), 6);
  assert.equal(defaultCacheDir(fake({ HOME: "/h" })), "/h/.cache/actlab");
  assert.equal(defaultCacheDir(fake({})), null);
  await Deno.remove(root, { recursive: true });
});

Deno.test("locate: nothing anywhere → one error naming every place and how to get the files", async () => {
  const root = await Deno.makeTempDir({ prefix: "actlab_locate_" });
  await put(`${root}/given`, {
    "train-images-idx3-ubyte.gz": fashionTrain(1)["train-images-idx3-ubyte.gz"],
  });
  const opts: LoadOptions = {
    dataDir: `${root}/given`,
    env: (k) => (k === "ACTLAB_DATA" ? `${root}/env` : undefined),
    cacheDir: `${root}/cache`,
    systemDirs: [`${root}/usr-share`],
  };
  const offline = await errorOf(
    loadDataset("fashion-mnist", "train", {
      ...opts,
      fetch: fakeFetch({}, "offline"),
      onProgress: () => {},
    }),
  );
  includesAll(offline, [
    "Fashion-MNIST (train split): data files not found",
    `--data-dir ${root}/given: missing train-labels-idx1-ubyte[.gz]`,
    `--data-dir ${root}/given/fashion-mnist: no such directory`,
    `$ACTLAB_DATA ${root}/env: no such directory`,
    `cache ${root}/cache/fashion-mnist: no such directory`,
    `system ${root}/usr-share: no such directory`,
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz: fetch failed",
    "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/train-images-idx3-ubyte.gz",
    "apt-get install dataset-fashion-mnist",
    "--data-dir DIR",
    "--allow-net",
  ]);
  assert.deepEqual(
    await listDir(`${root}/cache/fashion-mnist`),
    [],
    "a failed download leaves nothing",
  );
  const disabled = await errorOf(
    loadDataset("fashion-mnist", "train", { ...opts, download: false }),
  );
  includesAll(disabled, ["download: disabled", "apt-get install dataset-fashion-mnist"]);
  const unset = await errorOf(
    loadDataset("cifar10", "test", {
      env: () => undefined,
      download: false,
      cacheDir: `${root}/c`,
    }),
  );
  includesAll(unset, [
    "CIFAR-10 (test split)",
    "--data-dir: not given",
    "$ACTLAB_DATA: not set",
    `cache ${root}/c/cifar10: no such directory`,
    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
  ]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("locate: a leftover partial download (.part) is never taken for the file", async () => {
  const root = await Deno.makeTempDir({ prefix: "actlab_locate_" });
  const files = fashionTrain(2);
  await put(`${root}/cache/fashion-mnist`, {
    "train-images-idx3-ubyte.gz.1a2b3c4d.part": files["train-images-idx3-ubyte.gz"],
    "train-labels-idx1-ubyte.gz.1a2b3c4d.part": files["train-labels-idx1-ubyte.gz"],
  });
  const msg = await errorOf(
    loadDataset("fashion-mnist", "train", {
      env: () => undefined,
      cacheDir: `${root}/cache`,
      systemDirs: [],
      download: false,
    }),
  );
  includesAll(msg, ["missing train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]"]);
  await Deno.remove(root, { recursive: true });
});

// ---------- downloads ----------

Deno.test("download: success streams into the cache atomically and verifies SHA-256", async () => {
  const root = await Deno.makeTempDir({ prefix: "actlab_dl_" });
  const files = fashionTrain(3);
  // The real layout, with digests of our tiny files in place of the canonical ones.
  const real = fashionMnistLayout("train");
  const layout = {
    ...real,
    remote: real.remote.map((r): RemoteFile => ({
      ...r,
      sha256: sha256(files[r.file]),
      bytes: undefined,
    })),
  };
  const calls: string[] = [];
  const progress: DownloadProgress[] = [];
  const located = await locate(layout, {
    env: () => undefined,
    cacheDir: `${root}/cache`,
    systemDirs: [],
    fetch: fakeFetch(files, "ok", calls),
    onProgress: (p) => progress.push(p),
  });
  assert.equal(located.place, "download");
  assert.equal(located.dir, `${root}/cache/fashion-mnist`);
  assert.deepEqual(await listDir(located.dir), [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
  ]);
  for (const [name, data] of Object.entries(files)) {
    assert.deepEqual(await Deno.readFile(`${located.dir}/${name}`), data);
  }
  assert.equal(calls.length, 2);
  assert.ok(calls[0].startsWith("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"));
  assert.equal(progress.filter((p) => p.done).length, 2);
  for (const p of progress.filter((p) => p.done)) assert.equal(p.received, p.total);
  const ds = await readFashionMnist(located.found, "train");
  assert.equal(ds.n, 3);
  // second lookup finds the cache without touching the network
  const again = await locate(layout, {
    env: () => undefined,
    cacheDir: `${root}/cache`,
    systemDirs: [],
    fetch: fakeFetch({}, "offline"),
  });
  assert.equal(again.place, "cache");
  await Deno.remove(root, { recursive: true });
});

Deno.test("download: mismatch, truncation and broken streams leave nothing behind", async () => {
  const data = new Uint8Array(5000).map((_, i) => (i * 31) % 251);
  const remote: RemoteFile = {
    file: "blob.bin",
    urls: ["https://a.example/blob.bin", "https://b.example/blob.bin"],
    sha256: sha256(data),
  };
  const cases: [Parameters<typeof fakeFetch>[1], string][] = [
    ["corrupt", `SHA-256 mismatch: expected ${remote.sha256}, got `],
    ["short", "truncated: received 2500 of 5000 bytes"],
    ["stream-error", "connection reset"],
    ["404", "HTTP 404 Not Found"],
    ["offline", "fetch failed: network unreachable"],
  ];
  for (const [mode, want] of cases) {
    const dir = await Deno.makeTempDir({ prefix: "actlab_dl_" });
    const msg = await errorOf(
      downloadVerified(remote, `${dir}/blob.bin`, {
        fetch: fakeFetch({ "blob.bin": data }, mode),
        onProgress: () => {},
      }),
    );
    includesAll(msg, [
      `download of blob.bin failed (nothing was saved to ${dir}/blob.bin)`,
      `https://a.example/blob.bin: ${want}`,
      `https://b.example/blob.bin: ${want}`,
    ]);
    assert.deepEqual(await listDir(dir), [], `${mode}: files left behind`);
    await Deno.remove(dir, { recursive: true });
  }
  // a known size is checked too
  const dir = await Deno.makeTempDir({ prefix: "actlab_dl_" });
  const sized = { ...remote, bytes: 6000 };
  const msg = await errorOf(
    downloadVerified(sized, `${dir}/blob.bin`, {
      fetch: fakeFetch({ "blob.bin": data }),
      onProgress: () => {},
    }),
  );
  includesAll(msg, ["wrong size: received 5000 bytes, the canonical file has 6000"]);
  assert.deepEqual(await listDir(dir), []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("download: a failing mirror falls back to the next one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "actlab_dl_" });
  const data = new Uint8Array(3000).fill(7);
  const good = fakeFetch({ "x.bin": data });
  const calls: string[] = [];
  const progress: DownloadProgress[] = [];
  const fetchFn: FetchLike = (url, init) => {
    calls.push(url);
    return url.includes("first")
      ? fakeFetch({ "x.bin": data }, "corrupt")(url, init)
      : good(url, init);
  };
  await downloadVerified(
    { file: "x.bin", urls: ["https://first/x.bin", "https://second/x.bin"], sha256: sha256(data) },
    `${dir}/x.bin`,
    { fetch: fetchFn, onProgress: (p) => progress.push(p) },
  );
  assert.deepEqual(calls, ["https://first/x.bin", "https://second/x.bin"]);
  // 3000 bytes arrive in 1000-byte chunks: partial reports, then one final report
  const second = progress.filter((p) => p.url === "https://second/x.bin");
  assert.deepEqual(second.map((p) => [p.received, p.done]), [[1000, false], [2000, false], [
    3000,
    false,
  ], [
    3000,
    true,
  ]]);
  assert.ok(second.every((p) => p.total === 3000));
  assert.deepEqual(await listDir(dir), ["x.bin"]);
  assert.deepEqual(await Deno.readFile(`${dir}/x.bin`), data);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("download: a wrong CIFAR archive through loadDataset is reported and not kept", async () => {
  const root = await Deno.makeTempDir({ prefix: "actlab_dl_" });
  const fake = new Uint8Array(4096).fill(1);
  const msg = await errorOf(
    loadDataset("cifar10", "train", {
      env: () => undefined,
      cacheDir: `${root}/cache`,
      fetch: fakeFetch({ "cifar-10-binary.tar.gz": fake }),
      onProgress: () => {},
    }),
  );
  includesAll(msg, [
    "CIFAR-10 (train split): data files not found",
    "download of cifar-10-binary.tar.gz failed",
    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz: wrong size: received 4096 bytes",
  ]);
  assert.deepEqual(await listDir(`${root}/cache/cifar10`), []);
  await Deno.remove(root, { recursive: true });
});
