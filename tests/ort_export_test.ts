/**
 * ONNX export: weights baked in as initializers, the training part pruned,
 * the file loaded back in ONNX Runtime and its logits compared with reference.
 */
import assert from "node:assert/strict";
import { exportOnnx, ortCpuBackend } from "../backends/ort/mod.ts";
import { loadOrt } from "../backends/ort/ort_loader.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { grad } from "../core/autodiff.ts";
import { type HostTensor, hostTensor, sizeOf } from "../core/host_tensor.ts";
import * as o from "../core/ops.ts";
import { lcg } from "./gradcheck.ts";
import { assertClose } from "./parity.ts";
import { ortAvailability } from "./ort_support.ts";

/** A small conv net training step: conv → relu → avg pool → linear; SGD updates as state. */
function convNetStep(): o.Graph {
  const g = new o.Graph();
  const x = g.input("x", [3, 2, 6, 6]);
  const labels = g.input("labels", [3], "i32");
  const w = g.state("conv_w", [4, 2, 3, 3]);
  const fc = g.state("fc_w", [4 * 3 * 3, 5]);
  const bias = g.state("fc_b", [5]);
  const h = o.conv2d(x, w, { padding: 1 });
  const a = o.where(o.gt(h, 0), h, 0);
  const p = o.avgPool2d(a, { kernel: 2 });
  const logits = o.add(o.matmul(o.reshape(p, [3, -1]), fc), bias);
  g.output("logits", logits);
  const loss = o.neg(o.mean(o.sum(o.mul(o.logSoftmax(logits), o.oneHot(labels, 5)), [1])));
  g.output("loss", loss);
  const params = [w, fc, bias];
  const { grads } = grad(g, loss, params);
  ["conv_w", "fc_w", "fc_b"].forEach((n, i) => {
    g.setStateUpdate(n, o.sub(params[i], o.mul(grads[i], 0.1)));
  });
  return g;
}

function randomState(g: o.Graph, seed: number): Record<string, HostTensor> {
  const rand = lcg(seed);
  const out: Record<string, HostTensor> = {};
  for (const [name, slot] of g.states) {
    const shape = g.nodes[slot.id].shape;
    out[name] = hostTensor(
      "f32",
      shape,
      Float32Array.from({ length: sizeOf(shape) }, () => rand() - 0.5),
    );
  }
  return out;
}

const ok = await ortAvailability(ortCpuBackend);

Deno.test({
  name: "exportOnnx: weights as initializers, loads in ORT, logits match reference",
  ignore: !ok,
  fn: async () => {
    const g = convNetStep();
    const weights = randomState(g, 5);
    const dir = await Deno.makeTempDir({ prefix: "actlab_export_" });
    try {
      const path = `${dir}/model.onnx`;
      const bytes = await exportOnnx(g, { outputs: ["logits"], initializers: weights }, path);
      assert.equal((await Deno.stat(path)).size, bytes);
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["model.onnx"]);

      const l = await loadOrt();
      assert.ok(l.ok);
      const session = await l.ort.InferenceSession.create(path);
      // Only the feed the logits need is left; the weights are baked in.
      assert.deepEqual([...session.inputNames], ["x"]);
      assert.deepEqual([...session.outputNames], ["logits"]);
      const rand = lcg(9);
      const x = Float32Array.from({ length: 3 * 2 * 6 * 6 }, () => rand() * 2 - 1);
      const res = await session.run({ x: new l.ort.Tensor("float32", x, [3, 2, 6, 6]) });
      await session.release();

      const ref = await referenceBackend.compile(g, { outputs: ["logits"] });
      await ref.writeState(weights);
      // The reference still computes the state updates, so it needs labels too.
      const labels = hostTensor("i32", [3], [0, 1, 2]);
      const want = await ref.run({ x: hostTensor("f32", [3, 2, 6, 6], x), labels });
      const got = { dtype: "f32" as const, shape: [3, 5], data: res.logits.data as Float32Array };
      assertClose("exported logits", got, want.logits);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("exportOnnx: missing weights and unwritable paths are clear errors, nothing written", async () => {
  const g = convNetStep();
  const weights = randomState(g, 5);
  const dir = await Deno.makeTempDir({ prefix: "actlab_export_" });
  try {
    const { fc_b: _, ...partial } = weights;
    await assert.rejects(
      () => exportOnnx(g, { outputs: ["logits"], initializers: partial }, `${dir}/m.onnx`),
      /state "fc_b" \(f32\[5\]\) has no value to bake into the model/,
    );
    await assert.rejects(
      () => exportOnnx(g, { outputs: ["nope"], initializers: weights }, `${dir}/m.onnx`),
      /unknown output "nope"/,
    );
    await assert.rejects(
      () => exportOnnx(g, { outputs: ["logits"], initializers: weights }, `${dir}/no/such/m.onnx`),
      /cannot write the ONNX model/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
