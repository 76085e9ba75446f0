/**
 * `fused` nodes (../fuse_loops.ts) as WebAssembly SIMD functions
 * (../wasm/fused_wat.ts) over the executable's WebAssembly memory, where
 * every pooled buffer, state, constant and feed lives. The function covers
 * the two inner levels of the nest; this kernel calls it once per outer
 * position. A reduction accumulates into a float64 row in the memory's
 * kernel scratch and divides (`mean`) and rounds into the output here, as the
 * reference does. An operand outside the memory (a safeguard: the executor
 * copies feeds in) runs the JavaScript loop (host/fused.ts) for that run; a
 * program the generator declines, no memory (the executable's buffers did not
 * fit one), or too little scratch leaves the node to that loop too (the host
 * tier).
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import type { DType, TensorData } from "../../../core/host_tensor.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { checkedSiblings, FUSED_OP, type FusedProgram } from "../fuse_loops.ts";
import { fusedKernel, fusedNest, reducedCount, reducedOutputs } from "../host/fused.ts";
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
  const outputs = reduce ? reducedOutputs(program) : 0;
  if (reduce && 8 * outputs > scratchBytes) return null;
  // A merged map's inputs end with the sibling nodes whose outputs it also writes.
  const e = checkedSiblings(node, program, inputs);
  const leaves = inputs.slice(0, node.inputs.length);
  const nest = fusedNest(program, leaves);
  const text = fusedWat(program, {
    outDtype: node.dtype,
    leafDtypes: leaves.map((l) => l.dtype),
    colStrides: nest.colStrides,
  });
  if (text === null) return null;
  const instance = new WebAssembly.Instance(assemble(text), { env: { memory } });
  env.wasm.kernels++;
  const k = instance.exports.k as (...args: number[]) => void;
  const js = fusedKernel(program, inputs);
  const bytes = [reduce ? 8 : bytesOf(node.dtype), ...leaves.map((l) => bytesOf(l.dtype))];
  const { bases, rows, cols, rowStrides } = nest;
  const count = bases[0].length;
  const strideBytes = rowStrides.map((s, q) => s * bytes[q]);
  const div = reducedCount(program);
  // The memory never grows, so its buffer and the accumulator view are fixed.
  const buf = memory.buffer;
  const acc = reduce ? new Float64Array(buf, scratchOffset, outputs) : null;
  const n = leaves.length;
  // Arguments: output, other outputs, leaves, rows, cols, then the row strides.
  const args = new Array<number>(1 + e + n + 2 + 1 + n);
  const first = 1 + e; // the first leaf's address
  args[first + n] = rows;
  args[first + n + 1] = cols;
  for (let q = 0; q <= n; q++) args[first + n + 2 + q] = strideBytes[q];
  const run: KernelRun = (out: TensorData, ins: readonly TensorData[]) => {
    let inside = out.buffer === buf;
    for (let q = 0; q < n + e && inside; q++) inside = ins[q].buffer === buf;
    if (!inside) return js(out, ins);
    acc?.fill(0);
    const o0 = acc ? scratchOffset : out.byteOffset;
    for (let j = 0; j < count; j++) {
      const at = bases[0][j] * bytes[0];
      args[0] = o0 + at;
      for (let x = 1; x <= e; x++) args[x] = ins[n + x - 1].byteOffset + at;
      for (let q = 0; q < n; q++) {
        args[first + q] = ins[q].byteOffset + bases[q + 1][j] * bytes[q + 1];
      }
      k(...args);
    }
    if (acc) {
      if (program.kind === "mean") { for (let i = 0; i < outputs; i++) out[i] = acc[i] / div; }
      else for (let i = 0; i < outputs; i++) out[i] = acc[i];
    }
  };
  return run;
});
