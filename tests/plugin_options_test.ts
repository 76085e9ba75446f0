/**
 * Plugin option schemas: a new activation with two options, registered
 * through the public API and touching no other file, has its options
 * validated, listed in `train --help` and `deno task list --plugins`,
 * sweepable with `compare --set` (and its control usable as an arm), and
 * recorded with defaults filled in in `config.json`. The DPA and ARR flags
 * stay aliases of the generic `--act-opt` / `--reg-opt`.
 */
import assert from "node:assert/strict";
import {
  ActlabError,
  defineActivation,
  getActivation,
  gt,
  minimum,
  mul,
  registerActivation,
  resolvePluginOptions,
  type Site,
  train,
  where,
} from "../mod.ts";
import { applySets, expandGrid, validateGrid } from "../compare/grid.ts";
import { flagsToConfig } from "../cli/common.ts";
import { compareHelp } from "../cli/compare.ts";
import { collectPlugins } from "../cli/list.ts";
import { trainHelp } from "../cli/train.ts";

/** The plugin under test: what a user writes in one file. */
const leakyCap = defineActivation({
  name: "leaky_cap",
  description: "x > 0 ? min(x, cap) : negativeSlope·x",
  options: {
    negativeSlope: {
      type: "number",
      default: 0.01,
      min: 0,
      max: 1,
      help: "slope for x < 0",
    },
    cap: { type: "number", default: 6, min: 0, minExclusive: true, help: "upper clip" },
  },
  controls: [{ name: "linear", options: { negativeSlope: 1 }, help: "no kink below 0" }],
  create: (_site, o) => ({
    apply: (_ctx, x) => where(gt(x, 0), minimum(x, o.cap), mul(x, o.negativeSlope)),
  }),
});
// …and the one registry line.
registerActivation(leakyCap);

const SITE: Site = { channels: 4, layout: "tokens", pooling: "token" };

function fails(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e: Error) => e instanceof ActlabError && re.test(e.message), String(re));
}

Deno.test("a declared option is validated: bad values and unknown keys name the plugin and the fix", () => {
  const p = getActivation("leaky_cap");
  fails(
    () => p.create(SITE, { negativeSlope: 2 }),
    /leaky_cap: option negativeSlope = 2 is invalid[\s\S]*negativeSlope must be >= 0, <= 1 \(default 0.01\)/,
  );
  fails(() => p.create(SITE, { cap: 0 }), /option cap = 0[\s\S]*cap must be > 0/);
  fails(() => p.create(SITE, { cap: "big" }), /option cap = "big" is invalid/);
  fails(() => p.create(SITE, { slope: 0.1 }), /unknown option "slope"[\s\S]*negativeSlope, cap/);
  fails(() => p.create(SITE, { "negative-slope": 0.1 }), /write it as negativeSlope/);
  // Numeric strings (as the CLI passes them) are fine.
  p.create(SITE, { negativeSlope: "0.2", cap: "3" });
});

Deno.test("resolved options: every option with its default filled in", () => {
  assert.deepEqual(resolvePluginOptions(leakyCap, {}), { negativeSlope: 0.01, cap: 6 });
  assert.deepEqual(resolvePluginOptions(leakyCap, { cap: "3" }), { negativeSlope: 0.01, cap: 3 });
  // DPA's option without a default (numClasses) is left out, not written as null.
  assert.deepEqual(resolvePluginOptions(getActivation("dpa"), { tau: 0.1 }), {
    tau: 0.1,
    momentum: 0.9,
    updateInterval: 5,
    channelLoss: 5,
    mask: "memory",
  });
  const listed = collectPlugins().activations.find((a) => a.name === "leaky_cap")!;
  assert.deepEqual(listed.defaults, { negativeSlope: 0.01, cap: 6 });
  assert.deepEqual(listed.controls?.map((c) => c.label), ["leaky_cap:linear"]);
});

Deno.test("train --help and compare --help list the new plugin's options and control", () => {
  const help = trainHelp();
  assert.match(help, /--activation NAME .*\bleaky_cap\b/);
  assert.match(
    help,
    /^ {2}leaky_cap:\n {4}negative-slope=N +slope for x < 0 \(>= 0, <= 1, default 0.01\)\n {4}cap=N +upper clip \(> 0, default 6\)$/m,
  );
  assert.match(help, /^ {4}update-interval=INT +.*default 5\)$/m, "DPA's options too");
  const cmp = compareHelp();
  assert.match(cmp, /leaky_cap:linear +no kink below 0/);
  assert.match(cmp, /leaky_cap arms: negative-slope cap/);
  assert.match(cmp, /dpa:tau-only .*needs tau > 0/);
});

