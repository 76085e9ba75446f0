/**
 * Drill: corrupt inputs, fuzzed. Every mutated dataset or checkpoint is fed
 * to `deno task train` as a separate process. Each case is first classified
 * by what the bytes mean (a flipped header bit must be rejected; a flipped
 * pixel, or a CIFAR file cut at a record boundary, is still valid data and
 * must train), then the outcome must match: a rejection exits 1 with a
 * message naming the file and a fix, and leaves the run directory and the
 * inputs byte-for-byte and mtime-for-mtime as they were.
 * @module
 */
import { CHECKPOINT_VERSION, decodeCheckpoint, encodeCheckpoint } from "../../train/checkpoint.ts";
import {
  cli,
  type Say,
  seededRandom,
  snapshot,
  snapshotDiff,
  syntheticArgs,
  Tally,
} from "./common.ts";

/** Options of the fuzz drill. */
export interface FuzzOptions {
  /** Random bit flips per file kind. */
  readonly bitFlips: number;
  /** Random truncations per file kind (checkpoints are always cut at every 1/16). */
  readonly truncations: number;
  readonly seed: number;
  readonly say: Say;
}

/** One mutated input and what it must do. */
interface Case {
  readonly label: string;
  /** The file written (its path must appear in a rejection). */
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly expect: "reject" | "accept";
  /** CLI flags besides --out. */
  readonly args: string[];
  /** The CLI run (default train, which also gets --out). */
  readonly command?: "train" | "eval" | "export";
}

function idx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, magic, false);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const flip = (b: Uint8Array, pos: number, bit: number) => {
  const c = b.slice();
  c[pos] ^= 1 << bit;
  return c;
};

const RECORD = 1 + 3072; // CIFAR-10 record

