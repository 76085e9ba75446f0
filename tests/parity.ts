/**
 * Cross-backend parity: run a gradient-check case's graph (forward output
 * and every input gradient) on a backend and on `reference` in f32, and
 * compare within a relative tolerance.
 */
import type { Backend } from "../backends/backend.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import type { HostTensor } from "../core/host_tensor.ts";
import { buildCaseGraph, type GradCase } from "./gradcheck.ts";

/** Convert float64 feeds to f32 storage (what non-reference backends take). */
export function toF32Feeds(feeds: Record<string, HostTensor>): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [k, v] of Object.entries(feeds)) {
    out[k] = v.dtype === "f32" ? { ...v, data: Float32Array.from(v.data) } : v;
  }
  return out;
}

/**
 * Compare two tensors: |a − r| ≤ rtol·(|r| + max|r|·1e-2) elementwise. The
 * second term keeps elements that cancel to ~0 (sums of products) from
 * demanding more than f32 can give relative to the tensor's own scale.
 */
export function assertClose(name: string, got: HostTensor, want: HostTensor, rtol = 1e-4): void {
  if (got.data.length !== want.data.length) {
    throw new Error(`${name}: ${got.data.length} elements, want ${want.data.length}`);
  }
  let scale = 0;
  for (const v of want.data) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i], r = want.data[i];
    if (!(Math.abs(a - r) <= rtol * (Math.abs(r) + scale * 1e-2) + 1e-30)) {
      throw new Error(
        `${name}[${i}]: got ${a}, reference ${r} (rtol ${rtol}, tensor scale ${scale})`,
      );
    }
  }
}

/** Run `c` on `backend` and on reference; throw on the first mismatch. */
export async function parityCheck(backend: Backend, c: GradCase, rtol = 1e-4): Promise<void> {
  const { graph, feeds } = buildCaseGraph(c);
  const f32 = toF32Feeds(feeds);
  const ref = await (await referenceBackend.compile(graph)).run(f32);
  const exe = await backend.compile(graph);
  try {
    const got = await exe.run(f32);
    for (const name of Object.keys(ref)) {
      const label = `${backend.name} ${c.op} (${c.name}) output ${name}`;
      if (name === "loss") {
        // loss = Σ y·R can cancel to far below its terms; judge it against Σ|y| (|R| ≤ 1).
        let scale = 0;
        for (const v of ref.y.data) scale += Math.abs(v);
        const err = Math.abs(got.loss.data[0] - ref.loss.data[0]);
        if (!(err <= rtol * scale + 1e-30)) {
          throw new Error(
            `${label}: got ${got.loss.data[0]}, reference ${ref.loss.data[0]} (Σ|y| ${scale})`,
          );
        }
      } else {
        assertClose(label, got[name], ref[name], rtol);
      }
    }
  } finally {
    exe.dispose();
  }
}
