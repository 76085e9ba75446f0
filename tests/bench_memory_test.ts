/**
 * Smoke test of the memory measurement behind `bench/RESULTS.md`: the
 * per-case probe (a fresh process, as `bench:table` runs it) reports a peak
 * of at least the planner's estimate for reference-backend cases — whose
 * executable allocates its buffers exactly as planned — and the measured
 * peak grows with the case as the plan does.
 */
import assert from "node:assert/strict";
import type { MemProbeResult } from "../bench/mem_probe.ts";
import { probeInSubprocess } from "../bench/table.ts";

Deno.test({
  name: "mem_probe measures a case's peak in a fresh process",
  ignore: Deno.build.os !== "linux", // /proc/self/status
  async fn() {
    const caseAt = (batch: number) => ({
      kind: "act",
      backend: "reference",
      activation: "relu",
      layout: "tokens",
      shape: [batch, 65, 768],
      mode: "fwdbwd",
    });
    const at = async (batch: number): Promise<MemProbeResult> => {
      const r = await probeInSubprocess(caseAt(batch), 1);
      assert.ok(typeof r !== "string", `probe failed: ${r}`);
      assert.ok(r.rssPeakBytes !== null, "no /proc/self/status reading");
      assert.ok(r.rssPeakBytes >= 0.9 * r.planBytes, JSON.stringify(r));
      assert.equal(r.deviceBytes, null);
      return r;
    };
    const small = await at(8);
    const big = await at(32);
    // x, dy, the mask, dx: about 4 tensors of 4·B·65·768 bytes.
    assert.ok(small.planBytes > 4 * 4 * 8 * 65 * 768 * 0.9, `plan ${small.planBytes}`);
    const grew = big.rssPeakBytes! - small.rssPeakBytes!;
    assert.ok(grew >= 0.8 * (big.planBytes - small.planBytes), `peak grew by only ${grew} bytes`);
    const bad = await probeInSubprocess({ ...caseAt(8), backend: "nope" }, 1);
    assert.match(String(bad), /unknown backend "nope"/);
  },
});
