/**
 * Lowering-level fusions of the ORT backend: the ONNX they emit (what ran,
 * what was pruned) and their values against `reference`.
 */
import assert from "node:assert/strict";
import { ortCpuBackend } from "../backends/ort/mod.ts";
import { lowerGraph } from "../backends/ort/lower_graph.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { hostTensor } from "../core/host_tensor.ts";
import * as o from "../core/ops.ts";
import { ortAvailability } from "./ort_support.ts";

const opTypes = (g: o.Graph) => lowerGraph(g).model.graph.nodes.map((n) => n.opType);

function build(dyShape: number[], starts: number[], flip: boolean) {
  const g = new o.Graph();
  const x = g.input("x", [4, 5, 32]);
  const dy = g.input("dy", dyShape);
  const full = o.mul(x, 2);
  const part = o.sliceGrad(dy, [4, 5, 32], starts);
  g.output("y", flip ? o.add(part, full) : o.add(full, part));
  return g;
}

const ramp = (shape: number[], scale: number) =>
  hostTensor(
    "f32",
    shape,
    Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => Math.sin(i) * scale),
  );

Deno.test("ort lowering: add of a slice gradient becomes ScatterND and its Pad is pruned", () => {
  for (const flip of [false, true]) {
    const ops = opTypes(build([4, 1, 32], [0, 0, 0], flip));
    assert.ok(ops.includes("ScatterND"), `ScatterND in ${ops}`);
    assert.ok(!ops.includes("Pad") && !ops.includes("Add"), `no Pad/Add in ${ops}`);
  }
  // Rows shorter than 16 elements are not worth index tuples: Pad + Add stay.
  const short = opTypes(build([4, 5, 4], [0, 0, 8], false));
  assert.ok(short.includes("Pad") && short.includes("Add"), `${short}`);
});

if (await ortAvailability(ortCpuBackend)) {
  Deno.test("ort lowering: scattered slice gradients equal reference", async () => {
    const cases: [number[], number[]][] = [
      [[4, 1, 32], [0, 0, 0]], // class token
      [[4, 2, 32], [0, 3, 0]], // rows in the middle
      [[2, 1, 32], [1, 4, 0]], // partial on two axes
      [[4, 5, 4], [0, 0, 8]], // too short to scatter: the Pad path
    ];
    for (const [dyShape, starts] of cases) {
      for (const flip of [false, true]) {
        const g = build(dyShape, starts, flip);
        const feeds = { x: ramp([4, 5, 32], 1), dy: ramp(dyShape, 3) };
        const want = (await (await referenceBackend.compile(g)).run(feeds)).y.data;
        const got = (await (await ortCpuBackend.compile(g)).run(feeds)).y.data;
        for (let i = 0; i < want.length; i++) {
          assert.ok(Math.abs(got[i] - want[i]) <= 1e-6, `${dyShape}@${starts} [${i}]`);
        }
      }
    }
  });
}
