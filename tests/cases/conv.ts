/**
 * Gradient-check cases for conv2d and its two gradient ops: strides 1/2,
 * symmetric and asymmetric padding, dilation, groups, depthwise, and odd
 * sizes where the stride leaves trailing rows/columns uncovered (the input
 * gradient must be exactly zero there).
 */
import * as o from "../../core/ops.ts";
import type { GradCase } from "../gradcheck.ts";

interface ConvSpec {
  name: string;
  x: number[];
  w: number[];
  opts: o.Conv2dOptions;
}

const specs: ConvSpec[] = [
  { name: "stride 1, no padding", x: [1, 2, 5, 5], w: [3, 2, 3, 3], opts: {} },
  {
    name: "stride 2, padding 1, batch 2",
    x: [2, 2, 5, 5],
    w: [2, 2, 3, 3],
    opts: { stride: 2, padding: 1 },
  },
  {
    name: "asymmetric padding [0,1,2,0], 2x3 kernel",
    x: [1, 1, 4, 5],
    w: [2, 1, 2, 3],
    opts: { padding: [0, 1, 2, 0] },
  },
  {
    name: "dilation 2, padding 1",
    x: [1, 2, 6, 6],
    w: [2, 2, 2, 2],
    opts: { dilation: 2, padding: 1 },
  },
  {
    name: "groups 2, padding 1",
    x: [1, 4, 4, 4],
    w: [4, 2, 3, 3],
    opts: { groups: 2, padding: 1 },
  },
  {
    name: "depthwise, stride 2 (last row/col uncovered)",
    x: [1, 3, 6, 6],
    w: [3, 1, 3, 3],
    opts: { groups: 3, stride: 2 },
  },
  {
    name: "stride [3,2] on 7x6 (rows 5-6, col 5 uncovered)",
    x: [1, 2, 7, 6],
    w: [2, 2, 2, 3],
    opts: { stride: [3, 2] },
  },
];

/** Output shape of a conv, for sizing dy inputs of the gradient ops. */
function outShape(x: number[], w: number[], opts: o.Conv2dOptions): number[] {
  const s = typeof opts.stride === "number" ? [opts.stride, opts.stride] : opts.stride ?? [1, 1];
  const d = typeof opts.dilation === "number"
    ? [opts.dilation, opts.dilation]
    : opts.dilation ?? [1, 1];
  const p = opts.padding ?? 0;
  const [pt, pl, pb, pr] = typeof p === "number"
    ? [p, p, p, p]
    : p.length === 2
    ? [p[0], p[1], p[0], p[1]]
    : p;
  return [
    x[0],
    w[0],
    Math.floor((x[2] + pt + pb - d[0] * (w[2] - 1) - 1) / s[0]) + 1,
    Math.floor((x[3] + pl + pr - d[1] * (w[3] - 1) - 1) / s[1]) + 1,
  ];
}

// Every geometry is also checked on the two gradient ops: their VJPs use the same attributes.
const gradSpecs = specs;

export const cases: GradCase[] = [
  ...specs.map((s): GradCase => ({
    op: "conv2d",
    name: `${s.name}: x ${JSON.stringify(s.x)} w ${JSON.stringify(s.w)}`,
    inputs: [{ shape: s.x }, { shape: s.w }],
    build: (x, w) => o.conv2d(x, w, s.opts),
  })),
  ...gradSpecs.map((s): GradCase => ({
    op: "conv2d_input_grad",
    name: `${s.name}: input ${JSON.stringify(s.x)} w ${JSON.stringify(s.w)}`,
    inputs: [{ shape: outShape(s.x, s.w, s.opts) }, { shape: s.w }],
    build: (dy, w) => o.conv2dInputGrad(dy, w, s.x, s.opts),
  })),
  ...gradSpecs.map((s): GradCase => ({
    op: "conv2d_filter_grad",
    name: `${s.name}: x ${JSON.stringify(s.x)} filter ${JSON.stringify(s.w)}`,
    inputs: [{ shape: s.x }, { shape: outShape(s.x, s.w, s.opts) }],
    build: (x, dy) => o.conv2dFilterGrad(x, dy, s.w, s.opts),
  })),
];
