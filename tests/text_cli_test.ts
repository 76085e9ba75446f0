/**
 * The text flags of `deno task train`: `--task`, `--max-length`, `--vocab`
 * and `--init-from` map onto the configuration, and invalid combinations
 * exit 1 with a clear message and write nothing.
 */
import assert from "node:assert/strict";
import { flagsToConfig } from "../cli/common.ts";
import { cli, exists } from "./cli_run.ts";

Deno.test("text flags map onto the configuration", () => {
  assert.deepEqual(
    flagsToConfig({
      task: "text",
      model: "bert",
      "model-opt": ["size=tiny"],
      dataset: "sst2",
      "max-length": "64",
      vocab: "/data/vocab.txt",
      "init-from": "/data/model.safetensors",
    }),
    {
      task: "text",
      model: "bert",
      modelOptions: { size: "tiny" },
      dataset: "sst2",
      maxLength: 64,
      vocab: "/data/vocab.txt",
      initFrom: "/data/model.safetensors",
    },
  );
  assert.throws(() => flagsToConfig({ "max-length": "long" }), /--max-length must be a number/);
});

Deno.test("cli train: invalid text combinations exit 1 with a clear message", async () => {
  const out = await Deno.makeTempDir({ prefix: "actlab_text_cli_" });
  try {
    const base = ["--backend", "reference", "--out", `${out}/run`, "--no-progress"];
    const cases: [string[], RegExp][] = [
      [
        ["--task", "text", "--model", "bert", "--model-opt", "size=tiny", "--dataset", "nope"],
        /unknown text dataset "nope"/,
      ],
      [["--vocab", `${out}/vocab.txt`, "--model", "mlp"], /--vocab is an option of the text task/],
      [["--task", "text", "--max-length", "1"], /--max-length must be an integer >= 2, got 1/],
      [["--init-from", `${out}/w.bin`], /--init-from .*w\.bin is not a \.safetensors file/],
      [
        ["--model", "mlp", "--init-from", `${out}/w.safetensors`],
        /model "mlp" cannot load pretrained weights/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const r = await cli("train", [...args, ...base]);
      assert.equal(r.code, 1, `${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(" "));
      assert.ok(!(await exists(`${out}/run/config.json`)), "nothing written");
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
