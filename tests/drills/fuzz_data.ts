/**
 * Fuzz cases for the dataset readers: a tiny Fashion-MNIST (IDX) and CIFAR-10
 * (binary records) written to a data folder, and their mutations, each
 * classified by what the changed bytes mean: header bits and labels pushed
 * out of range must be rejected; pixels, labels that stay in range and a
 * CIFAR file cut at a record boundary are still valid data and must train.
 * @module
 */
import { gzipSync } from "node:zlib";
import { type Case, flip, type Mutations } from "./fuzz_case.ts";

function idx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, magic, false);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const RECORD = 1 + 3072; // CIFAR-10 record

/**
 * Write the intact datasets under `dir`; returns the cases and `restore`,
 * which puts the intact files back (run before each case).
 */
export async function dataCases(
  dir: string,
  m: Mutations,
): Promise<{ cases: Case[]; restore: () => Promise<void> }> {
  const { int } = m;
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
  const restore = async () => {
    for (const [f, b] of Object.entries(files)) await Deno.writeFile(`${fm}/${f}`, b);
    await Deno.remove(`${fm}/train-images-idx3-ubyte.gz`).catch(() => {});
    for (const [f, b] of Object.entries(cifarFiles)) await Deno.writeFile(`${cfDir}/${f}`, b);
  };
  await restore();

  const cases: Case[] = [];
  const fmArgs = dataArgs("fashion-mnist", fm);
  const cfArgs = dataArgs("cifar10", cf);
  const idxCases = (name: string, bytes: Uint8Array, header: number, isLabels: boolean) => {
    const file = `${fm}/${name}`;
    for (let t = 0; t < m.truncations; t++) {
      const len = t === 0 ? int(header) : int(bytes.length);
      cases.push({
        label: `${name} cut to ${len} B`,
        file,
        bytes: bytes.slice(0, len),
        expect: "reject",
        args: fmArgs,
      });
    }
    for (let t = 0; t < m.bitFlips; t++) {
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
  for (let t = 0; t < m.truncations; t++) {
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
  for (let t = 0; t < m.bitFlips; t++) {
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

  return { cases, restore };
}
