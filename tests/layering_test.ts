/**
 * The folders form layers and depend downwards only: every relative import
 * of every source file must point into its own folder or into a folder
 * listed before it in `LAYERS`. This keeps import cycles from crossing a
 * folder boundary and keeps the plugin API below the plugins (nothing in
 * `activations/` or `regularisers/` imports `nn/`).
 * @module
 */
import assert from "node:assert/strict";

/** Lowest first; "." is the repository root (`mod.ts`). */
const LAYERS = [
  "core",
  "plugin",
  "data",
  "backends",
  "activations",
  "regularisers",
  "nn",
  "models",
  "plot",
  "train",
  "tasks",
  "analyze",
  "api",
  "compare",
  ".",
  "cli",
  "bench",
  "examples",
  "tests",
] as const;

const ROOT = new URL("../", import.meta.url).pathname;
const IMPORT = /(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(`${ROOT}${dir}`)) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory && !e.name.startsWith(".") && e.name !== "node_modules") {
      yield* sourceFiles(rel);
    } else if (e.isFile && e.name.endsWith(".ts")) yield rel;
  }
}

function layerOf(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? "." : path.slice(0, slash);
}

function resolve(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const p of spec.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  return parts.join("/");
}

Deno.test("folders import only from their own layer or the layers below", async () => {
  const rank = new Map<string, number>(LAYERS.map((l, i) => [l, i]));
  const violations: string[] = [];
  let imports = 0;
  for await (const file of sourceFiles("")) {
    const from = layerOf(file);
    const fromRank = rank.get(from);
    assert.ok(fromRank !== undefined, `folder "${from}" (${file}) is not in LAYERS: place it`);
    const text = await Deno.readTextFile(`${ROOT}${file}`);
    for (const m of text.matchAll(IMPORT)) {
      imports++;
      const to = layerOf(resolve(file, m[1]));
      const toRank = rank.get(to);
      if (to !== from && (toRank === undefined || toRank > fromRank)) {
        violations.push(`${file} imports ${m[1]} (${from} → ${to})`);
      }
    }
  }
  assert.ok(imports > 500, `only ${imports} relative imports found: the scan is broken`);
  assert.deepEqual(violations, [], "imports that go up or across the layers");
});

Deno.test("the layer check sees an upward import", () => {
  // An activation importing nn/ would be a violation: the rule the test above applies.
  const rank = new Map<string, number>(LAYERS.map((l, i) => [l, i]));
  const from = layerOf("activations/dpa.ts");
  const to = layerOf(resolve("activations/dpa.ts", "../nn/init.ts"));
  assert.equal(to, "nn");
  assert.ok(rank.get(to)! > rank.get(from)!);
});
