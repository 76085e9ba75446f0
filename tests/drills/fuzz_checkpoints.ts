/**
 * Fuzz cases for checkpoints and the run configuration stored in them: cuts
 * at every 1/16 of the length, random bit flips, checkpoints of another
 * model / activation / width, stored configs with unknown keys or wrong
 * types, other files; and inputs that must still work (an ort-cpu checkpoint
 * resumed on reference, a version-1 file without checksum).
 * @module
 */
import { CHECKPOINT_VERSION, decodeCheckpoint, encodeCheckpoint } from "../../train/checkpoint.ts";
import { cli, syntheticArgs } from "./common.ts";
import { type Case, flip, type Mutations } from "./fuzz_case.ts";

/**
 * Train the fixture runs under `dir` (`dir/ck_dpa` is also the guard run the
 * drill writes into) and build the cases; the mutated file is `dir/inputs/run.ckpt`.
 */
export async function checkpointCases(dir: string, m: Mutations): Promise<Case[]> {
  const { int } = m;
  const cases: Case[] = [];
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
  for (let t = 0; t < m.bitFlips; t++) {
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

  return cases;
}
