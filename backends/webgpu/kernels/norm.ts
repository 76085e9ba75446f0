/**
 * WebGPU kernels for softmax, log-softmax and layer norm. A row is the set
 * of elements normalised together (strided by `inner` for softmax over a
 * non-last axis). Long rows get one workgroup each, with max/sum trees in
 * workgroup memory; short rows get one thread each.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { inp, type KernelPlan, OUT, registerGpuKernel } from "../kernel.ts";
import { entry, f32Lit, groups, storage, WG } from "../wgsl.ts";

/** A row-wise computation: phases of reductions followed by a write-back. */
interface RowSpec {
  readonly rows: number;
  /** Elements per row. */
  readonly n: number;
  /** Stride between a row's elements. */
  readonly inner: number;
  /**
   * WGSL: each phase reduces `x` over the row into a named value. `init`,
   * per-element `term(v)` and `combine(a, b)` are expressions; `post(r)`
   * turns the reduced value into the phase's result (names may use earlier phases).
   */
  readonly phases: readonly {
    name: string;
    init: string;
    term: (v: string) => string;
    combine: (a: string, b: string) => string;
    post: (r: string) => string;
  }[];
  /** WGSL expression of the output element from its input value `v`. */
  readonly out: (v: string) => string;
}

const maxNaN = (a: string, b: string) => `select(${a}, ${b}, ${b} > ${a} || ${b} != ${b})`;
const plus = (a: string, b: string) => `${a} + ${b}`;

function rowPlan(spec: RowSpec): KernelPlan {
  const { rows, n, inner } = spec;
  if (rows === 0 || n === 0) return { passes: [] };
  const decl = `${storage(0, "x", "f32", false)}\n${storage(1, "y", "f32", true)}`;
  const base = (row: string) => `(${row} / ${inner}u) * ${n * inner}u + ${row} % ${inner}u`;
  const at = (k: string) => `x[base + ${k} * ${inner}u]`;
  let code: string;
  if (n >= 64) {
    let body = "";
    for (const p of spec.phases) {
      body += `  var acc_${p.name} = ${p.init};
  for (var k = lid; k < ${n}u; k = k + ${WG}u) {
    let v = ${at("k")};
    acc_${p.name} = ${p.combine(`acc_${p.name}`, p.term("v"))};
  }
  sh[lid] = acc_${p.name};
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = ${p.combine("sh[lid]", "sh[lid + s]")}; }
    workgroupBarrier();
  }
  let ${p.name} = ${p.post("sh[0]")};
  workgroupBarrier();
`;
    }
    code = `${decl}
var<workgroup> sh: array<f32, ${WG}>;
${entry(WG)}
  if (wid >= ${rows}u) { return; }
  let base = ${base("wid")};
${body}  for (var k = lid; k < ${n}u; k = k + ${WG}u) {
    let v = ${at("k")};
    y[base + k * ${inner}u] = ${spec.out("v")};
  }
}`;
  } else {
    let body = "";
    for (const p of spec.phases) {
      body += `  var acc_${p.name} = ${p.init};
  for (var k = 0u; k < ${n}u; k = k + 1u) {
    let v = ${at("k")};
    acc_${p.name} = ${p.combine(`acc_${p.name}`, p.term("v"))};
  }
  let ${p.name} = ${p.post(`acc_${p.name}`)};
`;
    }
    code = `${decl}
${entry(WG)}
  let i = wid * ${WG}u + lid;
  if (i >= ${rows}u) { return; }
  let base = ${base("i")};
${body}  for (var k = 0u; k < ${n}u; k = k + 1u) {
    let v = ${at("k")};
    y[base + k * ${inner}u] = ${spec.out("v")};
  }
}`;
  }
  return {
    passes: [{
      kind: "dispatch",
      code,
      buffers: [inp(0), OUT],
      workgroups: n >= 64 ? rows : groups(rows),
    }],
  };
}

function softmaxPlan(node: Node, log: boolean): KernelPlan {
  const axis = attrsOf(node, ["softmax", "log_softmax"]).axis;
  const n = node.shape[axis];
  const inner = sizeOf(node.shape.slice(axis + 1));
  const rows = n === 0 ? 0 : sizeOf(node.shape) / n;
  const negInf = f32Lit(-Infinity);
  return rowPlan({
    rows,
    n,
    inner,
    phases: [
      // All −∞ rows subtract 0 so exp gives 0 rather than NaN (as the reference does).
      {
        name: "m",
        init: negInf,
        term: (v) => v,
        combine: maxNaN,
        post: (r) => `select(${r}, 0.0, ${r} == ${negInf})`,
      },
      { name: "s", init: "0.0", term: (v) => `exp(${v} - m)`, combine: plus, post: (r) => r },
    ],
    out: log ? (v) => `${v} - (m + log(s))` : (v) => `exp(${v} - m) / s`,
  });
}

registerGpuKernel("softmax", ({ node }) => softmaxPlan(node, false));
registerGpuKernel("log_softmax", ({ node }) => softmaxPlan(node, true));

registerGpuKernel("layer_norm", ({ node }) => {
  const { numAxes, eps } = attrsOf(node, "layer_norm");
  const n = sizeOf(node.shape.slice(node.shape.length - numAxes));
  const rows = n === 0 ? 0 : sizeOf(node.shape) / n;
  return rowPlan({
    rows,
    n,
    inner: 1,
    phases: [
      { name: "mu", init: "0.0", term: (v) => v, combine: plus, post: (r) => `${r} / ${n}.0` },
      // Centred second pass: E[x²] − E[x]² would cancel.
      {
        name: "rs",
        init: "0.0",
        term: (v) => `(${v} - mu) * (${v} - mu)`,
        combine: plus,
        post: (r) => `1.0 / sqrt(${r} / ${n}.0 + ${f32Lit(eps)})`,
      },
    ],
    out: (v) => `(${v} - mu) * rs`,
  });
});
