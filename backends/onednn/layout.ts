/**
 * A oneDNN primitive run in the layouts it chooses, on actlab's plain
 * row-major buffers. The primitive is created with `any` layouts
 * (`anyDesc`); each argument whose chosen layout differs from actlab's
 * plain one gets a region of the executable's scratch arena and a reorder
 * primitive — plain → chosen before the primitive for an input, chosen →
 * plain after it for an output — the way PyTorch's CPU convolutions call
 * oneDNN (ideep reorders NCHW tensors to `nChw16c` and back around each
 * convolution). A reorder only moves bytes, so results are those of the
 * primitive on the chosen layout.
 * @module
 */
import type { TensorData } from "../../core/host_tensor.ts";
import { type OnednnEnv, ownPrimitive } from "./kernel.ts";
import { descBytes, type QUERY_MD, queryDesc, sameDesc } from "./memory.ts";
import { ARG, type DnnlPrimitive, primitiveDesc, reorderDesc } from "./primitive.ts";

/** One argument: its `DNNL_ARG_*`, actlab's plain descriptor, and which descriptor to query. */
export interface LayoutArg {
  /** `DNNL_ARG_*`. */
  readonly arg: number;
  /** The plain row-major descriptor of actlab's buffer. */
  readonly plain: Uint8Array;
  /** The primitive descriptor query giving the chosen layout. */
  readonly query: keyof typeof QUERY_MD;
  /** Whether the primitive writes it (reordered back to plain after the run). */
  readonly output?: boolean;
}

/** A reorder between one argument's plain buffer and its scratch region. */
interface Reorder {
  readonly prim: DnnlPrimitive;
  /** Index of the argument (into `run`'s buffers) and of its scratch region. */
  readonly arg: number;
  readonly region: number;
}

/**
 * Create the primitive of `opDesc` (with `hint` for a backward op) in its
 * chosen layouts, plus the reorders and scratch it needs; returns the run
 * function taking actlab's plain buffers, one per arg in `args`' order.
 */
export function layoutPrimitive(
  env: OnednnEnv,
  opDesc: Uint8Array,
  args: readonly LayoutArg[],
  what: string,
  hint: Deno.PointerObject | null = null,
): (data: readonly TensorData[]) => void {
  const { ctx } = env;
  const pd = primitiveDesc(ctx, opDesc, what, hint);
  let chosen: Uint8Array[];
  try {
    chosen = args.map((a) => queryDesc(ctx, pd, a.query));
  } catch (e) {
    ctx.lib.symbols.dnnl_primitive_desc_destroy(pd);
    if (hint) ctx.lib.symbols.dnnl_primitive_desc_destroy(hint);
    throw e;
  }
  const prim = ownPrimitive(
    env,
    { pd },
    args.map((a, i) => ({ arg: a.arg, md: chosen[i] })),
    what,
    hint,
  );
  const before: Reorder[] = [];
  const after: Reorder[] = [];
  const sizes: number[] = [];
  // Which scratch region each argument uses (-1: its own plain buffer).
  const regionOf = args.map((a, i) => {
    if (sameDesc(ctx, chosen[i], a.plain)) return -1;
    const region = sizes.length;
    sizes.push(descBytes(ctx, chosen[i]));
    const [src, dst] = a.output ? [chosen[i], a.plain] : [a.plain, chosen[i]];
    const label = `${what}: reorder arg ${a.arg} ${a.output ? "to plain" : "from plain"}`;
    const r = ownPrimitive(env, { pd: reorderDesc(ctx, src, dst, label) }, [
      { arg: ARG.SRC, md: src },
      { arg: ARG.DST, md: dst },
    ], label);
    (a.output ? after : before).push({ prim: r, arg: i, region });
    return region;
  });
  const regions = env.scratch.reserve(sizes);
  return (data) => {
    const scratch = regions();
    for (const r of before) r.prim.run([data[r.arg], scratch[r.region]]);
    prim.run(args.map((_, i) => regionOf[i] < 0 ? data[i] : scratch[regionOf[i]]));
    for (const r of after) r.prim.run([scratch[r.region], data[r.arg]]);
  };
}
