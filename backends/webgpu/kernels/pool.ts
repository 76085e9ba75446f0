/**
 * WebGPU kernels for max/avg pooling and their gradient ops. Forward ops run
 * one thread per output window. Gradients are written per input pixel
 * (gather form, no atomics): each pixel sums the windows that cover it, in
 * the same row-major window order as the reference. Max-pool gradients first
 * record each window's argmax in a scratch buffer so that all three max-pool
 * ops agree on the selected element (first maximum, NaN wins).
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { sizeOf } from "../../../core/host_tensor.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { type Pool2dGeometry, pool2dGeometry } from "../../../core/ops/pool.ts";
import { type DispatchPass, inp, OUT, registerGpuKernel, scratch } from "../kernel.ts";
import { groups, perElement, storage } from "../wgsl.ts";

/** WGSL: window bounds of output `o` (flat over [N·C, Ho, Wo]) → nc, hs, he, ws, we. */
function windowOf(g: Pool2dGeometry, o: string): string {
  return `  let ow = ${o} % ${g.wo}u;
  let oh = (${o} / ${g.wo}u) % ${g.ho}u;
  let nc = ${o} / ${g.wo * g.ho}u;
  let h0 = i32(oh * ${g.sh}u) - ${g.ph};
  let w0 = i32(ow * ${g.sw}u) - ${g.pw};
  let hs = u32(max(h0, 0));
  let he = u32(min(h0 + ${g.kh}, ${g.h}));
  let ws = u32(max(w0, 0));
  let we = u32(min(w0 + ${g.kw}, ${g.w}));
  let plane = nc * ${g.h * g.w}u;`;
}

/** WGSL: flat argmax `best` of x over the window (first max in row-major order; NaN wins). */
function argmaxOf(g: Pool2dGeometry): string {
  return `  var best = plane + hs * ${g.w}u + ws;
  var bv = x[best];
  for (var ih = hs; ih < he; ih = ih + 1u) {
    for (var iw = ws; iw < we; iw = iw + 1u) {
      let at = plane + ih * ${g.w}u + iw;
      let v = x[at];
      if (v > bv || (v != v && bv == bv)) { bv = v; best = at; }
    }
  }`;
}

function dispatch(code: string, buffers: DispatchPass["buffers"], n: number): DispatchPass {
  return { kind: "dispatch", code, buffers, workgroups: groups(n) };
}

/**
 * WGSL: loop over the windows covering input pixel `i` (flat over [N·C, H, W])
 * in row-major window order, with `o` the window's flat output index.
 */
function coveringWindows(g: Pool2dGeometry, body: string): string {
  return `  let iw = i % ${g.w}u;
  let ih = (i / ${g.w}u) % ${g.h}u;
  let nc = i / ${g.h * g.w}u;
  // Windows oh with oh·sh − ph ≤ ih < oh·sh − ph + kh.
  let th = i32(ih) + ${g.ph};
  let tw = i32(iw) + ${g.pw};
  let oh0 = u32(max(th - ${g.kh} + ${g.sh}, 0) / ${g.sh});
  let oh1 = min(u32(th / ${g.sh}) + 1u, ${g.ho}u);
  let ow0 = u32(max(tw - ${g.kw} + ${g.sw}, 0) / ${g.sw});
  let ow1 = min(u32(tw / ${g.sw}) + 1u, ${g.wo}u);
  var acc = 0.0;
  for (var oh = oh0; oh < oh1; oh = oh + 1u) {
    for (var ow = ow0; ow < ow1; ow = ow + 1u) {
      let o = (nc * ${g.ho}u + oh) * ${g.wo}u + ow;
${body}
    }
  }
  y[i] = acc;`;
}

type WindowOp = "max_pool2d" | "max_pool2d_gather" | "max_pool2d_grad" | "avg_pool2d";

function geo(op: WindowOp, node: Node, x: Node): Pool2dGeometry {
  return pool2dGeometry(op, x.shape, attrsOf(node, op));
}

registerGpuKernel("max_pool2d", ({ node, inputs: [x] }) => {
  const n = sizeOf(node.shape);
  if (n === 0) return { passes: [] };
  const g = geo("max_pool2d", node, x);
  const code = `${storage(0, "x", "f32", false)}
${storage(1, "y", "f32", true)}
${perElement(`${n}u`, `${windowOf(g, "i")}\n${argmaxOf(g)}\n  y[i] = bv;`)}`;
  return { passes: [dispatch(code, [inp(0), OUT], n)] };
});

