/**
 * Conv, pooling and normalisation ops: forward values of the reference
 * kernels against naive loops and hand-computed numbers, and bad attributes
 * or shapes raising ActlabError with a message that names the op and value.
 */
import assert from "node:assert/strict";
import { ActlabError } from "../core/errors.ts";
import { type HostTensor, hostTensor, sizeOf } from "../core/host_tensor.ts";
import {
  avgPool2d,
  avgPool2dGrad,
  conv2d,
  conv2dFilterGrad,
  conv2dInputGrad,
  type Conv2dOptions,
  Graph,
  layerNorm,
  logSoftmax,
  maxPool2d,
  maxPool2dGather,
  maxPool2dGrad,
  softmax,
  type Tensor,
} from "../core/ops.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { lcg } from "./gradcheck.ts";

/** Assert that `f` throws an ActlabError whose message contains every fragment. */
function throwsWith(f: () => unknown, ...fragments: string[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ActlabError, `expected ActlabError, got ${e}`);
    for (const s of fragments) {
      assert.ok(e.message.includes(s), `message lacks "${s}":\n${e.message}`);
    }
    return true;
  });
}

/** Build `f` over feeds of the given shapes and run it on the reference backend. */
async function run(
  shapes: number[][],
  values: ArrayLike<number>[],
  f: (...xs: Tensor[]) => Tensor,
  precision: "f32" | "f64" = "f64",
): Promise<HostTensor> {
  const g = new Graph();
  const xs = shapes.map((s, i) => g.input(`x${i}`, s));
  g.output("y", f(...xs));
  const exe = await referenceBackend.compile(g, { precision });
  const feeds: Record<string, HostTensor> = {};
  shapes.forEach((s, i) => (feeds[`x${i}`] = hostTensor("f32", s, Float64Array.from(values[i]))));
  return (await exe.run(feeds)).y;
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    assert.ok(
      err <= tol * (1 + Math.abs(want[i])),
      `${what}: [${i}] got ${got[i]}, want ${want[i]}`,
    );
  }
}

// ---- naive convolution -------------------------------------------------------------------

interface Conv {
  x: number[];
  w: number[];
  stride: [number, number];
  pad: [number, number, number, number];
  dil: [number, number];
  groups: number;
}

function outDims(c: Conv): [number, number] {
  const [sh, sw] = c.stride, [dh, dw] = c.dil, [pt, pl, pb, pr] = c.pad;
  return [
    Math.floor((c.x[2] + pt + pb - dh * (c.w[2] - 1) - 1) / sh) + 1,
    Math.floor((c.x[3] + pl + pr - dw * (c.w[3] - 1) - 1) / sw) + 1,
  ];
}

/**
 * Visit every (output, input, filter) index triple of a direct convolution;
 * forward, input gradient and filter gradient are all sums over these.
 */
function forEachTap(c: Conv, f: (yi: number, xi: number, wi: number) => void): void {
  const [N, Cin, H, W] = c.x, [Cout, cinG, KH, KW] = c.w;
  const [Ho, Wo] = outDims(c);
  const coutG = Cout / c.groups;
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < Cout; co++) {
      const grp = Math.floor(co / coutG);
      for (let oh = 0; oh < Ho; oh++) {
        for (let ow = 0; ow < Wo; ow++) {
          const yi = ((n * Cout + co) * Ho + oh) * Wo + ow;
          for (let ci = 0; ci < cinG; ci++) {
            for (let i = 0; i < KH; i++) {
              const ih = oh * c.stride[0] - c.pad[0] + i * c.dil[0];
              if (ih < 0 || ih >= H) continue;
              for (let j = 0; j < KW; j++) {
                const iw = ow * c.stride[1] - c.pad[1] + j * c.dil[1];
                if (iw < 0 || iw >= W) continue;
                const xi = ((n * Cin + grp * cinG + ci) * H + ih) * W + iw;
                f(yi, xi, ((co * cinG + ci) * KH + i) * KW + j);
              }
            }
          }
        }
      }
    }
  }
}

