/**
 * `max_pool2d` and `max_pool2d_grad` on oneDNN's pooling (v2) primitives,
 * algorithm `pooling_max`, on the plain NCHW layout. The forward runs in
 * training mode and keeps oneDNN's workspace of argmax positions for the
 * gradient node of the same input and attributes, which runs only the
 * backward primitive from it; a gradient node with no forward node in the
 * graph recomputes the workspace into scratch each run. oneDNN keeps the first maximum of a window
 * in row-major order (a strictly-greater comparison), as the reference does,
 * so ties — the all-zero windows after a ReLU — send the gradient to the
 * same element (tests/onednn_backend_test.ts checks tie-heavy inputs bit for
 * bit). It never selects a NaN, where the reference lets a NaN win: an input
 * holding any NaN runs the bit-exact host kernel instead (one scan over the
 * input). Floor-mode geometry whose last window stops short of the edge is
 * given to oneDNN as negative right padding (accepted, and checked).
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import { attrsOf } from "../../../core/ops/attrs.ts";
import { type Pool2dGeometry, pool2dGeometry } from "../../../core/ops/pool.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import { poolHostKernels } from "../host/pool.ts";
import {
  type OnednnEnv,
  ownBackwardPrimitive,
  ownPrimitive,
  registerOnednnKernel,
} from "../kernel.ts";
import { descBytes, dims, memoryDesc, queryDesc } from "../memory.ts";
import { ARG, opDescBuffer, primitiveDesc, PROP } from "../primitive.ts";
import { check } from "../status.ts";
import { scans } from "../wasm/scan.ts";

const POOLING_MAX = 0x1ff; // dnnl_alg_kind_t dnnl_pooling_max

/**
 * A forward node's workspace (oneDNN's argmax positions), kept for its
 * gradient node: `valid` is false on a run where the forward took the host
 * kernel (a NaN in x), and the gradient then takes it too.
 */
interface PoolWorkspace {
  readonly bytes: Uint8Array;
  valid: boolean;
}

/** The key of a max pooling of node `x` with `attrs`: a forward and its gradient share it. */
function workspaceKey(x: Node, attrs: Record<string, unknown>): string {
  return `max_pool2d ${x.id} ${JSON.stringify(attrs)}`;
}

interface PoolDescs {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly strides: BigInt64Array;
  readonly kernel: BigInt64Array;
  readonly dilation: BigInt64Array;
  readonly padL: BigInt64Array;
  readonly padR: BigInt64Array;
}

/** The descriptors of `g`; right padding makes oneDNN's output size the floor-mode one. */
function descs(env: OnednnEnv, g: Pool2dGeometry): PoolDescs {
  const prH = (g.ho - 1) * g.sh + g.kh - g.h - g.ph;
  const prW = (g.wo - 1) * g.sw + g.kw - g.w - g.pw;
  return {
    src: memoryDesc(env.ctx, [g.n, g.c, g.h, g.w]),
    dst: memoryDesc(env.ctx, [g.n, g.c, g.ho, g.wo]),
    strides: dims([g.sh, g.sw]),
    kernel: dims([g.kh, g.kw]),
    dilation: dims([0, 0]),
    padL: dims([g.ph, g.pw]),
    padR: dims([prH, prW]),
  };
}

function forwardDesc(env: OnednnEnv, d: PoolDescs, prop: number, what: string): Uint8Array {
  const desc = opDescBuffer();
  check(
    env.ctx.lib.symbols.dnnl_pooling_v2_forward_desc_init(
      desc,
      prop,
      POOLING_MAX,
      d.src,
      d.dst,
      d.strides,
      d.kernel,
      d.dilation,
      d.padL,
      d.padR,
    ),
    "dnnl_pooling_v2_forward_desc_init",
    what,
  );
  return desc;
}

function label(op: string, node: Node, g: Pool2dGeometry): string {
  return `${op} node ${node.id}: x [${g.n},${g.c},${g.h},${g.w}], kernel [${g.kh},${g.kw}], ` +
    `stride [${g.sh},${g.sw}], padding [${g.ph},${g.pw}]`;
}

/**
 * The forward-training primitive descriptor of `d` (the backward op's hint)
 * and the descriptor of the argmax workspace it writes; the hint is released
 * if the query fails.
 */
