/**
 * 2-D pooling on NCHW tensors and the ops their gradients need.
 *
 * Max pooling routes each window's gradient to the window's first maximum
 * (row-major scan; padding counts as −∞). Its gradient op is linear in `dy`
 * and its adjoint is a gather at the same argmax positions, so the family
 * closes under differentiation:
 *
 * - `max_pool2d(x)` → `max_pool2d_grad(x, g)`
 * - `max_pool2d_grad(x, dy)` → (none, `max_pool2d_gather(x, g)`)
 * - `max_pool2d_gather(x, v)` → (none, `max_pool2d_grad(x, g)`)
 *
 * `x` only selects positions (piecewise constant), so it gets no gradient
 * from the last two. Average pooling is linear: `avg_pool2d` and
 * `avg_pool2d_grad` are each other's adjoints.
 * @module
 */
import type { Attrs, AttrValue, Tensor } from "../graph.ts";
import type { Shape } from "../host_tensor.ts";
import { attrError, defineOp, type TensorInfo } from "../op_def.ts";
import { fmtShape, sameShape } from "../shape.ts";

/** Options of the pooling builders. */
export interface Pool2dOptions {
  /** Window size: one value or `[h, w]`. */
  kernel: number | [number, number];
  /** Step between windows: one value or `[h, w]` (defaults to the kernel). */
  stride?: number | [number, number];
  /** Symmetric padding: one value or `[h, w]`, at most half the kernel (default 0). */
  padding?: number | [number, number];
}

/** Options of `avgPool2d`. */
export type AvgPool2dOptions = Pool2dOptions & {
  /** Divide by the full window size, padding included (default false: valid elements only). */
  countIncludePad?: boolean;
};

/** Validated pooling attributes as stored on graph nodes. */
export interface Pool2dAttrs extends Attrs {
  /** `[kh, kw]`. */
  readonly kernel: readonly number[];
  /** `[sh, sw]`. */
  readonly stride: readonly number[];
  /** `[ph, pw]`, applied on both sides of each axis. */
  readonly padding: readonly number[];
}

/** Attributes of `avg_pool2d`. */
export interface AvgPool2dAttrs extends Pool2dAttrs {
  /** Whether padded positions count in the divisor. */
  readonly countIncludePad: boolean;
}

/** Attributes of `avg_pool2d_grad`. */
export interface AvgPool2dGradAttrs extends AvgPool2dAttrs {
  /** `[N, C, H, W]` of the pooled input (the op's output shape). */
  readonly inputShape: readonly number[];
}

/** Sizes a pooling kernel needs. */
export interface Pool2dGeometry {
  /** Batch size. */
  readonly n: number;
  /** Channels. */
  readonly c: number;
  /** Input height. */
  readonly h: number;
  /** Input width. */
  readonly w: number;
  /** Output height. */
  readonly ho: number;
  /** Output width. */
  readonly wo: number;
  /** Kernel height. */
  readonly kh: number;
  /** Kernel width. */
  readonly kw: number;
  /** Vertical stride. */
  readonly sh: number;
  /** Horizontal stride. */
  readonly sw: number;
  /** Vertical padding (each side). */
  readonly ph: number;
  /** Horizontal padding (each side). */
  readonly pw: number;
}

function pairAttr(
  op: string,
  key: string,
  v: AttrValue | undefined,
  min: number,
): number[] {
  const list = typeof v === "number" ? [v, v] : Array.isArray(v) ? [...v] : null;
  if (!list || list.length !== 2 || !list.every((d) => Number.isInteger(d) && d >= min)) {
    return attrError(
      op,
      `${key} must be an integer >= ${min} or a pair [h, w] of them, got ${JSON.stringify(v)}`,
      `pass e.g. ${key}: 2 or ${key}: [2, ${Math.max(min, 1)}]`,
    );
  }
  return list;
}

function poolAttrs(op: string, raw: Record<string, AttrValue>): Pool2dAttrs {
  if (raw.kernel === undefined || raw.kernel === null) {
    return attrError(op, "needs a kernel size", "pass kernel: 2 or kernel: [kh, kw]");
  }
  const kernel = pairAttr(op, "kernel", raw.kernel, 1);
  const stride = raw.stride === undefined || raw.stride === null
    ? kernel
    : pairAttr(op, "stride", raw.stride, 1);
  const padding = raw.padding === undefined || raw.padding === null
    ? [0, 0]
    : pairAttr(op, "padding", raw.padding, 0);
  // A window lying entirely in the padding would have no valid element.
  if (2 * padding[0] > kernel[0] || 2 * padding[1] > kernel[1]) {
    return attrError(
      op,
      `padding [${padding}] exceeds half the kernel [${kernel}]`,
      "use padding <= floor(kernel / 2) on each axis",
    );
  }
  return { kernel, stride, padding };
}

