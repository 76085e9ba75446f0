/**
 * The CLIs as a user runs them: separate processes, exit codes, what they
 * print and what they leave on disk. Synthetic data keeps every run to a
 * few steps on the reference backend.
 */
import assert from "node:assert/strict";
import { cli, exists } from "./cli_run.ts";

const SYNTHETIC = [
  "--dataset",
  "synthetic",
  "--image-size",
  "8",
  "--channels",
  "1",
  "--num-classes",
  "3",
  "--train-size",
  "64",
  "--test-size",
  "40",
  "--model",
  "mlp",
  "--batch-size",
  "16",
  "--backend",
  "reference",
  "--no-progress",
];

Deno.test("cli list --json: exactly the documented keys, parameter counts, backends, DPA's masks", async () => {
  const r = await cli("list", ["--json"]);
  assert.equal(r.code, 0, r.stderr);
  const l = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(l), [
    "activations",
    "regularisers",
    "models",
    "backends",
    "options",
  ]);
  // Every plugin's options with their defaults, DPA's mask criteria among them.
  const dpaOptions = l.options.activations.find((a: { name: string }) => a.name === "dpa");
  assert.ok(dpaOptions, "dpa's options are listed");
  assert.equal(JSON.stringify(dpaOptions).includes("union"), true, JSON.stringify(dpaOptions));
  for (const a of ["relu", "gelu", "silu", "softplus", "elu", "selu", "gdn", "dpa", "raa"]) {
    assert.ok(l.activations.includes(a), a);
  }
  assert.deepEqual(l.regularisers, ["arr"]);
  const vit = l.models.find((m: { name: string }) => m.name === "vit_tiny");
  assert.deepEqual(vit, {
    name: "vit_tiny",
    params: 5_380_132,
    sites: [{ count: 12, layout: "tokens", pooling: "token", channels: 768 }],
  });
  const cait = l.models.find((m: { name: string }) => m.name === "cait_xxs24");
  assert.deepEqual(cait.sites, [
    { count: 24, layout: "tokens", pooling: "avg", channels: 768 },
    { count: 2, layout: "tokens", pooling: "token", channels: 768 },
  ]);
  const ref = l.backends.find((b: { name: string }) => b.name === "reference");
  assert.equal(ref.available, true);
  for (const b of l.backends) assert.deepEqual(Object.keys(b), ["name", "available", "reason"]);
  const names = l.backends.map((b: { name: string }) => b.name);
  for (const n of ["tfjs-gpu", "tfjs-node", "tfjs-wasm", "tfjs-cpu"]) {
    assert.ok(names.includes(n), n);
  }
  for (const n of ["tfjs-wasm", "tfjs-cpu"]) {
    const b = l.backends.find((b: { name: string }) => b.name === n);
    assert.equal(b.available, true, `${n}: ${b.reason}`);
  }
  // ort-cpu ranks before every tfjs backend, so `--backend auto` keeps choosing it.
  assert.ok(names.indexOf("ort-cpu") < names.indexOf("tfjs-gpu"));

  // --plugins: DPA's mask criteria (Table 3) as choices and as compare controls.
  const p = await cli("list", ["--plugins", "--json"]);
  assert.equal(p.code, 0, p.stderr);
  const dpa = JSON.parse(p.stdout).activations.find((a: { name: string }) => a.name === "dpa");
  assert.deepEqual(
    dpa.options.mask.choices,
    ["memory", "forward", "backward", "union", "all", "random", "none"],
  );
  assert.equal(dpa.defaults.mask, "memory");
  const controls = new Map(
    dpa.controls.map((c: { label: string; options: { mask?: string } }) => [c.label, c.options]),
  );
  for (const mask of ["forward", "backward", "union", "all"]) {
    assert.deepEqual(controls.get(`dpa:${mask}`), { mask }, `dpa:${mask}`);
  }
});

