/**
 * WebGPU kernels for conv2d and its two gradients as implicit GEMMs (the
 * im2col matrix is never materialised; its entries are computed inside the
 * GEMM's operand loads), one GEMM batch entry per channel group:
 *
 * - forward:     y[g][co, (n,p)]   = Σ_(c,i,j) w[g][co, (c,i,j)] · col_n(x)[(c,i,j), p]
 * - filter grad: dw[g][co, (c,i,j)] = Σ_(n,p) dy[n][g][co, p] · col_n(x)[(c,i,j), p]
 * - input grad:  dx[g][c, (n,h,w)] = Σ_(co,i,j) w[g][co, c, i, j] · dy[n][g][co, oh, ow]
 *   where oh·sh = h + pt − i·dh (and likewise for w): a gather over the
 *   windows that cover each input pixel, so no atomics are needed.
 * @module
 */
import type { Conv2dAttrs, Conv2dGeometry } from "../../../core/ops/conv.ts";
import { conv2dGeometry } from "../../../core/ops/conv.ts";
import type { Shape } from "../../../core/host_tensor.ts";
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { inp, type KernelPlan, OUT, registerGpuKernel } from "../kernel.ts";
import { storage } from "../wgsl.ts";
import { gemmPasses } from "./gemm.ts";

function decls(a: string, b: string, c: string): string {
  return [storage(0, a, "f32", false), storage(1, b, "f32", false), storage(2, c, "f32", true)]
    .join("\n");
}

/** WGSL statements: value of col_n(x)[(c,i,j) = kIdx, p = pIdx] for group `b`, into `v`. */
function colLoad(g: Conv2dGeometry, nIdx: string, kIdx: string, pIdx: string): string {
  const khw = g.kh * g.kw;
  return `  let c = ${kIdx} / ${khw}u;
  let r = ${kIdx} % ${khw}u;
  let ih = i32((${pIdx} / ${g.wo}u) * ${g.sh}u + (r / ${g.kw}u) * ${g.dh}u) - ${g.pt};
  let iw = i32((${pIdx} % ${g.wo}u) * ${g.sw}u + (r % ${g.kw}u) * ${g.dw}u) - ${g.pl};
  if (ih < 0 || ih >= ${g.h} || iw < 0 || iw >= ${g.w}) { return 0.0; }
  return X[((${nIdx} * ${g.cin}u + b * ${g.cinG}u + c) * ${g.h}u + u32(ih)) * ${g.w}u + u32(iw)];`;
}

function zeroFill(n: number): KernelPlan {
  return {
    passes: [{
      kind: "dispatch",
      code: `${storage(0, "Y", "f32", true)}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wg.x + wg.y * nwg.x) * 64u + lid;
  if (i < ${n}u) { Y[i] = 0.0; }
}`,
      buffers: [OUT],
      workgroups: Math.ceil(n / 64),
    }],
  };
}

function geometry(op: string, x: Shape, w: Shape, attrs: Conv2dAttrs): Conv2dGeometry {
  return conv2dGeometry(op, x, w, attrs);
}

registerGpuKernel("conv2d", ({ node, inputs: [x, w] }) => {
  const g = geometry("conv2d", x.shape, w.shape, attrsOf(node, "conv2d"));
  const K = g.cinG * g.kh * g.kw;
  const P = g.ho * g.wo;
  if (sizeOf(node.shape) === 0) return { passes: [] };
  if (K === 0) return zeroFill(sizeOf(node.shape));
  return gemmPasses({
    batch: g.groups,
    m: g.coutG,
    n: g.n * P,
    k: K,
    decls: decls("X", "W", "Y"),
    buffers: [inp(0), inp(1), OUT],
    a: { kind: "fn", body: `  return W[(b * ${g.coutG}u + m) * ${K}u + k];` },
    b: { kind: "fn", body: colLoad(g, `(n / ${P}u)`, "k", `(n % ${P}u)`) },
    store: `  Y[((n / ${P}u) * ${g.cout}u + b * ${g.coutG}u + m) * ${P}u + n % ${P}u] = v;`,
  });
});

registerGpuKernel("conv2d_filter_grad", ({ node, inputs: [x] }) => {
  const a = attrsOf(node, "conv2d_filter_grad");
  const g = geometry("conv2d_filter_grad", x.shape, a.filterShape, a);
  const K = g.cinG * g.kh * g.kw;
  const P = g.ho * g.wo;
  if (sizeOf(node.shape) === 0) return { passes: [] };
  if (g.n * P === 0) return zeroFill(sizeOf(node.shape));
  return gemmPasses({
    batch: g.groups,
    m: g.coutG,
    n: K,
    k: g.n * P,
    decls: decls("X", "DY", "DW"),
    buffers: [inp(0), inp(1), OUT],
    a: {
      kind: "fn",
      body: `  return DY[((k / ${P}u) * ${g.cout}u + b * ${g.coutG}u + m) * ${P}u + k % ${P}u];`,
    },
    b: { kind: "fn", body: colLoad(g, `(k / ${P}u)`, "n", `(k % ${P}u)`) },
    store: `  DW[(b * ${g.coutG}u + m) * ${K}u + n] = v;`,
  });
});

registerGpuKernel("conv2d_input_grad", ({ node, inputs: [, w] }) => {
  const a = attrsOf(node, "conv2d_input_grad");
  const g = geometry("conv2d_input_grad", a.inputShape, w.shape, a);
  const khw = g.kh * g.kw;
  const HW = g.h * g.w;
  if (sizeOf(node.shape) === 0) return { passes: [] };
  if (g.coutG * khw === 0 || g.ho * g.wo === 0) return zeroFill(sizeOf(node.shape));
  return gemmPasses({
    batch: g.groups,
    m: g.cinG,
    n: g.n * HW,
    k: g.coutG * khw,
    decls: decls("DY", "W", "DX"),
    buffers: [inp(0), inp(1), OUT],
    a: {
      kind: "fn",
      body:
        `  return W[((b * ${g.coutG}u + k / ${khw}u) * ${g.cinG}u + m) * ${khw}u + k % ${khw}u];`,
    },
    b: {
      kind: "fn",
      body: `  let co = k / ${khw}u;
  let r = k % ${khw}u;
  let q = n % ${HW}u;
  let th = i32(q / ${g.w}u) + ${g.pt} - i32((r / ${g.kw}u) * ${g.dh}u);
  let tw = i32(q % ${g.w}u) + ${g.pl} - i32((r % ${g.kw}u) * ${g.dw}u);
  if (th < 0 || tw < 0 || th % ${g.sh} != 0 || tw % ${g.sw} != 0) { return 0.0; }
  let oh = u32(th / ${g.sh});
  let ow = u32(tw / ${g.sw});
  if (oh >= ${g.ho}u || ow >= ${g.wo}u) { return 0.0; }
  return DY[(((n / ${HW}u) * ${g.cout}u + b * ${g.coutG}u + co) * ${g.ho}u + oh) * ${g.wo}u + ow];`,
    },
    store: `  DX[((n / ${HW}u) * ${g.cin}u + b * ${g.cinG}u + m) * ${HW}u + n % ${HW}u] = v;`,
  });
});
