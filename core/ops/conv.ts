/**
 * 2-D convolution (NCHW; grouped, strided, dilated, asymmetric zero padding)
 * and its two gradients. The gradients are ops of their own so that every
 * backend can map them to its transposed-convolution kernels, and so that
 * gradients of gradients stay inside this small family:
 *
 * - `conv2d(x, w)` → `(conv2d_input_grad(g, w), conv2d_filter_grad(x, g))`
 * - `conv2d_input_grad(dy, w)` → `(conv2d(g, w), conv2d_filter_grad(g, dy))`
 * - `conv2d_filter_grad(x, dy)` → `(conv2d_input_grad(dy, g), conv2d(x, g))`
 *
 * The last two lines follow from the adjoint identity
 * `<g, input_grad(dy, w)> = <conv2d(g, w), dy> = <filter_grad(g, dy), w>`;
 * input positions no window covers (stride leaving trailing rows) get zeros
 * from `conv2d_input_grad`, which is exactly what the identity requires.
 * @module
 */
import type { Attrs, AttrValue, Tensor } from "../graph.ts";
import type { Shape } from "../host_tensor.ts";
import { attrError, defineOp, type TensorInfo } from "../op_def.ts";
import { fmtShape, sameShape } from "../shape.ts";

/** Options of `conv2d` and its gradient builders. */
export interface Conv2dOptions {
  /** Step between windows: one value for both axes or `[h, w]` (default 1). */
  stride?: number | [number, number];
  /** Zero padding: all sides, `[h, w]`, or `[top, left, bottom, right]` (default 0). */
  padding?: number | [number, number] | [number, number, number, number];
  /** Spacing between kernel taps: one value or `[h, w]` (default 1). */
  dilation?: number | [number, number];
  /** Channel groups; input and output channels must both be divisible (default 1). */
  groups?: number;
}

/** Validated conv attributes as stored on graph nodes. */
export interface Conv2dAttrs extends Attrs {
  /** `[sh, sw]`. */
  readonly stride: readonly number[];
  /** `[top, left, bottom, right]` (the ONNX `pads` order). */
  readonly padding: readonly number[];
  /** `[dh, dw]`. */
  readonly dilation: readonly number[];
  /** Number of channel groups. */
  readonly groups: number;
}

/** Attributes of `conv2d_input_grad`: the conv's, plus the shape of its input. */
export interface Conv2dInputGradAttrs extends Conv2dAttrs {
  /** `[N, Cin, H, W]` of the convolution's input (the op's output shape). */
  readonly inputShape: readonly number[];
}

/** Attributes of `conv2d_filter_grad`: the conv's, plus the shape of its filter. */
export interface Conv2dFilterGradAttrs extends Conv2dAttrs {
  /** `[Cout, Cin/groups, kh, kw]` of the convolution's filter (the op's output shape). */
  readonly filterShape: readonly number[];
}

/** Every size a conv kernel needs, derived once from the shapes and attributes. */
export interface Conv2dGeometry {
  /** Batch size. */
  readonly n: number;
  /** Input channels. */
  readonly cin: number;
  /** Input height. */
  readonly h: number;
  /** Input width. */
  readonly w: number;
  /** Output channels. */
  readonly cout: number;
  /** Kernel height. */
  readonly kh: number;
  /** Kernel width. */
  readonly kw: number;
  /** Output height. */
  readonly ho: number;
  /** Output width. */
  readonly wo: number;
  /** Channel groups. */
  readonly groups: number;
  /** Input channels per group. */
  readonly cinG: number;
  /** Output channels per group. */
  readonly coutG: number;
  /** Vertical stride. */
  readonly sh: number;
  /** Horizontal stride. */
  readonly sw: number;
  /** Vertical dilation. */
  readonly dh: number;
  /** Horizontal dilation. */
  readonly dw: number;
  /** Top padding. */
  readonly pt: number;
  /** Left padding. */
  readonly pl: number;
  /** Bottom padding. */
  readonly pb: number;
  /** Right padding. */
  readonly pr: number;
}

function pairAttr(op: string, key: string, v: AttrValue | undefined, min: number): number[] {
  const list = v === undefined || v === null
    ? [1, 1]
    : typeof v === "number"
    ? [v, v]
    : Array.isArray(v)
    ? [...v]
    : null;
  if (!list || list.length !== 2 || !list.every((d) => Number.isInteger(d) && d >= min)) {
    return attrError(
      op,
      `${key} must be an integer >= ${min} or a pair [h, w] of them, got ${JSON.stringify(v)}`,
      `pass e.g. ${key}: 2 or ${key}: [2, 1]`,
    );
  }
  return list;
}

