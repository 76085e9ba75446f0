/**
 * oneDNN memory descriptors and memory objects. In oneDNN 2.x a
 * `dnnl_memory_desc_t` is a by-value struct the caller allocates: 696 bytes
 * on x86-64 for 2.6 (DNNL_MAX_NDIMS = 12; checked with `sizeof` against
 * /usr/include/oneapi/dnnl/dnnl_types.h of libdnnl-dev 2.6.3). Every
 * descriptor here is f32 (u8 for a comparison's bool result) with explicit strides — plain row-major layouts, or
 * the transposed strides matmul reads — so each primitive works directly on
 * actlab's pooled row-major buffers, with no reorders. A memory object is
 * created without storage; each run points it at the current buffer
 * (`dnnl_memory_set_data_handle`).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";
import type { DnnlContext } from "./engine.ts";
import { outHandle } from "./engine.ts";
import { check } from "./status.ts";

/** `sizeof(dnnl_memory_desc_t)` in oneDNN 2.6 on x86-64. */
export const MEMORY_DESC_BYTES = 696;
/** `DNNL_MAX_NDIMS`. */
export const MAX_NDIMS = 12;
/** `dnnl_data_type_t` of the dtypes used here: f32, and u8 for bool results. */
export const DATA_TYPE = { f32: 3, u8: 6 } as const;

/** A `dnnl_dims_t` (int64[12]) holding `values`. */
export function dims(values: readonly number[]): BigInt64Array {
  if (values.length > MAX_NDIMS) {
    throw new ActlabError(
      `oneDNN tensors have at most ${MAX_NDIMS} axes, got ${values.length}`,
      "reshape to fewer axes or use another backend",
    );
  }
  const out = new BigInt64Array(MAX_NDIMS);
  values.forEach((v, i) => out[i] = BigInt(v));
  return out;
}

/** Row-major strides of `shape`. */
export function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** A memory descriptor of `shape` with `strides` (row-major when omitted); f32 unless `type`. */
export function memoryDesc(
  ctx: DnnlContext,
  shape: readonly number[],
  strides: readonly number[] = rowMajorStrides(shape),
  type: keyof typeof DATA_TYPE = "f32",
): Uint8Array {
  // A rank-0 descriptor is oneDNN's "zero" descriptor (no data): a scalar is [1].
  if (shape.length === 0) return memoryDesc(ctx, [1], [1], type);
  const md = new Uint8Array(MEMORY_DESC_BYTES);
  check(
    ctx.lib.symbols.dnnl_memory_desc_init_by_strides(
      md,
      shape.length,
      dims(shape),
      DATA_TYPE[type],
      dims(strides),
    ),
    "dnnl_memory_desc_init_by_strides",
    `shape [${shape}] strides [${strides}]`,
  );
  return md;
}

/** A memory object of descriptor `md` with no storage yet. */
export function createMemory(ctx: DnnlContext, md: Uint8Array, what: string): Deno.PointerObject {
  const cell = new BigUint64Array(1);
  check(
    ctx.lib.symbols.dnnl_memory_create(cell, md, ctx.engine, null),
    "dnnl_memory_create",
    what,
  );
  return outHandle(cell, "dnnl_memory_create");
}

const FORMAT_TAG_ANY = 1; // dnnl_format_tag_any: the primitive picks the layout

/** A descriptor of `shape` (f32) whose layout the primitive chooses. */
export function anyDesc(ctx: DnnlContext, shape: readonly number[]): Uint8Array {
  const md = new Uint8Array(MEMORY_DESC_BYTES);
  check(
    ctx.lib.symbols.dnnl_memory_desc_init_by_tag(
      md,
      shape.length,
      dims(shape),
      DATA_TYPE.f32,
      FORMAT_TAG_ANY,
    ),
    "dnnl_memory_desc_init_by_tag",
    `shape [${shape}], any layout`,
  );
  return md;
}

/** `dnnl_query_*_md` values (dnnl_types.h, 2.6). */
export const QUERY_MD = {
  src: 129,
  diffSrc: 130,
  weights: 131,
  diffWeights: 132,
  dst: 133,
  diffDst: 134,
  workspace: 135,
} as const;

/** A copy of the descriptor a primitive descriptor chose for `what` (index 0). */
export function queryDesc(
  ctx: DnnlContext,
  pd: Deno.PointerObject,
  what: keyof typeof QUERY_MD,
): Uint8Array {
  const p = ctx.lib.symbols.dnnl_primitive_desc_query_md(pd, QUERY_MD[what], 0);
  if (p === null) {
    throw new ActlabError(
      `oneDNN returned no ${what} memory descriptor`,
      "report this: the primitive should define it",
    );
  }
  return new Uint8Array(new Deno.UnsafePointerView(p).getArrayBuffer(MEMORY_DESC_BYTES).slice(0));
}

/** Whether two descriptors describe the same layout. */
export function sameDesc(ctx: DnnlContext, a: Uint8Array, b: Uint8Array): boolean {
  return ctx.lib.symbols.dnnl_memory_desc_equal(a, b) !== 0;
}

/** Bytes a tensor of descriptor `md` occupies (blocked layouts pad channels). */
export function descBytes(ctx: DnnlContext, md: Uint8Array): number {
  return Number(ctx.lib.symbols.dnnl_memory_desc_get_size(md));
}
