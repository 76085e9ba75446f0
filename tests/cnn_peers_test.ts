/**
 * The PyTorch peers of the CNN rows (`bench/peers/cnn_family.py`) have
 * exactly actlab's parameter count in the CIFAR geometry, at 10 and 100
 * classes, and as many activation modules as actlab has activation sites —
 * the same architecture, checked from both sides. Skipped (with the reason)
 * where Debian's python3-torch is not installed.
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import "../models/mod.ts";
import { createModel, paramCount } from "../models/registry.ts";
import { buildLayer } from "./build_harness.ts";

const PYTHON = "/usr/bin/python3";
const PEERS = new URL("../bench/peers/", import.meta.url).pathname;
const MODELS = ["alexnet", "vgg11", "vgg11_bn", "resnet32", "mobilenet_v2", "shufflenet_v2"];

/** `{model: [params at 10, params at 100, activation modules]}` from the peers, or why not. */
async function peerCounts(): Promise<Record<string, number[]> | string> {
  const script = `
import json, torch.nn as nn
from cnn_family import build_cnn
class Act(nn.ReLU):
    pass
out = {}
for name in ${JSON.stringify(MODELS)}:
    m10 = build_cnn(name, lambda c, layout: Act(), (3, 32, 32), 10)
    m100 = build_cnn(name, lambda c, layout: Act(), (3, 32, 32), 100)
    count = lambda m: sum(p.numel() for p in m.parameters())
    out[name] = [count(m10), count(m100), sum(isinstance(x, Act) for x in m10.modules())]
print(json.dumps(out))
`;
  try {
    const r = await new Deno.Command(PYTHON, {
      args: ["-c", script],
      cwd: PEERS,
      stderr: "piped",
      stdout: "piped",
    })
      .output();
    if (!r.success) return new TextDecoder().decode(r.stderr).trim().split("\n").pop() ?? "failed";
    return JSON.parse(new TextDecoder().decode(r.stdout));
  } catch (e) {
    return `${PYTHON}: ${e instanceof Error ? e.message : e}`;
  }
}

const peers = await peerCounts();
if (typeof peers === "string") console.log(`PyTorch peers not checked: ${peers}`);

Deno.test({
  name: "CNN peers: PyTorch parameter counts and activation counts equal actlab's (CIFAR geometry)",
  ignore: typeof peers === "string" && !/AssertionError/.test(peers),
  fn: () => {
    if (typeof peers === "string") throw new Error(peers); // the peer's own count assertion failed
    for (const name of MODELS) {
      const model = createModel(name, { numClasses: 10, inputShape: [3, 32, 32] });
      const b = buildLayer("eval", [1, 3, 32, 32], (ctx, x) => model.build(ctx, x), 10);
      assert.deepEqual(peers[name], [
        paramCount(name, [3, 32, 32], 10),
        paramCount(name, [3, 32, 32], 100),
        b.ctx.record.activationOutputs.length,
      ], name);
    }
  },
});