function paddingAttr(op: string, v: AttrValue | undefined): number[] {
  const list = v === undefined || v === null
    ? [0, 0, 0, 0]
    : typeof v === "number"
    ? [v, v, v, v]
    : Array.isArray(v) && v.length === 2
    ? [v[0], v[1], v[0], v[1]]
    : Array.isArray(v)
    ? [...v]
    : null;
  if (!list || list.length !== 4 || !list.every((d) => Number.isInteger(d) && d >= 0)) {
    return attrError(
      op,
      `padding must be an integer >= 0, [h, w] or [top, left, bottom, right], got ${
        JSON.stringify(v)
      }`,
      "pass e.g. padding: 1, [1, 2] or [0, 0, 1, 1]",
    );
  }
  return list;
}

function shapeAttr(op: string, key: string, v: AttrValue | undefined): number[] {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((d) => Number.isInteger(d) && d >= 0)) {
    return attrError(
      op,
      `${key} must be 4 non-negative integers, got ${JSON.stringify(v)}`,
      `pass the ${key} of the forward conv2d`,
    );
  }
  return [...v];
}

function convAttrs(op: string, raw: Record<string, AttrValue>): Conv2dAttrs {
  const groups = raw.groups ?? 1;
  if (typeof groups !== "number" || !Number.isInteger(groups) || groups < 1) {
    return attrError(
      op,
      `groups must be a positive integer, got ${JSON.stringify(groups)}`,
      "pass groups: 1 (dense), C (depthwise) or a common divisor of the channel counts",
    );
  }
  return {
    stride: pairAttr(op, "stride", raw.stride, 1),
    padding: paddingAttr(op, raw.padding),
    dilation: pairAttr(op, "dilation", raw.dilation, 1),
    groups,
  };
}

/**
 * Validate a convolution of input shape `x` with filter shape `w` and return
 * its geometry; throws an `ActlabError` naming `op` on any inconsistency.
 */
export function conv2dGeometry(op: string, x: Shape, w: Shape, a: Conv2dAttrs): Conv2dGeometry {
  if (x.length !== 4) {
    return attrError(
      op,
      `input must be 4-D [N, C, H, W], got shape ${fmtShape(x)}`,
      "reshape the input to NCHW",
    );
  }
  if (w.length !== 4) {
    return attrError(
      op,
      `filter must be 4-D [Cout, Cin/groups, kh, kw], got shape ${fmtShape(w)}`,
      "reshape the filter to [Cout, Cin/groups, kh, kw]",
    );
  }
  const [n, cin, h, wd] = x;
  const [cout, cinG, kh, kw] = w;
  const g = a.groups;
  if (cin % g !== 0 || cout % g !== 0) {
    return attrError(
      op,
      `groups ${g} must divide both the input channels (${cin}) and the output channels (${cout})`,
      "pick groups as a common divisor of the channel counts",
    );
  }
  if (cinG * g !== cin) {
    return attrError(
      op,
      `input ${fmtShape(x)} has ${cin} channels but filter ${
        fmtShape(w)
      } with groups ${g} expects ${cinG * g} (${cinG} per group)`,
      `give the filter shape [Cout, ${cin / g}, kh, kw] or change groups`,
    );
  }
  if (kh < 1 || kw < 1) {
    return attrError(
      op,
      `filter ${fmtShape(w)} has an empty kernel`,
      "use a kernel of at least 1x1",
    );
  }
  const [sh, sw] = a.stride;
  const [dh, dw] = a.dilation;
  const [pt, pl, pb, pr] = a.padding;
  const ekh = dh * (kh - 1) + 1;
  const ekw = dw * (kw - 1) + 1;
  const ph = h + pt + pb;
  const pw = wd + pl + pr;
  if (ekh > ph || ekw > pw) {
    return attrError(
      op,
      `the ${ekh}x${ekw} kernel (size ${kh}x${kw}, dilation [${dh},${dw}]) is larger than the ` +
        `padded ${ph}x${pw} input (input ${fmtShape(x)}, padding [${a.padding}])`,
      "use a smaller kernel or dilation, more padding, or a larger input",
    );
  }
  return {
    n,
    cin,
    h,
    w: wd,
    cout,
    kh,
    kw,
    ho: Math.floor((ph - ekh) / sh) + 1,
    wo: Math.floor((pw - ekw) / sw) + 1,
    groups: g,
    cinG,
    coutG: cout / g,
    sh,
    sw,
    dh,
    dw,
    pt,
    pl,
    pb,
    pr,
  };
}

function checkF32(op: string, ins: readonly TensorInfo[], names: readonly string[]): void {
  ins.forEach((t, i) => {
    if (t.dtype !== "f32") {
      attrError(op, `${names[i]} must be f32, got ${t.dtype}`, `cast ${names[i]} to f32 first`);
    }
  });
}

function checkDy(op: string, dy: Shape, geo: Conv2dGeometry, x: Shape, w: Shape): void {
  const expect = [geo.n, geo.cout, geo.ho, geo.wo];
  if (!sameShape(dy, expect)) {
    attrError(
      op,
      `dy has shape ${fmtShape(dy)} but conv2d of input ${fmtShape(x)} with filter ${
        fmtShape(w)
      } produces ${fmtShape(expect)}`,
      "pass the gradient of that conv2d's output, with the same stride/padding/dilation/groups",
    );
  }
}