/** Run the drill. */
export async function fuzzDrill(o: FuzzOptions): Promise<Tally> {
  const tally = new Tally("fuzz");
  const rand = seededRandom(o.seed);
  const int = (n: number) => Math.floor(rand() * n);
  const dir = await Deno.makeTempDir({ prefix: "actlab_drill_fuzz_" });
  const counts = { reject: 0, accept: 0 };
  try {
    // ---------- datasets ----------
    const fm = `${dir}/fashion`;
    await Deno.mkdir(fm);
    const n = 32;
    const px = Uint8Array.from({ length: n * 784 }, () => int(256));
    const images = idx(0x803, [n, 28, 28], px);
    const labels = idx(0x801, [n], Uint8Array.from({ length: n }, (_, i) => i % 10));
    const files: Record<string, Uint8Array> = {
      "train-images-idx3-ubyte": images,
      "train-labels-idx1-ubyte": labels,
      "t10k-images-idx3-ubyte": images.slice(0, 16 + 16 * 784),
      "t10k-labels-idx1-ubyte": idx(0x801, [16], labels.slice(8, 24)),
    };
    new DataView(files["t10k-images-idx3-ubyte"].buffer).setUint32(4, 16, false);
    const cf = `${dir}/cifar`;
    const cfDir = `${cf}/cifar-10-batches-bin`;
    await Deno.mkdir(cfDir, { recursive: true });
    const batch = (k: number) => {
      const b = Uint8Array.from({ length: 4 * RECORD }, () => int(256));
      for (let r = 0; r < 4; r++) b[r * RECORD] = (k + r) % 10;
      return b;
    };
    const cifarFiles: Record<string, Uint8Array> = { "test_batch.bin": batch(7) };
    for (let k = 1; k <= 5; k++) cifarFiles[`data_batch_${k}.bin`] = batch(k);
    const dataArgs = (dataset: string, dataDir: string) => [
      "--dataset",
      dataset,
      "--data-dir",
      dataDir,
      "--model",
      "mlp",
      "--model-opt",
      "widths=24,16",
      "--epochs",
      "1",
      "--batch-size",
      "16",
      "--backend",
      "reference",
      "--no-progress",
    ];
    const restoreData = async () => {
      for (const [f, b] of Object.entries(files)) await Deno.writeFile(`${fm}/${f}`, b);
      await Deno.remove(`${fm}/train-images-idx3-ubyte.gz`).catch(() => {});
      for (const [f, b] of Object.entries(cifarFiles)) await Deno.writeFile(`${cfDir}/${f}`, b);
    };
    await restoreData();

    const cases: Case[] = [];
    const fmArgs = dataArgs("fashion-mnist", fm);
    const cfArgs = dataArgs("cifar10", cf);
    const idxCases = (name: string, bytes: Uint8Array, header: number, isLabels: boolean) => {
      const file = `${fm}/${name}`;
      for (let t = 0; t < o.truncations; t++) {
        const len = t === 0 ? int(header) : int(bytes.length);
        cases.push({
          label: `${name} cut to ${len} B`,
          file,
          bytes: bytes.slice(0, len),
          expect: "reject",
          args: fmArgs,
        });
      }
      for (let t = 0; t < o.bitFlips; t++) {
        const pos = t % 2 === 0 ? int(header) : header + int(bytes.length - header);
        const bit = int(8);
        const mutated = flip(bytes, pos, bit);
        const valid = pos >= header && (!isLabels || mutated[pos] < 10);
        cases.push({
          label: `${name} bit ${bit} of byte ${pos} flipped (${
            pos < header ? "header" : isLabels ? `label → ${mutated[pos]}` : "pixel"
          })`,
          file,
          bytes: mutated,
          expect: valid ? "accept" : "reject",
          args: fmArgs,
        });
      }
    };
    idxCases("train-images-idx3-ubyte", images, 16, false);
    idxCases("train-labels-idx1-ubyte", labels, 8, true);
    cases.push(
      {
        label: "images file holds labels (wrong magic)",
        file: `${fm}/train-images-idx3-ubyte`,
        bytes: labels,
        expect: "reject",
        args: fmArgs,
      },
      {
        label: "label out of range",
        file: `${fm}/train-labels-idx1-ubyte`,
        bytes: (() => {
          const b = labels.slice();
          b[8 + int(n)] = 10 + int(246);
          return b;
        })(),
        expect: "reject",
        args: fmArgs,
      },
      {
        label: "trailing byte after the images",
        file: `${fm}/train-images-idx3-ubyte`,
        bytes: Uint8Array.of(...images, 0),
        expect: "reject",
        args: fmArgs,
      },
    );
    {
      const { gzipSync } = await import("node:zlib");
      const gz = new Uint8Array(gzipSync(images));
      cases.push({
        label: "gzip images cut short",
        file: `${fm}/train-images-idx3-ubyte.gz`,
        bytes: gz.slice(0, gz.length - 1 - int(gz.length / 2)),
        expect: "reject",
        args: fmArgs,
      });
    }
    const cb = cifarFiles["data_batch_3.bin"];
    const cfile = `${cfDir}/data_batch_3.bin`;
    for (let t = 0; t < o.truncations; t++) {
      const len = 1 + int(cb.length - 1);
      cases.push({
        label: `CIFAR batch cut to ${len} B`,
        file: cfile,
        bytes: cb.slice(0, len),
        expect: len % RECORD === 0 ? "accept" : "reject",
        args: cfArgs,
      });
    }
    cases.push({
      label: "CIFAR batch cut at a record boundary (undetectable: fewer records)",
      file: cfile,
      bytes: cb.slice(0, 2 * RECORD),
      expect: "accept",
      args: cfArgs,
    });
    cases.push({
      label: "CIFAR batch empty",
      file: cfile,
      bytes: new Uint8Array(0),
      expect: "reject",
      args: cfArgs,
    });
    for (let t = 0; t < o.bitFlips; t++) {
      const pos = t % 2 === 0 ? int(4) * RECORD : int(cb.length);
      const bit = int(8);
      const mutated = flip(cb, pos, bit);
      const isLabel = pos % RECORD === 0;
      cases.push({
        label: `CIFAR bit ${bit} of byte ${pos} flipped (${
          isLabel ? `label → ${mutated[pos]}` : "pixel"
        })`,
        file: cfile,
        bytes: mutated,
        expect: isLabel && mutated[pos] >= 10 ? "reject" : "accept",
        args: cfArgs,
      });
    }

    // ---------- checkpoints and stored configurations ----------
    const base = (extra: Record<string, string> = {}) => syntheticArgs({ epochs: "1", ...extra });
    const made = async (name: string, args: string[]) => {
      const r = await cli("train", [...args, "--out", `${dir}/${name}`]);
      if (r.code !== 0) throw new Error(`fixture run ${name} failed: ${r.stderr}`);
      return await Deno.readFile(`${dir}/${name}/last.ckpt`);
    };
    const good = await made("ck_dpa", base());
    const relu = await made("ck_relu", base({ activation: "relu", "update-interval": "" }));
    const ort = await made("ck_ort", base({ backend: "ort-cpu" }));
    const ck = `${dir}/inputs/run.ckpt`;
    await Deno.mkdir(`${dir}/inputs`);
    const resume = (extra: string[] = []) => ["--resume", ck, "--no-progress", ...extra];
    for (let k = 0; k < 16; k++) {
      const len = Math.floor((k * good.length) / 16);
      cases.push({
        label: `checkpoint cut at ${k}/16 (${len} B)`,
        file: ck,
        bytes: good.slice(0, len),
        expect: "reject",
        args: resume(),
      });
    }
    for (let t = 0; t < o.bitFlips; t++) {
      const pos = int(good.length), bit = int(8);
      cases.push({
        label: `checkpoint bit ${bit} of byte ${pos} flipped`,
        file: ck,
        bytes: flip(good, pos, bit),
        expect: "reject",
        args: resume(),
      });
    }
    const withConfig = (edit: (c: Record<string, unknown>) => void) => {
      const c = decodeCheckpoint(good, "fixture");
      const config = { ...(c.meta.config as Record<string, unknown>) };
      edit(config);
      return encodeCheckpoint({ meta: { ...c.meta, config }, tensors: c.tensors });
    };
    const v1 = (() => {
      // The format before checksums: no CRC field; still read.
      const b = new Uint8Array(good.length - 4);
      b.set(good.subarray(0, 16));
      b.set(good.subarray(20), 16);
      new DataView(b.buffer).setUint32(8, 1, true);
      return b;
    })();
    cases.push(
      {
        label: "checkpoint of relu resumed as dpa",
        file: ck,
        bytes: relu,
        expect: "reject",
        args: resume(["--activation", "dpa"]),
      },
      {
        label: "checkpoint resumed with other layer widths",
        file: ck,
        bytes: good,
        expect: "reject",
        args: resume(["--model-opt", "widths=24,16"]),
      },
      {
        label: "mlp checkpoint resumed as convnet",
        file: ck,
        bytes: good,
        expect: "reject",
        args: resume(["--model", "convnet"]),
      },
      {
        label: "stored config with an unknown key",
        file: ck,
        bytes: withConfig((c) => (c.learningRate = 0.1)),
        expect: "reject",
        args: resume(),
      },
      {
        label: "stored config with a wrong type",
        file: ck,
        bytes: withConfig((c) => (c.epochs = "2")),
        expect: "reject",
        args: resume(),
      },
      {
        label: "eval of a checkpoint cut in half",
        file: ck,
        bytes: good.slice(0, good.length >> 1),
        expect: "reject",
        args: ["--checkpoint", ck],
        command: "eval",
      },
      {
        label: "export of a bit-flipped checkpoint",
        file: ck,
        bytes: flip(good, int(good.length), int(8)),
        expect: "reject",
        args: ["--checkpoint", ck, "--out", `${dir}/ck_dpa/model.onnx`],
        command: "export",
      },
      {
        label: "a JSON file passed as checkpoint",
        file: ck,
        bytes: new TextEncoder().encode('{"step": 1}'),
        expect: "reject",
        args: resume(),
      },
      {
        label: `format version ${CHECKPOINT_VERSION + 1}`,
        file: ck,
        bytes: (() => {
          const b = good.slice();
          new DataView(b.buffer).setUint32(8, CHECKPOINT_VERSION + 1, true);
          return b;
        })(),
        expect: "reject",
        args: resume(),
      },
      {
        label: "ort-cpu checkpoint resumed on reference (backend-neutral)",
        file: ck,
        bytes: ort,
        expect: "accept",
        args: resume(["--backend", "reference", "--epochs", "2"]),
      },
      {
        label: "version-1 checkpoint without checksum (still read)",
        file: ck,
        bytes: v1,
        expect: "accept",
        args: resume(["--epochs", "2"]),
      },
    );

    // ---------- run every case ----------
    // The guard is a finished run in the directory every case writes to: a rejection must
    // leave it (and every input) exactly as it was. Valid inputs train into a scratch folder.
    const guard = `${dir}/ck_dpa`;
    const scratch = await Deno.makeTempDir({ prefix: "actlab_drill_fuzz_ok_" });
    try {
      for (const c of cases) {
        await restoreData();
        if (c.file.endsWith(".gz")) await Deno.remove(c.file.slice(0, -3));
        await Deno.writeFile(c.file, c.bytes);
        const before = await snapshot(dir);
        const out = c.expect === "reject" ? guard : `${scratch}/run`;
        const r = c.command && c.command !== "train"
          ? await cli(c.command, c.args)
          : await cli("train", [...c.args, "--out", out]);
        const changed = snapshotDiff(before, await snapshot(dir));
        let problem: string | null = null;
        if (c.expect === "reject") {
          counts.reject++;
          const msg = r.stderr.trim();
          if (r.code !== 1) problem = `exit ${r.code}, expected 1: ${msg.slice(0, 400)}`;
          else if (!msg.includes(c.file)) problem = `message does not name ${c.file}: ${msg}`;
          else if (!msg.includes("fix:")) problem = `message has no fix: ${msg}`;
          else if (changed.length) problem = `files changed: ${changed.join(", ")}`;
        } else {
          counts.accept++;
          if (r.code !== 0) problem = `valid input rejected (exit ${r.code}): ${r.stderr.trim()}`;
          await Deno.remove(`${scratch}/run`, { recursive: true }).catch(() => {});
        }
        tally.record(c.label, problem);
        await Deno.remove(c.file).catch(() => {});
      }
    } finally {
      await Deno.remove(scratch, { recursive: true }).catch(() => {});
    }
    o.say(
      `fuzz: ${counts.reject} cases that must be rejected, ${counts.accept} still-valid inputs that must train`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return tally;
}