function randomConv(rand: () => number): Conv {
  const ri = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const groups = ri(1, 3);
  const kh = ri(1, 4), kw = ri(1, 4);
  const dil: [number, number] = [ri(1, 2), ri(1, 2)];
  const pad: [number, number, number, number] = [ri(0, 2), ri(0, 2), ri(0, 2), ri(0, 2)];
  const ekh = dil[0] * (kh - 1) + 1, ekw = dil[1] * (kw - 1) + 1;
  const h = Math.max(1, ekh - pad[0] - pad[2]) + ri(0, 5);
  const w = Math.max(1, ekw - pad[1] - pad[3]) + ri(0, 5);
  return {
    x: [ri(1, 2), groups * ri(1, 3), h, w],
    w: [groups * ri(1, 3), 0, kh, kw],
    stride: [ri(1, 3), ri(1, 3)],
    pad,
    dil,
    groups,
  };
}

function optsOf(c: Conv): Conv2dOptions {
  return { stride: c.stride, padding: c.pad, dilation: c.dil, groups: c.groups };
}

Deno.test("conv2d and its gradients match direct loops on random geometries", async () => {
  const rand = lcg(7);
  const randn = (n: number) => Array.from({ length: n }, () => rand() * 2 - 1);
  const seen = { groups: 0, dilation: 0, stride: 0, asymmetric: 0 };
  for (let t = 0; t < 16; t++) {
    const c = randomConv(rand);
    if (c.groups > 1) seen.groups++;
    if (c.dil[0] > 1 || c.dil[1] > 1) seen.dilation++;
    if (c.stride[0] > 1 || c.stride[1] > 1) seen.stride++;
    if (c.pad[0] !== c.pad[2] || c.pad[1] !== c.pad[3]) seen.asymmetric++;
    c.w[1] = c.x[1] / c.groups;
    const [ho, wo] = outDims(c);
    const yShape = [c.x[0], c.w[0], ho, wo];
    const x = randn(sizeOf(c.x)), w = randn(sizeOf(c.w)), dy = randn(sizeOf(yShape));
    const y = new Float64Array(sizeOf(yShape));
    const dx = new Float64Array(x.length), dw = new Float64Array(w.length);
    forEachTap(c, (yi, xi, wi) => {
      y[yi] += x[xi] * w[wi];
      dx[xi] += dy[yi] * w[wi];
      dw[wi] += dy[yi] * x[xi];
    });
    const what = `case ${t} ${JSON.stringify(c)}`;
    for (const precision of ["f64", "f32"] as const) {
      const tol = precision === "f64" ? 1e-12 : 1e-5;
      const opts = optsOf(c);
      const got = await run([c.x, c.w], [x, w], (a, b) => conv2d(a, b, opts), precision);
      assert.deepEqual(got.shape, yShape, what);
      close(got.data, y, tol, `conv2d ${precision} ${what}`);
      const gx = await run(
        [yShape, c.w],
        [dy, w],
        (a, b) => conv2dInputGrad(a, b, c.x, opts),
        precision,
      );
      close(gx.data, dx, tol, `conv2d_input_grad ${precision} ${what}`);
      const gw = await run(
        [c.x, yShape],
        [x, dy],
        (a, b) => conv2dFilterGrad(a, b, c.w, opts),
        precision,
      );
      close(gw.data, dw, tol, `conv2d_filter_grad ${precision} ${what}`);
    }
  }
  assert.ok(Object.values(seen).every((n) => n > 0), `geometries drawn: ${JSON.stringify(seen)}`);
});

Deno.test("conv2d hand-computed values", async () => {
  // y[i,j] = x[i,j] − x[i+1,j+1] on a 3x3 ramp: every output is 1 − 5 = −4.
  const ramp = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const y = await run([[1, 1, 3, 3], [1, 1, 2, 2]], [ramp, [1, 0, 0, -1]], (x, w) => conv2d(x, w));
  assert.deepEqual([...y.data], [-4, -4, -4, -4]);
  // 1x1 filter of ones with padding 1 and stride 2: the padded corners are zero.
  const p = await run(
    [[1, 1, 3, 3], [1, 1, 1, 1]],
    [ramp, [1]],
    (x, w) => conv2d(x, w, { padding: 1, stride: 2 }),
  );
  assert.deepEqual(p.shape, [1, 1, 3, 3]);
  assert.deepEqual([...p.data], [0, 0, 0, 0, 5, 0, 0, 0, 0]);
  // Asymmetric padding [top 1, left 0, bottom 0, right 1] with a 2x2 sum filter.
  const a = await run(
    [[1, 1, 2, 2], [1, 1, 2, 2]],
    [[1, 2, 3, 4], [1, 1, 1, 1]],
    (x, w) => conv2d(x, w, { padding: [1, 0, 0, 1] }),
  );
  assert.deepEqual([...a.data], [3, 2, 10, 6]);
  // Depthwise: each channel keeps its own filter.
  const d = await run(
    [[1, 2, 1, 2], [2, 1, 1, 2]],
    [[1, 2, 3, 4], [1, 1, 10, -1]],
    (x, w) => conv2d(x, w, { groups: 2 }),
  );
  assert.deepEqual([...d.data], [3, 26]);
});