function avgAttrs(op: string, raw: Record<string, AttrValue>): AvgPool2dAttrs {
  const c = raw.countIncludePad ?? false;
  if (typeof c !== "boolean") {
    return attrError(
      op,
      `countIncludePad must be a boolean, got ${JSON.stringify(c)}`,
      "pass countIncludePad: true or false",
    );
  }
  return { ...poolAttrs(op, raw), countIncludePad: c };
}

/** Validate pooling of input shape `x`; throws an `ActlabError` naming `op`. */
export function pool2dGeometry(op: string, x: Shape, a: Pool2dAttrs): Pool2dGeometry {
  if (x.length !== 4) {
    return attrError(
      op,
      `input must be 4-D [N, C, H, W], got shape ${fmtShape(x)}`,
      "reshape the input to NCHW",
    );
  }
  const [n, c, h, w] = x;
  if (h < 1 || w < 1) {
    return attrError(op, `input ${fmtShape(x)} has no pixels`, "pool a non-empty image");
  }
  const [kh, kw] = a.kernel;
  const [ph, pw] = a.padding;
  if (kh > h + 2 * ph || kw > w + 2 * pw) {
    return attrError(
      op,
      `the ${kh}x${kw} window is larger than the padded ${h + 2 * ph}x${w + 2 * pw} input ` +
        `(input ${fmtShape(x)}, padding [${a.padding}])`,
      "use a smaller kernel, more padding, or a larger input",
    );
  }
  const [sh, sw] = a.stride;
  return {
    n,
    c,
    h,
    w,
    ho: Math.floor((h + 2 * ph - kh) / sh) + 1,
    wo: Math.floor((w + 2 * pw - kw) / sw) + 1,
    kh,
    kw,
    sh,
    sw,
    ph,
    pw,
  };
}

function pooledShape(g: Pool2dGeometry): number[] {
  return [g.n, g.c, g.ho, g.wo];
}

function checkF32(op: string, ins: readonly TensorInfo[], names: readonly string[]): void {
  ins.forEach((t, i) => {
    if (t.dtype !== "f32") {
      attrError(op, `${names[i]} must be f32, got ${t.dtype}`, `cast ${names[i]} to f32 first`);
    }
  });
}

function checkShape(op: string, name: string, got: Shape, want: Shape, why: string): void {
  if (!sameShape(got, want)) {
    attrError(
      op,
      `${name} has shape ${fmtShape(got)} but must be ${fmtShape(want)} (${why})`,
      `pass a ${name} of shape ${fmtShape(want)}`,
    );
  }
}

function optsOf(a: Pool2dAttrs): Pool2dOptions {
  return {
    kernel: [a.kernel[0], a.kernel[1]],
    stride: [a.stride[0], a.stride[1]],
    padding: [a.padding[0], a.padding[1]],
  };
}

function rawOf(opts: Pool2dOptions): Record<string, AttrValue> {
  return { kernel: opts.kernel, stride: opts.stride ?? null, padding: opts.padding ?? 0 };
}

defineOp<Pool2dAttrs>({
  name: "max_pool2d",
  arity: 1,
  attrs: (raw) => poolAttrs("max_pool2d", raw),
  infer: ([x], a) => {
    checkF32("max_pool2d", [x], ["input"]);
    return { shape: pooledShape(pool2dGeometry("max_pool2d", x.shape, a)), dtype: "f32" };
  },
  vjp: ({ inputs: [x], grad, attrs }) => [maxPool2dGrad(x, grad, optsOf(attrs))],
});

defineOp<Pool2dAttrs>({
  name: "max_pool2d_grad",
  arity: 2,
  attrs: (raw) => poolAttrs("max_pool2d_grad", raw),
  infer: ([x, dy], a) => {
    const op = "max_pool2d_grad";
    checkF32(op, [x, dy], ["input", "dy"]);
    const want = pooledShape(pool2dGeometry(op, x.shape, a));
    checkShape(op, "dy", dy.shape, want, `the pooled shape of input ${fmtShape(x.shape)}`);
    return { shape: x.shape, dtype: "f32" };
  },
  vjp: ({ inputs: [x], grad, attrs, needs }) => [
    null,
    needs[1] ? maxPool2dGather(x, grad, optsOf(attrs)) : null,
  ],
});

