/**
 * WebGPU kernels for sum / mean / max over any axes. Adjacent axes that are
 * contiguous in memory are merged first, so most reductions become one
 * reduced and at most two kept axes. Large reductions over few outputs use
 * one workgroup per output with a tree in workgroup memory; the rest use
 * one thread per output looping over its reduced elements.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { type Shape, sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { stridesOf } from "../../../core/shape.ts";
import { inp, type KernelPlan, OUT, registerGpuKernel, scratch } from "../kernel.ts";
import { entry, groups, storage, u, uniformDecl, WG, wgslType } from "../wgsl.ts";

/** Axes grouped for a reduction: kept and reduced (size, stride) lists, merged. */
export interface ReduceLayout {
  readonly kept: readonly [number, number][];
  readonly red: readonly [number, number][];
}

/** Merge contiguous runs of kept and of reduced axes (size-1 axes dropped). */
export function reduceLayout(shape: Shape, axes: readonly number[]): ReduceLayout {
  const st = stridesOf(shape);
  const kept: [number, number][] = [];
  const red: [number, number][] = [];
  let prevRed: boolean | null = null;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const isRed = axes.includes(i);
    const list = isRed ? red : kept;
    const last = list[list.length - 1];
    // Merge with the previous axis of the same kind when it is its direct outer axis.
    if (prevRed === isRed && last && last[1] === shape[i] * st[i]) {
      last[0] *= shape[i];
      last[1] = st[i];
    } else {
      list.push([shape[i], st[i]]);
    }
    prevRed = isRed;
  }
  return { kept, red };
}

/** WGSL statements decomposing `idx` over `dims` into `acc += coord·stride` (uniform words). */
export function decompose(
  idx: string,
  acc: string,
  dimWord: number,
  strideWord: number,
  count: number,
): string {
  if (count === 0) return "";
  if (count === 1) return `  ${acc} = ${acc} + ${idx} * ${u(strideWord)};\n`;
  let s = `  { var rem_ = ${idx};\n`;
  for (let d = count - 1; d >= 0; d--) {
    s += `    ${acc} = ${acc} + (rem_ % ${u(dimWord + d)}) * ${u(strideWord + d)};`;
    s += ` rem_ = rem_ / ${u(dimWord + d)};\n`;
  }
  return s + "  }\n";
}

type ReduceKind = "sum" | "mean" | "max";

/** Elements one workgroup reduces per segment (512 iterations per lane). */
const SEG = WG * 512;