function workspaceDesc(env: OnednnEnv, d: PoolDescs, what: string) {
  const hint = primitiveDesc(env.ctx, forwardDesc(env, d, PROP.forwardTraining, what), what);
  try {
    return { hint, ws: queryDesc(env.ctx, hint, "workspace") };
  } catch (e) {
    env.ctx.lib.symbols.dnnl_primitive_desc_destroy(hint);
    throw e;
  }
}

/** Forward training: output and argmax workspace (arguments: x, y, workspace). */
function forwardPrimitive(env: OnednnEnv, d: PoolDescs, ws: Uint8Array, what: string) {
  return ownPrimitive(env, forwardDesc(env, d, PROP.forwardTraining, what), [
    { arg: ARG.SRC, md: d.src },
    { arg: ARG.DST, md: d.dst },
    { arg: ARG.WORKSPACE, md: ws },
  ], what);
}

registerOnednnKernel("max_pool2d", (env: OnednnEnv, node: Node, inputs: readonly Node[]) => {
  if (node.dtype !== "f32") return null;
  const exact = poolHostKernels.max_pool2d(node, inputs);
  if (exact === null) return null;
  const attrs = attrsOf(node, "max_pool2d");
  const g = pool2dGeometry("max_pool2d", inputs[0].shape, attrs);
  const d = descs(env, g);
  const what = label("max_pool2d", node, g);
  const { hasNaN } = scans(env.wasm);
  // Training mode: the workspace of argmax positions is kept for the gradient node.
  const { hint, ws } = workspaceDesc(env, d, what);
  env.ctx.lib.symbols.dnnl_primitive_desc_destroy(hint);
  const p = forwardPrimitive(env, d, ws, what);
  const kept: PoolWorkspace = { bytes: new Uint8Array(descBytes(env.ctx, ws)), valid: false };
  env.shared.set(workspaceKey(inputs[0], attrs), kept);
  const run: KernelRun = (out, ins) => {
    kept.valid = !hasNaN(ins[0]);
    if (kept.valid) p.run([ins[0], out, kept.bytes]);
    else exact(out, ins);
  };
  return run;
});

registerOnednnKernel("max_pool2d_grad", (env: OnednnEnv, node: Node, inputs: readonly Node[]) => {
  if (node.dtype !== "f32") return null;
  const exact = poolHostKernels.max_pool2d_grad(node, inputs);
  if (exact === null) return null;
  const attrs = attrsOf(node, "max_pool2d_grad");
  const g = pool2dGeometry("max_pool2d_grad", inputs[0].shape, attrs);
  const d = descs(env, g);
  const what = label("max_pool2d_grad", node, g);
  const { ctx } = env;
  const { hint, ws } = workspaceDesc(env, d, what);
  const bwd = ownBackwardPrimitive(
    env,
    hint,
    (desc) => [
      ctx.lib.symbols.dnnl_pooling_v2_backward_desc_init(
        desc,
        POOLING_MAX,
        d.src,
        d.dst,
        d.strides,
        d.kernel,
        d.dilation,
        d.padL,
        d.padR,
      ),
      "dnnl_pooling_v2_backward_desc_init",
    ],
    [
      { arg: ARG.DIFF_DST, md: d.dst },
      { arg: ARG.WORKSPACE, md: ws },
      { arg: ARG.DIFF_SRC, md: d.src },
    ],
    what,
  );
  // The forward node of the same x and attributes ran first and kept its workspace: no
  // recomputation, and its NaN verdict holds for this x.
  const kept = env.shared.get(workspaceKey(inputs[0], attrs)) as PoolWorkspace | undefined;
  if (kept) {
    const run: KernelRun = (out, ins) =>
      kept.valid ? bwd.run([ins[1], kept.bytes, out]) : exact(out, ins);
    return run;
  }
  // Alone (no forward node in the graph): recompute the workspace into scratch each run.
  const fwd = forwardPrimitive(env, d, ws, `${what} (forward)`);
  const { hasNaN } = scans(env.wasm);
  const regions = env.scratch.reserve([descBytes(ctx, d.dst), descBytes(ctx, ws)]);
  const run: KernelRun = (out, ins) => {
    if (hasNaN(ins[0])) return exact(out, ins);
    const [y, w] = regions();
    fwd.run([ins[0], y, w]);
    bwd.run([ins[1], w, out]);
  };
  return run;
});