Deno.test("cli train → eval → export on a run directory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "actlab_cli_" });
  try {
    const run = `${dir}/run`;
    const t = await cli("train", [
      ...SYNTHETIC,
      "--activation",
      "dpa",
      "--epochs",
      "1",
      "--out",
      run,
    ]);
    assert.equal(t.code, 0, t.stderr);
    for (const f of ["config.json", "log.jsonl", "curves.svg", "last.ckpt", "summary.json"]) {
      assert.ok(await exists(`${run}/${f}`), f);
    }
    const s = JSON.parse(await Deno.readTextFile(`${run}/summary.json`));
    assert.equal(s.model, "mlp");
    assert.equal(s.activation, "dpa");
    assert.equal(s.steps, 4); // 64 / 16
    assert.ok(s.test_top1 >= 0 && s.test_top1 <= 1);
    assert.ok(Number.isFinite(s.test_loss), "test loss over every image, last batch included");

    const e = await cli("eval", ["--checkpoint", `${run}/last.ckpt`]);
    assert.equal(e.code, 0, e.stderr);
    const ev = JSON.parse(e.stdout.trim().split("\n").pop()!);
    assert.equal(ev.images, 40);
    assert.equal(ev.test_top1, s.test_top1, "eval of the checkpoint reproduces the run's figure");

    const x = await cli("export", ["--checkpoint", `${run}/last.ckpt`, "--out", `${dir}/m.onnx`]);
    assert.equal(x.code, 0, x.stderr);
    assert.ok((await Deno.stat(`${dir}/m.onnx`)).size > 1000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli compare writes compare.md and compare.svg with a row per activation", async () => {
  const dir = await Deno.makeTempDir({ prefix: "actlab_cli_" });
  try {
    const r = await cli("compare", [
      ...SYNTHETIC,
      "--activations",
      "relu,gelu",
      "--seeds",
      "2",
      "--steps",
      "2",
      "--out",
      dir,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const md = await Deno.readTextFile(`${dir}/compare.md`);
    // The per-arm table (mean ± std), then the paired difference of gelu to the relu baseline.
    const rows = md.split("\n").filter((l) => /^\| (relu|gelu) \| 2 \| [\d.]+ ± [\d.]+ \|/.test(l));
    assert.equal(rows.length, 2, md);
    assert.match(md, /^\| gelu − relu \| 2 \| [-+][\d.]+ \| \[[-+][\d.]+, [-+][\d.]+\] \| /m);
    const svg = await Deno.readTextFile(`${dir}/compare.svg`);
    assert.ok(svg.startsWith("<svg") && svg.includes("relu") && svg.includes("gelu"), svg);
    for (const cell of ["relu_seed0", "relu_seed1", "gelu_seed0", "gelu_seed1"]) {
      assert.ok(await exists(`${dir}/mlp_synthetic/${cell}/summary.json`), cell);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli bad input: clear message, non-zero exit, nothing written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "actlab_cli_" });
  try {
    const cases: [string[], number, RegExp][] = [
      [
        ["--model", "nope"],
        1,
        /unknown model "nope"[\s\S]*convnet, deit_tiny, gcn, graphsage, mlp, mobilenet_v2, pvt_tiny, resnet18/,
      ],
      [["--activation", "nope"], 1, /unknown activation "nope"[\s\S]*relu/],
      [["--backend", "nope"], 1, /unknown backend "nope"[\s\S]*reference/],
      [["--bogus"], 2, /--bogus[\s\S]*--help/],
      [["--epochs=-1"], 1, /epochs/],
    ];
    for (const [args, code, message] of cases) {
      const out = `${dir}/run`;
      const r = await cli("train", [...SYNTHETIC, ...args, "--out", out]);
      assert.equal(r.code, code, `${args}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.ok(!(await exists(out)), `${args}: nothing written`);
    }
    const missing = await cli("eval", ["--checkpoint", `${dir}/none.ckpt`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /none\.ckpt/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
