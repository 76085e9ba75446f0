/**
 * The examples as a user runs them (`deno run examples/….ts --tiny`): they
 * import only `../mod.ts`, run on synthetic data in seconds, and print what
 * they promise.
 */
import assert from "node:assert/strict";

async function example(name: string, extra: string[] = []): Promise<string> {
  const script = new URL(`../examples/${name}`, import.meta.url).pathname;
  const source = await Deno.readTextFile(script);
  const imports = [...source.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
  assert.ok(
    imports.every((i) => i === "../mod.ts" || i.startsWith("node:")),
    `${name}: ${imports}`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      script,
      "--tiny",
      ...extra,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  return dec.decode(out.stdout);
}

Deno.test("examples/custom_activation.ts: trains ReLU and the new activation, prints both", async () => {
  const out = await example("custom_activation.ts", ["--backend", "reference"]);
  assert.match(out, /^relu: test top-1 \d+\.\d\d% \(2 steps\)$/m);
  assert.match(out, /^gelu_sigmoid: test top-1 \d+\.\d\d% \(2 steps\)$/m);
});

Deno.test("examples/custom_backend.ts: the wrapped reference backend counts kernel calls", async () => {
  const out = await example("custom_backend.ts");
  const { runs, calls } = JSON.parse(out.trim().split("\n").at(-1)!);
  assert.equal(runs, 2, "one training step and one evaluation batch");
  assert.ok(calls.matmul > 0 && calls.softmax > 0, JSON.stringify(calls));
  // The backward pass of the patch embedding ran through the wrapper too.
  assert.ok(calls.conv2d_filter_grad >= 1, JSON.stringify(calls));
  assert.ok(!("input" in calls) && !("state" in calls), "sources launch no kernel");
});
