/**
 * `fused` nodes (../fuse_loops.ts) as WebAssembly SIMD functions
 * (../wasm/fused_wat.ts) over the executable's WebAssembly memory, where
 * every pooled buffer, state, constant and feed lives. The function covers
 * the two inner levels of the nest; this kernel calls it once per outer
 * position. A reduction — or each reduction a merged map computes —
 * accumulates into a float64 row in the memory's kernel scratch and divides
 * (`mean`) and rounds into its output here, as the reference does. An operand outside the memory (a safeguard: the executor
 * copies feeds in) runs the JavaScript loop (host/fused.ts) for that run; a
 * program the generator declines, no memory (the executable's buffers did not
 * fit one), or too little scratch leaves the node to that loop too (the host
 * tier).
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import type { DType, TensorData } from "../../../core/host_tensor.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import {
  checkedSiblings,
  FUSED_OP,
  type FusedProgram,
  reductionsOf,
  zeroRowBytes,
} from "../fuse_loops.ts";
import { fusedNest, mergedReductions, reducedCount, reducedOutputs } from "../fused_nest.ts";
import { fusedKernel } from "../host/fused.ts";
import { type OnednnEnv, registerOnednnKernel } from "../kernel.ts";
import { assemble, assemblerLoaded } from "../wasm/assemble.ts";
import { fusedWat } from "../wasm/fused_wat.ts";

function bytesOf(dtype: DType): number {
  return dtype === "bool" ? 1 : 4;
}

registerOnednnKernel(FUSED_OP, (env: OnednnEnv, node: Node, inputs: readonly Node[]) => {
  const { memory, scratchOffset, scratchBytes } = env.wasm;
  if (!memory || !assemblerLoaded()) return null;
  const program = JSON.parse(node.attrs.program as string) as FusedProgram;
  const reduce = program.kind !== "map";
  // A merged map's inputs end with the sibling nodes whose outputs it also writes.
  const e = checkedSiblings(node, program, inputs);
  const leaves = inputs.slice(0, node.inputs.length);
  const n = leaves.length;
  // Float64 accumulators in the scratch: the reduction's, or each merged reduction's in turn.
  const merged = mergedReductions(program).map((r) => ({ domain: program.domain, axes: r.axes }));
  const sizes = reduce ? [reducedOutputs(program)] : merged.map((r) => reducedOutputs(r));
  const accOffsets = sizes.map((_, r) => 8 * sizes.slice(0, r).reduce((a, b) => a + b, 0));
  const accBytes = 8 * sizes.reduce((a, b) => a + b, 0);
  if (accBytes + zeroRowBytes(program) > scratchBytes) return null;
  const nest = fusedNest(program, leaves.map((l) => l.shape));
  const text = fusedWat(program, {
    outDtype: node.dtype,
    leafDtypes: leaves.map((l) => l.dtype),
    colStrides: nest.colStrides,
  });
  if (text === null) return null;
  const instance = new WebAssembly.Instance(assemble(text), { env: { memory } });
  env.wasm.kernels++;
  const k = instance.exports.k as (...args: number[]) => void;
  // The JavaScript loop, generated only if an operand is ever outside the memory.
  let js: KernelRun | null = null;
  const reductions = reductionsOf(program);
  // Output k's accumulator (its index into `merged`), or -1 where it stores per element.
  let next = 0;
  const accOf = reductions.map((red) => (red ? next++ : -1));
  // Operand bytes in the nest's order: output, leaves, merged accumulators.
  const bytes = [
    reduce ? 8 : bytesOf(node.dtype),
    ...leaves.map((l) => bytesOf(l.dtype)),
    ...merged.map(() => 8),
  ];
  const { bases, rows, cols, rowStrides } = nest;
  const count = bases[0].length;
  const strideBytes = rowStrides.map((s, q) => s * bytes[q]);
  const div = reducedCount(program);
  // A spread leaf reads a row of zeros (after the accumulators) where it does not cover the call.
  const spread = (program.spreads ?? []).findIndex((sp) => sp !== null);
  const zeroAt = scratchOffset + ((accBytes + 15) & ~15);
  const spreadStride = spread < 0 ? 0 : strideBytes[1 + spread];
  // The memory never grows, so its buffer and the accumulator views are fixed.
  const buf = memory.buffer;
  const acc = reduce ? new Float64Array(buf, scratchOffset, sizes[0]) : null;
  const accs = merged.map((_, r) => new Float64Array(buf, scratchOffset + accOffsets[r], sizes[r]));
  const zeros = spread < 0 ? null : new Float32Array(buf, zeroAt, cols);
  const divs = merged.map((r) => reducedCount(r));
  // Arguments: output, other outputs, leaves, rows, cols, the row strides, merged accumulators'.
  const args = new Array<number>(1 + e + n + 2 + 1 + n + merged.length);
  const first = 1 + e; // the first leaf's address
  args[first + n] = rows;
  args[first + n + 1] = cols;
  for (let q = 0; q <= n; q++) args[first + n + 2 + q] = strideBytes[q];
  for (let r = 0; r < merged.length; r++) args[first + 2 * n + 3 + r] = strideBytes[1 + n + r];
  const run: KernelRun = (out: TensorData, ins: readonly TensorData[]) => {
    let inside = out.buffer === buf;
    for (let q = 0; q < n + e && inside; q++) inside = ins[q].buffer === buf;
    if (!inside) return (js ??= fusedKernel(program, inputs))(out, ins);
    acc?.fill(0);
    for (const a of accs) a.fill(0);
    zeros?.fill(0); // (the scratch is shared: another loop's accumulators may lie here)
    const o0 = acc ? scratchOffset : out.byteOffset;
    for (let j = 0; j < count; j++) {
      const at = bases[0][j] * bytes[0];
      args[0] = o0 + at;
      for (let x = 1; x <= e; x++) {
        const r = accOf[x];
        args[x] = r < 0
          ? ins[n + x - 1].byteOffset + at
          : scratchOffset + accOffsets[r] + 8 * bases[1 + n + r][j];
      }
      for (let q = 0; q < n; q++) {
        args[first + q] = ins[q].byteOffset + bases[q + 1][j] * bytes[q + 1];
      }
      if (spread >= 0) {
        const outside = bases[1 + spread][j] < 0;
        if (outside) args[first + spread] = zeroAt;
        args[first + n + 3 + spread] = outside ? 0 : spreadStride;
      }
      k(...args);
    }
    if (acc) {
      if (program.kind === "mean") { for (let i = 0; i < acc.length; i++) out[i] = acc[i] / div; }
      else for (let i = 0; i < acc.length; i++) out[i] = acc[i];
    }
    for (let x = 1; x <= e; x++) {
      const r = accOf[x];
      if (r < 0) continue;
      const y = ins[n + x - 1], a = accs[r];
      if (reductions[x]!.kind === "mean") {
        for (let i = 0; i < a.length; i++) y[i] = a[i] / divs[r];
      } else for (let i = 0; i < a.length; i++) y[i] = a[i];
    }
  };
  return run;
});