/** Pass writing each window's argmax (flat input index) into scratch 0. */
function argmaxPass(g: Pool2dGeometry): DispatchPass {
  const n = g.n * g.c * g.ho * g.wo;
  const code = `${storage(0, "x", "f32", false)}
${storage(1, "am", "u32", true)}
${perElement(`${n}u`, `${windowOf(g, "i")}\n${argmaxOf(g)}\n  am[i] = best;`)}`;
  return dispatch(code, [inp(0), scratch(0)], n);
}

registerGpuKernel("max_pool2d_gather", ({ node, inputs: [x] }) => {
  const n = sizeOf(node.shape);
  if (n === 0) return { passes: [] };
  const g = geo("max_pool2d_gather", node, x);
  const code = `${storage(0, "x", "f32", false)}
${storage(1, "v", "f32", false)}
${storage(2, "y", "f32", true)}
${perElement(`${n}u`, `${windowOf(g, "i")}\n${argmaxOf(g)}\n  y[i] = v[best];`)}`;
  return { passes: [dispatch(code, [inp(0), inp(1), OUT], n)] };
});

registerGpuKernel("max_pool2d_grad", ({ node, inputs: [x] }) => {
  const n = sizeOf(node.shape);
  if (n === 0) return { passes: [] };
  const g = geo("max_pool2d_grad", node, x);
  const windows = g.n * g.c * g.ho * g.wo;
  const code = `${storage(0, "am", "u32", false)}
${storage(1, "dy", "f32", false)}
${storage(2, "y", "f32", true)}
${perElement(`${n}u`, coveringWindows(g, "      if (am[o] == i) { acc = acc + dy[o]; }"))}`;
  return {
    passes: [argmaxPass(g), dispatch(code, [scratch(0), inp(1), OUT], n)],
    scratchBytes: [4 * windows],
  };
});

/** WGSL expression of the avg-pool divisor of window (oh, ow) given its clipped bounds. */
function divisor(g: Pool2dGeometry, countIncludePad: boolean): string {
  return countIncludePad ? `${g.kh * g.kw}.0` : "f32((he - hs) * (we - ws))";
}

registerGpuKernel("avg_pool2d", ({ node, inputs: [x] }) => {
  const n = sizeOf(node.shape);
  if (n === 0) return { passes: [] };
  const a = attrsOf(node, "avg_pool2d");
  const g = geo("avg_pool2d", node, x);
  const code = `${storage(0, "x", "f32", false)}
${storage(1, "y", "f32", true)}
${
    perElement(
      `${n}u`,
      `${windowOf(g, "i")}
  var s = 0.0;
  for (var ih = hs; ih < he; ih = ih + 1u) {
    for (var iw = ws; iw < we; iw = iw + 1u) { s = s + x[plane + ih * ${g.w}u + iw]; }
  }
  y[i] = s / ${divisor(g, a.countIncludePad)};`,
    )
  }`;
  return { passes: [dispatch(code, [inp(0), OUT], n)] };
});

registerGpuKernel("avg_pool2d_grad", ({ node }) => {
  const n = sizeOf(node.shape);
  if (n === 0) return { passes: [] };
  const a = attrsOf(node, "avg_pool2d_grad");
  const g = pool2dGeometry("avg_pool2d_grad", a.inputShape, a);
  const body = `      let hs = u32(max(i32(oh * ${g.sh}u) - ${g.ph}, 0));
      let he = u32(min(i32(oh * ${g.sh}u) - ${g.ph} + ${g.kh}, ${g.h}));
      let ws = u32(max(i32(ow * ${g.sw}u) - ${g.pw}, 0));
      let we = u32(min(i32(ow * ${g.sw}u) - ${g.pw} + ${g.kw}, ${g.w}));
      acc = acc + dy[o] / ${divisor(g, a.countIncludePad)};`;
  const code = `${storage(0, "dy", "f32", false)}
${storage(1, "y", "f32", true)}
${perElement(`${n}u`, coveringWindows(g, body))}`;
  return { passes: [dispatch(code, [inp(0), OUT], n)] };
});