Deno.test("conv2d_input_grad leaves positions no window covers at zero", async () => {
  // 1x1 kernel, stride 2 on 3x3: only the four even positions are read.
  const dx = await run(
    [[1, 1, 2, 2], [1, 1, 1, 1]],
    [[1, 2, 3, 4], [2]],
    (dy, w) => conv2dInputGrad(dy, w, [1, 1, 3, 3], { stride: 2 }),
  );
  assert.deepEqual([...dx.data], [2, 0, 4, 0, 0, 0, 6, 0, 8]);
});

Deno.test("max pooling: values, first-max routing on ties, gather", async () => {
  const x = [1, 5, 2, 0, 3, 4, 8, 1, 7, 7, 6, 6, 7, 7, 6, 9];
  const y = await run([[1, 1, 4, 4]], [x], (a) => maxPool2d(a, { kernel: 2 }));
  assert.deepEqual([...y.data], [5, 8, 7, 9]);
  // Window 3 is all 7s: the first one (row-major) takes the gradient.
  const dx = await run(
    [[1, 1, 4, 4], [1, 1, 2, 2]],
    [x, [10, 20, 30, 40]],
    (a, dy) => maxPool2dGrad(a, dy, { kernel: 2 }),
  );
  assert.deepEqual([...dx.data], [0, 10, 0, 0, 0, 0, 20, 0, 30, 0, 0, 0, 0, 0, 0, 40]);
  const v = Array.from({ length: 16 }, (_, i) => 100 + i);
  const gathered = await run(
    [[1, 1, 4, 4], [1, 1, 4, 4]],
    [x, v],
    (a, b) => maxPool2dGather(a, b, { kernel: 2 }),
  );
  assert.deepEqual([...gathered.data], [101, 106, 108, 115]);
  // Padding counts as −∞: an all-negative input never reports the padding.
  const neg = Array.from({ length: 9 }, (_, i) => -1 - i);
  const p = await run(
    [[1, 1, 3, 3]],
    [neg],
    (a) => maxPool2d(a, { kernel: 3, stride: 2, padding: 1 }),
  );
  assert.deepEqual([...p.data], [-1, -2, -4, -5]);
  // Overlapping windows sharing one max accumulate into it.
  const acc = await run(
    [[1, 1, 3, 3], [1, 1, 2, 2]],
    [[0, 0, 0, 0, 9, 0, 0, 0, 0], [1, 2, 3, 4]],
    (a, dy) => maxPool2dGrad(a, dy, { kernel: 2, stride: 1 }),
  );
  assert.deepEqual([...acc.data], [0, 0, 0, 0, 10, 0, 0, 0, 0]);
});

Deno.test("average pooling with and without padding in the count", async () => {
  const ones = new Array(9).fill(1);
  const ex = await run(
    [[1, 1, 3, 3]],
    [ones],
    (a) => avgPool2d(a, { kernel: 3, stride: 1, padding: 1 }),
  );
  close(ex.data, ones, 1e-15, "countIncludePad false");
  const inc = await run(
    [[1, 1, 3, 3]],
    [ones],
    (a) => avgPool2d(a, { kernel: 3, stride: 1, padding: 1, countIncludePad: true }),
  );
  close(inc.data, [4, 6, 4, 6, 9, 6, 4, 6, 4].map((v) => v / 9), 1e-15, "countIncludePad true");
  const plain = await run(
    [[1, 1, 2, 4]],
    [[1, 2, 3, 4, 5, 6, 7, 8]],
    (a) => avgPool2d(a, { kernel: 2 }),
  );
  assert.deepEqual([...plain.data], [3.5, 5.5]);
  // The gradient spreads dy / count over each window (windows overlap at the centre).
  const g = await run(
    [[1, 1, 2, 2]],
    [[4, 8, 12, 16]],
    (dy) => avgPool2dGrad(dy, [1, 1, 3, 3], { kernel: 2, stride: 1 }),
  );
  close(g.data, [1, 3, 2, 4, 10, 6, 3, 7, 4], 1e-15, "avg_pool2d_grad");
});