Deno.test("compare --set sweeps the new options (kebab-case, or prefixed with the plugin)", () => {
  const g: Record<string, unknown> = { out: "/tmp/nowhere", models: ["mlp"] };
  applySets(g, [
    "activations=relu,leaky_cap,leaky_cap:linear",
    "negative-slope=0.1,0.2",
    "leaky_cap-cap=3",
    "seeds=0",
  ]);
  assert.deepEqual(g.sweep, { negativeSlope: [0.1, 0.2], cap: [3] });
  const cells = expandGrid(validateGrid({ ...g, datasets: ["synthetic"] }));
  assert.deepEqual(
    cells.map((c) => [c.arm, c.config.activationOptions]),
    [
      ["relu", {}],
      ["leaky_cap[negativeSlope=0.1]", { negativeSlope: 0.1, cap: 3 }],
      ["leaky_cap[negativeSlope=0.2]", { negativeSlope: 0.2, cap: 3 }],
      // The control fixes negativeSlope; the sweep does not override it.
      ["leaky_cap:linear", { negativeSlope: 1, cap: 3 }],
    ],
  );
  fails(() => applySets({}, ["cap=x"]), /--set cap: "x" is not a number/);
  // Bad swept values fail at expansion, before any cell trains.
  fails(
    () => expandGrid(validateGrid({ ...g, datasets: ["synthetic"], sweep: { cap: [-1] } })),
    /leaky_cap: option cap = -1 is invalid/,
  );
  // The same sweep in a grid file's camelCase.
  const file = validateGrid({
    out: "/x",
    activations: ["leaky_cap"],
    sweep: { negativeSlope: [0] },
  });
  assert.deepEqual(expandGrid(file)[0].config.activationOptions, { negativeSlope: 0 });
});

Deno.test("--act-opt / --reg-opt: the DPA and ARR flags are aliases of them", () => {
  const generic = flagsToConfig({
    "act-opt": ["tau=0.1", "update-interval=2", "mask=random"],
    "reg-opt": ["lambda=20"],
  });
  const aliases = flagsToConfig({
    tau: "0.1",
    "update-interval": "2",
    "dpa-mask": "random",
    "arr-lambda": "20",
  });
  assert.deepEqual(generic, aliases);
  assert.deepEqual(aliases.activationOptions, { tau: 0.1, updateInterval: 2, mask: "random" });
  assert.deepEqual(aliases.regulariserOptions, { lambda: 20 });
  assert.deepEqual(flagsToConfig({ "act-opt": ["negative-slope=0.2"] }).activationOptions, {
    negativeSlope: 0.2,
  });
  fails(() => flagsToConfig({ tau: "0.1", "act-opt": ["tau=0.2"] }), /tau is given twice/);
  fails(() => flagsToConfig({ "act-opt": ["tau"] }), /--act-opt "tau" is not KEY=VALUE/);
});

Deno.test("config.json records the options resolved with defaults", async () => {
  const out = await Deno.makeTempDir({ prefix: "actlab_plugin_options_" });
  try {
    await train({
      out,
      model: "mlp",
      modelOptions: { widths: [8] },
      activation: "leaky_cap",
      activationOptions: { negativeSlope: 0.2 },
      backend: "reference",
      dataset: "synthetic",
      synthetic: { imageSize: 4, channels: 1, numClasses: 2, trainSize: 8, testSize: 4 },
      batchSize: 4,
      evalBatchSize: 4,
      steps: 1,
    }, { progress: false, log: () => {} });
    const config = JSON.parse(await Deno.readTextFile(`${out}/config.json`));
    assert.deepEqual(config.activationOptions, { negativeSlope: 0.2 });
    assert.deepEqual(config.activationOptionsResolved, { negativeSlope: 0.2, cap: 6 });
    assert.equal(config.regulariserOptionsResolved, null);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a declaration whose default breaks its own range is refused at registration", () => {
  fails(
    () =>
      registerActivation(defineActivation({
        name: "bad_default",
        description: "",
        options: { k: { type: "integer", default: 0.5, help: "" } },
        create: () => ({ apply: (_ctx, x) => x }),
      })),
    /bad_default \(declared defaults\): option k = 0.5 is invalid/,
  );
});