defineOp<Pool2dAttrs>({
  name: "max_pool2d_gather",
  arity: 2,
  attrs: (raw) => poolAttrs("max_pool2d_gather", raw),
  infer: ([x, v], a) => {
    const op = "max_pool2d_gather";
    checkF32(op, [x, v], ["input", "values"]);
    const g = pool2dGeometry(op, x.shape, a);
    checkShape(op, "values", v.shape, x.shape, "the input's shape");
    return { shape: pooledShape(g), dtype: "f32" };
  },
  vjp: ({ inputs: [x], grad, attrs, needs }) => [
    null,
    needs[1] ? maxPool2dGrad(x, grad, optsOf(attrs)) : null,
  ],
});

defineOp<AvgPool2dAttrs>({
  name: "avg_pool2d",
  arity: 1,
  attrs: (raw) => avgAttrs("avg_pool2d", raw),
  infer: ([x], a) => {
    checkF32("avg_pool2d", [x], ["input"]);
    return { shape: pooledShape(pool2dGeometry("avg_pool2d", x.shape, a)), dtype: "f32" };
  },
  vjp: ({ inputs: [x], grad, attrs }) => [
    avgPool2dGrad(grad, x.shape, { ...optsOf(attrs), countIncludePad: attrs.countIncludePad }),
  ],
});

defineOp<AvgPool2dGradAttrs>({
  name: "avg_pool2d_grad",
  arity: 1,
  attrs: (raw) => {
    const op = "avg_pool2d_grad";
    const s = raw.inputShape;
    if (!Array.isArray(s) || s.length !== 4 || !s.every((d) => Number.isInteger(d) && d >= 0)) {
      return attrError(
        op,
        `inputShape must be 4 non-negative integers, got ${JSON.stringify(s)}`,
        "pass the input shape of the forward avg_pool2d",
      );
    }
    return { ...avgAttrs(op, raw), inputShape: [...s] };
  },
  infer: ([dy], a) => {
    const op = "avg_pool2d_grad";
    checkF32(op, [dy], ["dy"]);
    const want = pooledShape(pool2dGeometry(op, a.inputShape, a));
    checkShape(op, "dy", dy.shape, want, `the pooled shape of input ${fmtShape(a.inputShape)}`);
    return { shape: a.inputShape, dtype: "f32" };
  },
  vjp: ({ grad, attrs }) => [
    avgPool2d(grad, { ...optsOf(attrs), countIncludePad: attrs.countIncludePad }),
  ],
});

/** Max over each window of `x` [N, C, H, W] (padding counts as −∞). */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  return x.graph.apply("max_pool2d", [x], rawOf(opts));
}

/** Gradient of `maxPool2d`: `dy` (pooled shape) routed to each window's first max in `x`. */
export function maxPool2dGrad(x: Tensor, dy: Tensor, opts: Pool2dOptions): Tensor {
  return x.graph.apply("max_pool2d_grad", [x, dy], rawOf(opts));
}

/** `v` (shape of `x`) read at each window's first max of `x`: the adjoint of `maxPool2dGrad`. */
export function maxPool2dGather(x: Tensor, v: Tensor, opts: Pool2dOptions): Tensor {
  return x.graph.apply("max_pool2d_gather", [x, v], rawOf(opts));
}

/** Mean over each window of `x` [N, C, H, W]; padding counted only if `countIncludePad`. */
export function avgPool2d(x: Tensor, opts: AvgPool2dOptions): Tensor {
  return x.graph.apply("avg_pool2d", [x], {
    ...rawOf(opts),
    countIncludePad: opts.countIncludePad ?? false,
  });
}

/** Gradient of `avgPool2d`: spreads `dy` back over each window of an `inputShape` input. */
export function avgPool2dGrad(dy: Tensor, inputShape: Shape, opts: AvgPool2dOptions): Tensor {
  return dy.graph.apply("avg_pool2d_grad", [dy], {
    ...rawOf(opts),
    countIncludePad: opts.countIncludePad ?? false,
    inputShape: [...inputShape],
  });
}
