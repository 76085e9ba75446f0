/**
 * WebGPU kernels for slice, slice_grad, concat, pad, gather, scatter_add and
 * one_hot. Every kernel is written per output element ("gather form"):
 * slice_grad and pad test whether an output position lies on the source
 * lattice, and scatter_add sums, per output element, the updates whose index
 * matches in index order — deterministic and free of float atomics.
 * Out-of-range gather/scatter indices are reported through the diagnostics
 * buffer (read back with the outputs) and raise an error after the run.
 * @module
 */
import { ActlabError } from "../../../core/errors.ts";
import type { Node } from "../../../core/graph.ts";
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { stridesOf } from "../../../core/shape.ts";
import { DIAG, inp, type KernelPlan, OUT, type Pass, registerGpuKernel } from "../kernel.ts";
import { DIAG_WGSL, groups, lit, perElement, storage, u, uniformDecl } from "../wgsl.ts";
import { stridedGather } from "./movement.ts";

/** Most loop iterations a kernel plans per invocation (llvmpipe stops loops at ~65535). */
const MAX_LOOP = 60000;

/** Bit pattern of `v` as a 32-bit word of `dtype` (fill values move as raw words). */
function bits(v: number, dtype: Node["dtype"]): number {
  if (dtype === "f32") return new Uint32Array(new Float32Array([v]).buffer)[0];
  if (dtype === "i32") return (v | 0) >>> 0;
  return v !== 0 ? 1 : 0;
}

registerGpuKernel("slice", ({ node, inputs: [x] }) => {
  const st = stridesOf(x.shape);
  const { starts, steps } = attrsOf(node, "slice");
  const base = starts.reduce((acc, s, ax) => acc + s * st[ax], 0);
  return stridedGather(node.shape, st.map((s, ax) => s * steps[ax]), base);
});

/**
 * out[c] = src[(c − start)/step] where every axis lands on the lattice
 * start + i·step (i < srcDim), else `fill`. Uniform words per axis:
 * [outDim, start, step, srcDim, srcStride].
 */
function latticePlan(
  node: Node,
  src: Node,
  starts: readonly number[],
  steps: readonly number[],
  fill: number,
): KernelPlan {
  const n = sizeOf(node.shape);
  if (n === 0) return { passes: [] };
  const rank = node.shape.length;
  const sst = stridesOf(src.shape);
  const words = [n];
  for (let ax = 0; ax < rank; ax++) {
    words.push(node.shape[ax], starts[ax], steps[ax], src.shape[ax], sst[ax]);
  }
  let body = "  var rem = i;\n  var j = 0u;\n  var hit = true;\n";
  for (let ax = rank - 1; ax >= 0; ax--) {
    const w = 1 + ax * 5;
    body += `  { let c = rem % ${u(w)}; rem = rem / ${u(w)};
    let d = c - ${u(w + 1)};
    let q = d / ${u(w + 2)};
    if (c < ${u(w + 1)} || d % ${u(w + 2)} != 0u || q >= ${u(w + 3)}) { hit = false; }
    j = j + q * ${u(w + 4)}; }\n`;
  }
  body += `  if (hit) { y[i] = x[j]; } else { y[i] = ${bits(fill, node.dtype)}u; }`;
  const code = `${storage(0, "x", "u32", false)}
${storage(1, "y", "u32", true)}
${uniformDecl(2, words.length)}
${perElement(u(0), body)}`;
  return {
    passes: [{
      kind: "dispatch",
      code,
      buffers: [inp(0), OUT],
      uniforms: Uint32Array.from(words),
      workgroups: groups(n),
    }],
  };
}

registerGpuKernel(
  "slice_grad",
  ({ node, inputs: [dy] }) => {
    const { starts, steps } = attrsOf(node, "slice_grad");
    return latticePlan(node, dy, starts, steps, 0);
  },
);

registerGpuKernel("pad", ({ node, inputs: [x] }) => {
  const { before, value } = attrsOf(node, "pad");
  return latticePlan(node, x, before, before.map(() => 1), value);
});

registerGpuKernel("concat", ({ node, inputs }) => {
  const axis = attrsOf(node, "concat").axis;
  const outer = sizeOf(node.shape.slice(0, axis));
  const row = sizeOf(node.shape.slice(axis));
  const passes: Pass[] = [];
  let off = 0;
  inputs.forEach((x, k) => {
    const chunk = sizeOf(x.shape.slice(axis));
    const n = outer * chunk;
    if (n > 0 && outer === 1) {
      passes.push({ kind: "copy", src: inp(k), dst: OUT, bytes: 4 * n, dstOffset: 4 * off });
    } else if (n > 0) {
      // One dispatch per input: each writes its own columns of every output row.
      const code = `${storage(0, "x", "u32", false)}
${storage(1, "y", "u32", true)}
${uniformDecl(2, 4)}
${perElement(u(0), `  y[(i / ${u(1)}) * ${u(2)} + ${u(3)} + i % ${u(1)}] = x[i];`)}`;
      passes.push({
        kind: "dispatch",
        code,
        buffers: [inp(k), OUT],
        uniforms: Uint32Array.from([n, chunk, row, off]),
        workgroups: groups(n),
      });
    }
    off += chunk;
  });
  return { passes };
});

