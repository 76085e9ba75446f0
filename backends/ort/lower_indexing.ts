/**
 * Lowering of indexing ops: slice → Slice; slice_grad → Pad (strided axes
 * first interleave zeros by a Reshape/Pad/Reshape round); concat → Concat;
 * pad → Pad; gather → Gather; scatter_add → ScatterND or ScatterElements with
 * reduction "add" into zeros; one_hot → Equal against a Range constant (ONNX
 * OneHot wraps negative indices, the catalogue gives them a zero row).
 * @module
 */
import type { DType } from "../../core/host_tensor.ts";
import { sizeOf } from "../../core/host_tensor.ts";
import { attrsOf } from "../../core/ops/attrs.ts";
import { int, str } from "./attrs.ts";
import type { OnnxBuilder } from "./onnx_builder.ts";
import { DataType } from "./onnx_proto.ts";
import { registerLowering } from "./lowering.ts";

registerLowering("slice", ({ b, node, x, ins }) => {
  const { starts, ends, steps } = attrsOf(node, "slice");
  const axes = ins[0].shape.map((_, i) => i).filter((ax) =>
    !(starts[ax] === 0 && ends[ax] === ins[0].shape[ax] && steps[ax] === 1)
  );
  if (axes.length === 0) return x[0];
  return b.op("Slice", [
    x[0],
    b.i64(axes.map((a) => starts[a])),
    b.i64(axes.map((a) => ends[a])),
    b.i64(axes),
    b.i64(axes.map((a) => steps[a])),
  ]);
});

/** Constant Pad with explicit per-axis before/after amounts (all non-negative). */
function padConst(
  b: OnnxBuilder,
  x: string,
  before: readonly number[],
  after: readonly number[],
  value: number,
  dtype: DType,
): string {
  if (before.every((p) => p === 0) && after.every((p) => p === 0)) return x;
  return b.op("Pad", [x, b.i64([...before, ...after]), b.scalar(value, dtype)], {
    mode: str("constant"),
  });
}

registerLowering("slice_grad", ({ b, node, x, ins }) => {
  const { shape, starts, steps } = attrsOf(node, "slice_grad");
  const dtype = node.dtype;
  let v = x[0];
  const cur = [...ins[0].shape];
  if (sizeOf(cur) === 0) {
    return b.fill(shape, 0, dtype);
  }
  for (let ax = 0; ax < cur.length; ax++) {
    const s = steps[ax];
    if (s === 1 || cur[ax] <= 1) continue;
    // [.., n, ..] → [.., n, 1, ..] → pad to [.., n, s, ..] → [.., n·s, ..]: element i lands at i·s.
    const n = cur[ax];
    const widened = [...cur.slice(0, ax + 1), 1, ...cur.slice(ax + 1)];
    v = b.reshape(v, widened);
    const before = widened.map(() => 0);
    const after = widened.map((_, i) => (i === ax + 1 ? s - 1 : 0));
    v = padConst(b, v, before, after, 0, dtype);
    cur[ax] = n * s;
    v = b.reshape(v, cur);
    // Trailing zeros beyond the target axis are cut before the final Pad.
    const keep = Math.min(cur[ax], shape[ax] - starts[ax]);
    if (keep < cur[ax]) {
      v = b.op("Slice", [v, b.i64([0]), b.i64([keep]), b.i64([ax])]);
      cur[ax] = keep;
    }
  }
  return padConst(b, v, starts, shape.map((d, ax) => d - starts[ax] - cur[ax]), 0, dtype);
});

registerLowering(
  "concat",
  ({ b, node, x }) => b.op("Concat", x, { axis: int(attrsOf(node, "concat").axis) }),
);

registerLowering("pad", ({ b, node, x }) => {
  const { before, after, value } = attrsOf(node, "pad");
  return padConst(b, x[0], before, after, value, node.dtype);
});

registerLowering(
  "gather",
  ({ b, node, x }) => b.op("Gather", x, { axis: int(attrsOf(node, "gather").axis) }),
);

registerLowering("scatter_add", ({ b, node, x, ins }) => {
  const { axis, size } = attrsOf(node, "scatter_add");
  const [upd, idx] = ins;
  const p = sizeOf(upd.shape.slice(0, axis));
  const j = sizeOf(idx.shape);
  const s = sizeOf(upd.shape.slice(axis + idx.shape.length));
  const zeros = b.fill(p === 1 ? [size, s] : [p, size, s], 0, node.dtype);
  let out: string;
  if (p === 1) {
    // Rows of a [size, s] table: ScatterND adds whole rows, no index expansion needed.
    const rows = b.op("Cast", [b.reshape(x[1], [j, 1])], { to: int(DataType.INT64) });
    out = b.op("ScatterND", [zeros, rows, b.reshape(x[0], [j, s])], { reduction: str("add") });
  } else {
    const full = b.op("Expand", [b.reshape(x[1], [1, j, 1]), b.i64([p, j, s])]);
    out = b.op("ScatterElements", [zeros, full, b.reshape(x[0], [p, j, s])], {
      axis: int(1),
      reduction: str("add"),
    });
  }
  return b.reshape(out, node.shape);
});

registerLowering("one_hot", ({ b, node, x, ins }) => {
  const depth = attrsOf(node, "one_hot").depth;
  const classes = b.initializer(
    DataType.INT32,
    [depth],
    Array.from({ length: depth }, (_, i) => i),
  );
  const idx = b.reshape(x[0], [...ins[0].shape, 1]);
  return b.op("Cast", [b.op("Equal", [idx, classes])], { to: int(DataType.FLOAT) });
});