/** Builder options from stored attributes (for VJPs). */
function optsOf(a: Conv2dAttrs): Conv2dOptions {
  const p = a.padding;
  return {
    stride: [a.stride[0], a.stride[1]],
    padding: [p[0], p[1], p[2], p[3]],
    dilation: [a.dilation[0], a.dilation[1]],
    groups: a.groups,
  };
}

function rawOf(opts: Conv2dOptions): Record<string, AttrValue> {
  return {
    stride: opts.stride ?? 1,
    padding: opts.padding ?? 0,
    dilation: opts.dilation ?? 1,
    groups: opts.groups ?? 1,
  };
}

defineOp<Conv2dAttrs>({
  name: "conv2d",
  arity: 2,
  attrs: (raw) => convAttrs("conv2d", raw),
  infer: (ins, a) => {
    checkF32("conv2d", ins, ["input", "filter"]);
    const geo = conv2dGeometry("conv2d", ins[0].shape, ins[1].shape, a);
    return { shape: [geo.n, geo.cout, geo.ho, geo.wo], dtype: "f32" };
  },
  vjp: ({ inputs: [x, w], grad, attrs, needs }) => [
    needs[0] ? conv2dInputGrad(grad, w, x.shape, optsOf(attrs)) : null,
    needs[1] ? conv2dFilterGrad(x, grad, w.shape, optsOf(attrs)) : null,
  ],
});

defineOp<Conv2dInputGradAttrs>({
  name: "conv2d_input_grad",
  arity: 2,
  attrs: (raw) => ({
    ...convAttrs("conv2d_input_grad", raw),
    inputShape: shapeAttr("conv2d_input_grad", "inputShape", raw.inputShape),
  }),
  infer: ([dy, w], a) => {
    const op = "conv2d_input_grad";
    checkF32(op, [dy, w], ["dy", "filter"]);
    const geo = conv2dGeometry(op, a.inputShape, w.shape, a);
    checkDy(op, dy.shape, geo, a.inputShape, w.shape);
    return { shape: a.inputShape, dtype: "f32" };
  },
  vjp: ({ inputs: [dy, w], grad, attrs, needs }) => [
    needs[0] ? conv2d(grad, w, optsOf(attrs)) : null,
    needs[1] ? conv2dFilterGrad(grad, dy, w.shape, optsOf(attrs)) : null,
  ],
});

defineOp<Conv2dFilterGradAttrs>({
  name: "conv2d_filter_grad",
  arity: 2,
  attrs: (raw) => ({
    ...convAttrs("conv2d_filter_grad", raw),
    filterShape: shapeAttr("conv2d_filter_grad", "filterShape", raw.filterShape),
  }),
  infer: ([x, dy], a) => {
    const op = "conv2d_filter_grad";
    checkF32(op, [x, dy], ["input", "dy"]);
    const geo = conv2dGeometry(op, x.shape, a.filterShape, a);
    checkDy(op, dy.shape, geo, x.shape, a.filterShape);
    return { shape: a.filterShape, dtype: "f32" };
  },
  vjp: ({ inputs: [x, dy], grad, attrs, needs }) => [
    needs[0] ? conv2dInputGrad(dy, grad, x.shape, optsOf(attrs)) : null,
    needs[1] ? conv2d(x, grad, optsOf(attrs)) : null,
  ],
});

/**
 * 2-D cross-correlation of `x` [N, Cin, H, W] with `w` [Cout, Cin/groups, kh, kw]
 * → [N, Cout, Ho, Wo], `Ho = floor((H + top + bottom − dilation·(kh−1) − 1) / stride) + 1`.
 */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  return x.graph.apply("conv2d", [x, w], rawOf(opts));
}

/**
 * Gradient of `conv2d` with respect to its input: `dy` [N, Cout, Ho, Wo] and
 * the filter `w` → [N, Cin, H, W] = `inputShape` (a transposed convolution).
 */
export function conv2dInputGrad(
  dy: Tensor,
  w: Tensor,
  inputShape: Shape,
  opts: Conv2dOptions = {},
): Tensor {
  return dy.graph.apply("conv2d_input_grad", [dy, w], {
    ...rawOf(opts),
    inputShape: [...inputShape],
  });
}

/**
 * Gradient of `conv2d` with respect to its filter: input `x` and `dy`
 * [N, Cout, Ho, Wo] → `filterShape` [Cout, Cin/groups, kh, kw].
 */
export function conv2dFilterGrad(
  x: Tensor,
  dy: Tensor,
  filterShape: Shape,
  opts: Conv2dOptions = {},
): Tensor {
  return x.graph.apply("conv2d_filter_grad", [x, dy], {
    ...rawOf(opts),
    filterShape: [...filterShape],
  });
}
