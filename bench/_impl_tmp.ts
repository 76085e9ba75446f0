import { dnnlContext } from "../backends/onednn/engine.ts";
import { onednnLookup } from "../backends/onednn/kernel.ts";
import "../backends/onednn/kernels/mod.ts";
import { loadDnnl } from "../backends/onednn/library.ts";
import type { DnnlPrimitive } from "../backends/onednn/primitive.ts";
import { ScratchArena } from "../backends/onednn/scratch.ts";
import { Graph } from "../core/graph.ts";
import * as o from "../core/ops.ts";
import { sizeOf } from "../core/host_tensor.ts";
const lib = loadDnnl();
if (!lib.ok) throw 0;
for (
  const [op, a, b] of [
    ["sub", [128, 3, 50, 50], [128, 3, 50, 1]],
    ["eq", [128, 3, 50, 50], [128, 3, 50, 1]],
    ["sub", [6400, 96], [6400, 1]],
    ["eq", [6400, 96], [6400, 1]],
    ["mul", [6400, 96], [96]],
    ["add", [128, 32, 28, 28], [1, 32, 1, 1]],
    ["mul", [128, 32, 28, 28], [128, 32, 28, 28]],
  ] as [string, number[], number[]][]
) {
  const g = new Graph();
  const y = (o as any)[op](g.input("a", a), g.input("b", b));
  const node = g.nodes[y.id];
  const ins = node.inputs.map((i) => g.nodes[i]);
  const owned: DnnlPrimitive[] = [];
  const run = onednnLookup({
    ctx: dnnlContext(lib.lib),
    own: (p) => owned.push(p),
    scratch: new ScratchArena(),
  })(op)(node, ins, false);
  const xa = new Float32Array(sizeOf(a)).fill(1), xb = new Float32Array(sizeOf(b)).fill(1);
  const out = node.dtype === "bool"
    ? new Uint8Array(sizeOf(node.shape))
    : new Float32Array(sizeOf(node.shape));
  run(out, [xa, xb]);
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) run(out, [xa, xb]);
  const ms = (performance.now() - t0) / 5;
  console.log(
    op,
    a,
    b,
    owned.map((p) => p.impl).join(","),
    (ms * 1e6 / sizeOf(node.shape)).toFixed(2),
    "ns/elem",
  );
}
