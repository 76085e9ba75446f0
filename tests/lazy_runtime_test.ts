/**
 * Lazy runtimes (`backends/lazy_runtime.ts`): onnxruntime-node and TF.js are
 * in no static module graph of actlab — importing the library or starting
 * the CLI never resolves them — yet `deno install` still installs them, and
 * a runtime that cannot load says why and how to fix it.
 */
import assert from "node:assert/strict";
import { lazyRuntime } from "../backends/lazy_runtime.ts";

const RUNTIME_PACKAGES = /onnxruntime-node|@tensorflow\//;

/** Every module specifier and dependency specifier `deno info` reports for `entry`. */
async function graphSpecifiers(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(entry, import.meta.url).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const info: { modules: { specifier: string; dependencies?: { specifier: string }[] }[] } = JSON
    .parse(new TextDecoder().decode(out.stdout));
  return info.modules.flatMap((m) => [
    m.specifier,
    ...(m.dependencies ?? []).map((d) => d.specifier),
  ]);
}

for (const entry of ["../mod.ts", "../cli/train.ts"]) {
  Deno.test(`${entry.slice(3)}: its module graph holds neither onnxruntime-node nor TF.js`, async () => {
    const specs = await graphSpecifiers(entry);
    assert.ok(specs.some((s) => s.endsWith("/backends/ort/backend.ts")), "ort stub in graph");
    assert.deepEqual(specs.filter((s) => RUNTIME_PACKAGES.test(s)), []);
    assert.deepEqual(specs.filter((s) => /backends\/(ort|tfjs)\/runtime\.ts$/.test(s)), []);
  });
}

Deno.test("the lazily loaded packages stay in deno.json imports, so `deno install` installs them", async () => {
  const config: { imports: Record<string, string> } = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  );
  for (
    const pkg of ["onnxruntime-node", "@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-wasm"]
  ) {
    assert.match(config.imports[pkg] ?? "", new RegExp(`^npm:${pkg}@`));
  }
});

Deno.test("a runtime module loads once and exposes its runtime object", async () => {
  const load = lazyRuntime<{ probe: unknown }>(
    "the ORT runtime",
    new URL("../backends/ort/runtime.ts", import.meta.url),
    "fix",
  );
  const r = await load();
  assert.ok(r.ok);
  assert.equal(typeof r.runtime.probe, "function");
  assert.equal(await load(), r);
});

Deno.test({
  name: "a runtime module Deno may not read is unavailable with the --allow-read fix",
  permissions: { read: false },
  fn: async () => {
    const r = await lazyRuntime(
      "the ORT runtime",
      new URL("../backends/ort/runtime.ts", import.meta.url),
      "fix",
    )();
    assert.ok(!r.ok);
    assert.match(r.reason, /the ORT runtime is loaded on first use from .*runtime\.ts/);
    assert.match(r.fix, /--allow-read/);
  },
});

Deno.test("a runtime module that fails to load gives the error and the backend's fix", async () => {
  const missing = await lazyRuntime(
    "the X runtime",
    new URL("./fixtures/no_such_runtime.ts", import.meta.url),
    "reinstall X",
  )();
  assert.ok(!missing.ok);
  assert.match(missing.reason, /^the X runtime failed to load: /);
  assert.equal(missing.fix, "reinstall X");
  const noExport = await lazyRuntime(
    "the X runtime",
    new URL("../core/shape.ts", import.meta.url),
    "reinstall X",
  )();
  assert.ok(!noExport.ok);
  assert.match(noExport.reason, /does not export a runtime/);
});