Deno.test("softmax and log_softmax: values, large logits, axes", async () => {
  const e = [1, Math.E, Math.E ** 2];
  const z = e[0] + e[1] + e[2];
  const s = await run([[1, 3]], [[1, 2, 3]], (x) => softmax(x));
  close(s.data, e.map((v) => v / z), 1e-15, "softmax");
  const ls = await run([[1, 3]], [[1, 2, 3]], (x) => logSoftmax(x));
  close(ls.data, [1, 2, 3].map((v) => v - 1 - Math.log(z)), 1e-14, "log_softmax");
  for (const precision of ["f32", "f64"] as const) {
    const big = await run([[2, 2]], [[1000, 0, -1000, -999]], (x) => softmax(x), precision);
    close(big.data, [1, 0, 1 / (1 + Math.E), Math.E / (1 + Math.E)], 1e-6, "softmax big");
    const lbig = await run([[1, 2]], [[1000, 0]], (x) => logSoftmax(x), precision);
    close(lbig.data, [0, -1000], 1e-6, "log_softmax big");
  }
  // Axis 0 of a [2,2]: columns normalise.
  const col = await run([[2, 2]], [[0, 5, 0, 5]], (x) => softmax(x, 0));
  close(col.data, [0.5, 0.5, 0.5, 0.5], 1e-15, "softmax axis 0");
  const mid = await run([[1, 2, 2]], [[0, 0, Math.log(3), 0]], (x) => softmax(x, 1));
  close(mid.data, [0.25, 0.5, 0.75, 0.5], 1e-15, "softmax axis 1 of 3");
});

Deno.test("layerNorm over one and two trailing axes", async () => {
  const r = 1 / Math.sqrt(1.25 + 1e-5);
  const y = await run([[2, 4]], [[1, 2, 3, 4, 10, 10, 10, 10]], (x) => layerNorm(x));
  close(y.data, [-1.5 * r, -0.5 * r, 0.5 * r, 1.5 * r, 0, 0, 0, 0], 1e-14, "numAxes 1");
  const y2 = await run([[1, 2, 2]], [[1, 2, 3, 4]], (x) => layerNorm(x, 2, 0));
  const r2 = 1 / Math.sqrt(1.25);
  close(y2.data, [-1.5 * r2, -0.5 * r2, 0.5 * r2, 1.5 * r2], 1e-14, "numAxes 2 eps 0");
  // Large offsets do not cancel (two-pass variance).
  const y3 = await run([[1, 2]], [[1e6 + 1, 1e6 - 1]], (x) => layerNorm(x, 1, 0), "f32");
  close(y3.data, [1, -1], 1e-5, "offset 1e6");
});

