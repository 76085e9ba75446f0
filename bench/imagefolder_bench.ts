/**
 * Image-folder loading throughput: decode + RandomResizedCrop(224) + flip of
 * generated 500×375 JPEGs (ImageNet's typical size) through actlab's decode
 * pool with 1 worker and with one per core, against torchvision + PIL on the
 * same files in the same run (`bench/peers/torchvision_loader.py`, one
 * process and a DataLoader with as many workers). Prints a table with the
 * ratio; the CPU model is named because img/s differs 2× between machines.
 *
 * Run: `deno bench --allow-all bench/imagefolder_bench.ts` (part of `deno task bench`), or
 * `deno run -A bench/imagefolder_bench.ts [--images 256] [--workers N]`.
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import sharp from "sharp";
import { openImageFolder } from "../data/imagefolder/dataset.ts";
import { machine } from "./peer_bench.ts";

const { values } = parseArgs({
  options: { images: { type: "string" }, workers: { type: "string" } },
});
const total = Number(values.images ?? 256);
const cores = Number(values.workers ?? navigator.hardwareConcurrency ?? 2);

const dir = await Deno.makeTempDir({ prefix: "actlab_imgbench_" });
try {
  // Photographs are not noise: a smooth field plus texture compresses like one (≈ 40–60 KB).
  for (let i = 0; i < total; i++) {
    const cls = `c${i % 4}`;
    await Deno.mkdir(join(dir, "train", cls), { recursive: true });
    await Deno.mkdir(join(dir, "val", cls), { recursive: true });
    const [w, h] = [500, 375];
    const px = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = 3 * (y * w + x);
        const t = Math.sin((x + i * 7) / 17) * Math.cos((y - i * 3) / 11);
        px[o] = 128 + 90 * t + ((x * y + i) % 23);
        px[o + 1] = (x + 2 * y + i * 13) % 256;
        px[o + 2] = 128 - 80 * t + ((x ^ y) % 19);
      }
    }
    const file = join(dir, "train", cls, `img${i}.jpg`);
    await sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(
      file,
    );
    if (i < 4) await Deno.copyFile(file, join(dir, "val", cls, `img${i}.jpg`));
  }
  const rows: { who: string; workers: number; rate: number }[] = [];
  for (const workers of [...new Set([1, cores])]) {
    const data = await openImageFolder("imagefolder", dir, { workers, prefetch: 4 }, {
      train: true,
    });
    try {
      let best = 0;
      for (let rep = 0; rep < 3; rep++) {
        const t0 = performance.now();
        let n = 0;
        for await (
          const b of data.train!.trainBatches({ batchSize: 32, seed: 0, epoch: rep, startBatch: 0 })
        ) {
          n += b.valid;
        }
        best = Math.max(best, (n * 1000) / (performance.now() - t0));
      }
      rows.push({ who: "actlab (sharp/libvips)", workers, rate: best });
    } finally {
      data.close();
    }
  }
  const peer = new Deno.Command("/usr/bin/python3", {
    args: [
      new URL("./peers/torchvision_loader.py", import.meta.url).pathname,
      join(dir, "train"),
      "--workers",
      String(cores),
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const out = await peer.output();
  if (out.code !== 0) {
    console.error(
      `peer failed (apt-get install -y python3-torchvision): ${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  } else {
    for (const line of new TextDecoder().decode(out.stdout).trim().split("\n")) {
      const r = JSON.parse(line);
      rows.push({ who: r.peer, workers: r.workers, rate: r.img_per_s });
    }
  }
  console.log(`\ndecode + RandomResizedCrop(224) + flip, ${total} JPEGs 500×375 — ${machine()}`);
  console.log("| loader | workers | img/s | ours ÷ peer |");
  console.log("|---|---:|---:|---:|");
  for (const r of rows) {
    const peerRate = rows.find((p) => p.who.startsWith("torchvision") && p.workers === r.workers)
      ?.rate;
    const ratio = r.who.startsWith("actlab") && peerRate ? (r.rate / peerRate).toFixed(2) : "";
    console.log(`| ${r.who} | ${r.workers} | ${r.rate.toFixed(1)} | ${ratio} |`);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