/** Records the first bad index in the diagnostics buffer: [flag, node id, value, position]. */
function badIndexWgsl(nodeWord: number): string {
  return `fn bad_index(v: i32, pos: u32) {
  if (atomicExchange(&diag[0], 1u) == 0u) {
    atomicStore(&diag[1], ${u(nodeWord)});
    atomicStore(&diag[2], bitcast<u32>(v));
    atomicStore(&diag[3], pos);
  }
}`;
}

registerGpuKernel("gather", ({ node, inputs: [x, ind] }) => {
  const n = sizeOf(node.shape);
  if (n === 0) return { passes: [] };
  const axis = attrsOf(node, "gather").axis;
  const dim = x.shape[axis];
  const inner = sizeOf(x.shape.slice(axis + 1));
  const nIdx = sizeOf(ind.shape);
  const words = [n, inner, nIdx, dim, node.id];
  const code = `${storage(0, "x", "u32", false)}
${storage(1, "ids", "i32", false)}
${storage(2, "y", "u32", true)}
${DIAG_WGSL(3)}
${uniformDecl(4, words.length)}
${badIndexWgsl(4)}
${
    perElement(
      u(0),
      `  let t = i % ${u(1)};
  let oj = i / ${u(1)};
  let j = oj % ${u(2)};
  let o = oj / ${u(2)};
  let v = ids[j];
  if (v < 0 || u32(v) >= ${u(3)}) {
    bad_index(v, j);
    y[i] = 0u;
    return;
  }
  y[i] = x[(o * ${u(3)} + u32(v)) * ${u(1)} + t];`,
    )
  }`;
  return {
    passes: [{
      kind: "dispatch",
      code,
      buffers: [inp(0), inp(1), OUT, DIAG],
      uniforms: Uint32Array.from(words),
      workgroups: groups(n),
    }],
  };
});

registerGpuKernel("scatter_add", ({ node, inputs: [, ind] }) => {
  const n = sizeOf(node.shape);
  if (n === 0) return { passes: [] };
  const axis = attrsOf(node, "scatter_add").axis;
  const dim = node.shape[axis];
  const inner = sizeOf(node.shape.slice(axis + 1));
  const nIdx = sizeOf(ind.shape);
  const t = node.dtype === "i32" ? "i32" : "f32";
  if (nIdx > MAX_LOOP) {
    throw new ActlabError(
      `webgpu: scatter_add over ${nIdx} indices exceeds the ${MAX_LOOP} this kernel supports ` +
        "(each output walks every index; software Vulkan drivers stop loops after ~65535 iterations)",
      "scatter in chunks of at most 60000 indices and add the results, or use another backend",
    );
  }
  const words = [n, inner, nIdx, dim, node.id];
  // Per output element: walk the indices in order and add the matching updates.
  // Every thread sees every index, so a bad one is reported even if it matches nothing.
  const code = `${storage(0, "upd", t, false)}
${storage(1, "ids", "i32", false)}
${storage(2, "y", t, true)}
${DIAG_WGSL(3)}
${uniformDecl(4, words.length)}
${badIndexWgsl(4)}
${
    perElement(
      u(0),
      `  let tt = i % ${u(1)};
  let od = i / ${u(1)};
  let d = od % ${u(3)};
  let o = od / ${u(3)};
  var acc = ${lit(0, node.dtype)};
  for (var j = 0u; j < ${u(2)}; j = j + 1u) {
    let v = ids[j];
    if (u32(v) == d) {
      acc = acc + upd[(o * ${u(2)} + j) * ${u(1)} + tt];
    } else if (v < 0 || u32(v) >= ${u(3)}) {
      bad_index(v, j);
    }
  }
  y[i] = acc;`,
    )
  }`;
  return {
    passes: [{
      kind: "dispatch",
      code,
      buffers: [inp(0), inp(1), OUT, DIAG],
      uniforms: Uint32Array.from(words),
      workgroups: groups(n),
    }],
  };
});

registerGpuKernel("one_hot", ({ node }) => {
  const n = sizeOf(node.shape);
  if (n === 0) return { passes: [] };
  const depth = attrsOf(node, "one_hot").depth;
  const code = `${storage(0, "ids", "i32", false)}
${storage(1, "y", "f32", true)}
${uniformDecl(2, 2)}
${perElement(u(0), `  y[i] = select(0.0, 1.0, ids[i / ${u(1)}] == i32(i % ${u(1)}));`)}`;
  return {
    passes: [{
      kind: "dispatch",
      code,
      buffers: [inp(0), OUT],
      uniforms: Uint32Array.from([n, depth]),
      workgroups: groups(n),
    }],
  };
});