function reducePlan(kind: ReduceKind, node: Node, x: Node): KernelPlan {
  const nOut = sizeOf(node.shape);
  if (nOut === 0) return { passes: [] };
  const axes = attrsOf(node, ["sum", "mean", "max"]).axes;
  const count = axes.reduce((c, a) => c * x.shape[a], 1);
  const { kept, red } = reduceLayout(x.shape, axes);
  // Long reductions run in two passes: per-segment partials, then their
  // reduction. This spreads one output over many workgroups (llvmpipe runs a
  // workgroup on one core) and keeps every loop far below llvmpipe's cap of
  // ~65535 loop iterations per invocation.
  const segs = count > SEG ? Math.ceil(count / SEG) : 1;
  const words = [nOut, count, segs];
  const kd = words.length;
  words.push(...kept.map((k) => k[0]));
  const ks = words.length;
  words.push(...kept.map((k) => k[1]));
  const rd = words.length;
  words.push(...red.map((r) => r[0]));
  const rs = words.length;
  words.push(...red.map((r) => r[1]));
  const t = wgslType(node.dtype);
  const init = kind === "max"
    ? (t === "f32" ? "bitcast<f32>(0xff800000u)" : "i32(-2147483648)")
    : `${t}(0)`;
  const combine = (a: string, b: string) =>
    kind === "max"
      ? t === "f32" ? `select(${a}, ${b}, ${b} > ${a} || ${b} != ${b})` : `max(${a}, ${b})`
      : `${a} + ${b}`;
  const finish = (a: string) => (kind === "mean" ? `${a} / ${t}(${u(1)})` : a);
  // Compensated (TwoSum) accumulation is not an option: llvmpipe's compiler
  // folds the error term away. Accuracy comes from the pairwise tree below.
  const decl = [
    storage(0, "x", t, false),
    storage(1, "y", t, true),
    uniformDecl(2, words.length),
  ].join("\n");
  const load = (r: string) =>
    `  var off = base;\n${decompose(r, "off", rd, rs, red.length)}  acc = ${
      combine("acc", "x[off]")
    };\n`;
  const baseOf = (o: string) => `  var base = 0u;\n${decompose(o, "base", kd, ks, kept.length)}`;
  const tree = `  sh[lid] = acc;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = ${combine("sh[lid]", "sh[lid + s]")}; }
    workgroupBarrier();
  }`;
  const buffers = [inp(0), OUT];
  const uniforms = Uint32Array.from(words);
  if (segs > 1) {
    const partial = `${decl.replace("var<storage, read_write> y", "var<storage, read_write> part")}
var<workgroup> sh: array<${t}, ${WG}>;
${entry(WG)}
  if (wid >= ${u(0)} * ${u(2)}) { return; }
  let o = wid / ${u(2)};
  let r0 = (wid % ${u(2)}) * ${SEG}u;
  let r1 = min(r0 + ${SEG}u, ${u(1)});
${baseOf("o")}
  var acc = ${init};
  for (var r = r0 + lid; r < r1; r = r + ${WG}u) {
  ${load("r")}
  }
${tree}
  if (lid == 0u) { part[wid] = sh[0]; }
}`;
    const final = `${decl.replace("var<storage, read> x", "var<storage, read> part")}
${entry(WG)}
  let i = wid * ${WG}u + lid;
  if (i >= ${u(0)}) { return; }
  var acc = ${init};
  for (var s = 0u; s < ${u(2)}; s = s + 1u) { acc = ${combine("acc", `part[i * ${u(2)} + s]`)}; }
  y[i] = ${finish("acc")};
}`;
    return {
      passes: [
        {
          kind: "dispatch",
          code: partial,
          buffers: [inp(0), scratch(0)],
          uniforms,
          workgroups: nOut * segs,
        },
        {
          kind: "dispatch",
          code: final,
          buffers: [scratch(0), OUT],
          uniforms,
          workgroups: groups(nOut),
        },
      ],
      scratchBytes: [4 * nOut * segs],
    };
  }
  // The workgroup tree sums pairwise (error ~log n ulp instead of ~√n), which keeps
  // cancelling sums such as a loss Σ y·r within 1e-4 of the float64 reference.
  const useGroups = count >= 32 && (nOut <= 16384 || count >= 1024);
  let code: string;
  if (useGroups) {
    code = `${decl}
var<workgroup> sh: array<${t}, ${WG}>;
${entry(WG)}
  if (wid >= ${u(0)}) { return; }
${baseOf("wid")}
  var acc = ${init};
  for (var r = lid; r < ${u(1)}; r = r + ${WG}u) {
  ${load("r")}
  }
${tree}
  if (lid == 0u) { y[wid] = ${finish("sh[0]")}; }
}`;
  } else {
    code = `${decl}
${entry(WG)}
  let i = wid * ${WG}u + lid;
  if (i >= ${u(0)}) { return; }
${baseOf("i")}
  var acc = ${init};
  for (var r = 0u; r < ${u(1)}; r = r + 1u) {
  ${load("r")}
  }
  y[i] = ${finish("acc")};
}`;
  }
  return {
    passes: [{
      kind: "dispatch",
      code,
      buffers,
      uniforms,
      workgroups: useGroups ? nOut : groups(nOut),
    }],
  };
}

for (const kind of ["sum", "mean", "max"] as const) {
  registerGpuKernel(kind, ({ node, inputs }) => reducePlan(kind, node, inputs[0]));
}