Deno.test("conv2d attribute and shape errors name the op and the bad value", () => {
  const g = new Graph();
  const x = g.input("x", [1, 4, 5, 5]);
  const w = g.input("w", [6, 4, 3, 3]);
  throwsWith(() => conv2d(x, g.input("w3", [6, 3, 3, 3])), "conv2d", "4 channels", "expects 3");
  throwsWith(() => conv2d(x, w, { groups: 3 }), "conv2d", "groups 3", "divide");
  throwsWith(() => conv2d(x, g.input("wg", [6, 4, 3, 3]), { groups: 2 }), "expects 8");
  throwsWith(() => conv2d(x, w, { groups: 0 }), "groups must be a positive integer", "0");
  throwsWith(() => conv2d(x, g.input("wk", [6, 4, 6, 3])), "conv2d", "larger than the padded 5x5");
  throwsWith(() => conv2d(x, w, { dilation: 3 }), "7x7 kernel", "dilation [3,3]");
  throwsWith(() => conv2d(x, w, { stride: 0 }), "conv2d", "stride", "0");
  throwsWith(() => conv2d(x, w, { stride: 1.5 }), "stride", "1.5");
  throwsWith(
    () => conv2d(x, w, { padding: [1, 2, 3] as unknown as [number, number] }),
    "padding",
    "[1,2,3]",
  );
  throwsWith(() => conv2d(x, w, { padding: -1 }), "padding", "-1");
  throwsWith(() => conv2d(g.input("x3", [4, 5, 5]), w), "conv2d", "4-D", "[4,5,5]");
  throwsWith(() => conv2d(x, g.input("w2", [6, 4])), "filter must be 4-D", "[6,4]");
  throwsWith(() => conv2d(g.input("xi", [1, 4, 5, 5], "i32"), w), "conv2d", "f32", "i32");
  // Gradient ops check dy against the forward geometry they describe.
  const dy = g.input("dy", [1, 6, 3, 3]);
  assert.deepEqual(conv2dInputGrad(dy, w, [1, 4, 5, 5]).shape, [1, 4, 5, 5]);
  assert.deepEqual(conv2dFilterGrad(x, dy, [6, 4, 3, 3]).shape, [6, 4, 3, 3]);
  throwsWith(
    () => conv2dInputGrad(dy, w, [1, 4, 6, 6]),
    "conv2d_input_grad",
    "dy has shape [1,6,3,3]",
    "produces [1,6,4,4]",
  );
  throwsWith(
    () => conv2dFilterGrad(x, dy, [6, 4, 3, 3], { stride: 2 }),
    "conv2d_filter_grad",
    "produces [1,6,2,2]",
  );
  throwsWith(() => conv2dInputGrad(dy, w, [1, 4, 5]), "inputShape", "[1,4,5]");
  throwsWith(() => conv2dFilterGrad(x, dy, [6, -4, 3, 3]), "filterShape", "[6,-4,3,3]");
});

Deno.test("pooling attribute and shape errors name the op and the bad value", () => {
  const g = new Graph();
  const x = g.input("x", [1, 2, 4, 4]);
  throwsWith(() => maxPool2d(x, { kernel: 0 }), "max_pool2d", "kernel", "0");
  throwsWith(
    () => maxPool2d(x, {} as unknown as { kernel: number }),
    "max_pool2d",
    "needs a kernel",
  );
  throwsWith(() => maxPool2d(x, { kernel: 2, stride: [1, 0] }), "stride", "[1,0]");
  throwsWith(() => maxPool2d(x, { kernel: 3, padding: 2 }), "padding [2,2]", "half the kernel");
  throwsWith(() => avgPool2d(x, { kernel: 5 }), "avg_pool2d", "5x5 window", "padded 4x4");
  throwsWith(() => maxPool2d(g.input("x3", [2, 4, 4]), { kernel: 2 }), "4-D", "[2,4,4]");
  throwsWith(
    () => avgPool2d(x, { kernel: 2, countIncludePad: 1 as unknown as boolean }),
    "countIncludePad must be a boolean",
  );
  throwsWith(
    () => maxPool2dGrad(x, g.input("dy", [1, 2, 3, 3]), { kernel: 2 }),
    "max_pool2d_grad",
    "dy has shape [1,2,3,3]",
    "[1,2,2,2]",
  );
  throwsWith(
    () => maxPool2dGather(x, g.input("v", [1, 2, 2, 2]), { kernel: 2 }),
    "max_pool2d_gather",
    "values has shape [1,2,2,2]",
  );
  throwsWith(
    () => avgPool2dGrad(g.input("dy2", [1, 2, 2, 2]), [1, 2, 5, 5], { kernel: 2, stride: 1 }),
    "avg_pool2d_grad",
    "[1,2,4,4]",
  );
});

Deno.test("softmax / layerNorm attribute errors", () => {
  const g = new Graph();
  const x = g.input("x", [2, 3]);
  throwsWith(() => softmax(x, 2), "softmax", "axis 2 is out of range");
  throwsWith(() => logSoftmax(x, -3), "log_softmax", "axis -3");
  throwsWith(() => softmax(g.input("s", [])), "softmax", "scalar");
  throwsWith(() => softmax(g.input("i", [2], "i32")), "softmax", "f32", "i32");
  throwsWith(() => layerNorm(x, 0), "layer_norm", "numAxes", "[1, 2]", "got 0");
  throwsWith(() => layerNorm(x, 3), "layer_norm", "got 3");
  throwsWith(() => layerNorm(x, 1, -1), "layer_norm", "eps", "-1");
  throwsWith(() => layerNorm(g.input("e", [2, 0])), "layer_norm", "empty");
});
