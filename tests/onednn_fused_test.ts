/**
 * onednn-cpu's loop fusion (backends/onednn/fuse_loops.ts) and its two
 * kernels — the WebAssembly SIMD loop over the executable's memory and the
 * JavaScript loop for operands outside it — against the reference, bit for
 * bit (NaN payloads aside): random chains of fusible ops over broadcast f32
 * and bool operands holding NaN, ±0, ±∞ and values at the thresholds, as
 * maps and as sum / mean reductions over random axes. States and feeds (copied
 * in each run) live in the WebAssembly memory, so onednn-cpu runs the WASM
 * loops; the JavaScript loops run on the reference executor with the fused
 * graph. Also: what the pass fuses and what it must leave alone, and the
 * vectorised NaN scans.
 */
import assert from "node:assert/strict";
import { onednnCpuBackend } from "../backends/onednn/mod.ts";
import type { OnednnExecutable } from "../backends/onednn/executable.ts";
import { FUSED_OP, fuseLoops, type LoopFusion } from "../backends/onednn/fuse_loops.ts";
import { loadAssembler } from "../backends/onednn/wasm/assemble.ts";
import { scans } from "../backends/onednn/wasm/scan.ts";
import { wasmArena, wasmBacking } from "../backends/onednn/wasm/memory.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { type KernelLookup, ReferenceExecutable } from "../backends/reference/executable.ts";
import { getKernel } from "../backends/reference/kernel.ts";
import { fusedKernel } from "../backends/onednn/host/fused.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { liveNodes } from "../core/plan.ts";
import { type DType, type HostTensor, sizeOf } from "../core/host_tensor.ts";
import * as o from "../core/ops.ts";
import { lcg } from "./gradcheck.ts";
import { ortAvailability } from "./ort_support.ts";

const ok = await ortAvailability(onednnCpuBackend);

const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 1e-40, -1e-40, 0.5, -0.5, 1, 3e38];

/** A random value: a special one a tenth of the time, else uniform in [-2, 2]. */
function value(rand: () => number): number {
  return rand() < 0.1 ? SPECIAL[Math.floor(rand() * SPECIAL.length)] : rand() * 4 - 2;
}

const DOMAINS = [[3, 5, 7], [2, 3, 4, 9], [17], [4, 1, 6], [2, 8, 33], [1, 13]];

/** A shape broadcastable to `domain`: some axes 1, maybe fewer leading axes. */
function leafShape(domain: readonly number[], rand: () => number): number[] {
  const shape = domain.map((d) => (rand() < 0.35 ? 1 : d));
  return rand() < 0.3 ? shape.slice(Math.floor(rand() * shape.length)) : shape;
}

interface Built {
  readonly graph: Graph;
  readonly values: Record<string, HostTensor>;
}

/**
 * A random graph over `domain`: f32 and bool leaves (states, or feeds) and a
 * chain of fusible ops whose last value is the output, or is reduced.
 */
function randomGraph(seed: number, leavesAs: "state" | "feed"): Built {
  const rand = lcg(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const domain = pick(DOMAINS);
  const g = new Graph();
  const values: Record<string, HostTensor> = {};
  const leaf = (name: string, shape: number[], dtype: DType): Tensor => {
    const n = sizeOf(shape);
    values[name] = {
      dtype,
      shape,
      data: dtype === "bool"
        ? Uint8Array.from({ length: n }, () => (rand() < 0.5 ? 1 : 0))
        : Float32Array.from({ length: n }, () => value(rand)),
    };
    return leavesAs === "state" ? g.state(name, shape, dtype) : g.input(name, shape, dtype);
  };
  const floats: Tensor[] = [o.broadcastTo(leaf("a", [...domain], "f32"), domain)];
  for (let k = 0; k < 3; k++) floats.push(leaf(`f${k}`, leafShape(domain, rand), "f32"));
  const bools: Tensor[] = [leaf("b", leafShape(domain, rand), "bool")];
  const full = (t: Tensor) =>
    t.shape.length === domain.length && t.shape.every((d, i) => d === domain[i]);
  for (let step = 0; step < 4 + Math.floor(rand() * 6); step++) {
    const a = pick(floats);
    const b = pick(floats);
    const r = rand();
    let t: Tensor;
    if (r < 0.35) t = o[pick(["add", "sub", "mul", "div", "maximum", "minimum"] as const)](a, b);
    else if (r < 0.5) {
      bools.push(o[pick(["lt", "le", "gt", "ge", "eq"] as const)](a, rand() < 0.5 ? b : 0.5));
      continue;
    } else if (r < 0.6) t = o.where(pick(bools), a, b);
    else if (r < 0.7) t = o.cast(pick(bools), "f32");
    else if (r < 0.78) t = o.threshold(a, pick([0, 0.5, -0.5]), rand() < 0.5);
    else if (r < 0.84) t = o.cast(o.cast(a, "bool"), "f32");
    else t = o[pick(["neg", "abs", "sign", "square", "sqrt", "rsqrt"] as const)](a);
    floats.push(full(t) ? t : o.broadcastTo(t, domain));
  }
  let y = floats[floats.length - 1];
  if (!full(y)) y = o.broadcastTo(y, domain);
  const reduce = rand();
  if (reduce < 0.4) {
    const axes = domain.map((_, i) => i).filter(() => rand() < 0.5);
    y = (rand() < 0.5 ? o.sum : o.mean)(
      y,
      axes.length > 0 ? axes : [domain.length - 1],
      rand() < 0.5,
    );
  } else if (reduce < 0.5) y = o.mean(o.cast(o.gt(y, 0), "f32")); // a count
  g.output("y", y);
  return { graph: g, values };
}

/** Bits of an f32/bool tensor, every NaN made one value (payloads aside). */
function bits(t: HostTensor): number[] {
  if (t.dtype !== "f32") return [...t.data];
  const i32 = new Int32Array(Float32Array.from(t.data).buffer);
  return [...i32].map((v, k) => (Number.isNaN(t.data[k]) ? 0x7fc00000 : v));
}

async function runOn(
  backend: typeof onednnCpuBackend,
  b: Built,
  leavesAs: "state" | "feed",
): Promise<{ y: HostTensor; exe: OnednnExecutable | null }> {
  const exe = await backend.compile(b.graph);
  try {
    if (leavesAs === "state") await exe.writeState(b.values);
    const out = await exe.run(leavesAs === "feed" ? b.values : {});
    return { y: out.y, exe: backend === onednnCpuBackend ? exe as OnednnExecutable : null };
  } finally {
    exe.dispose();
  }
}

for (const leavesAs of ["state", "feed"] as const) {
  Deno.test({
    name: `onednn-cpu fused loops (WASM, operands as ${leavesAs}s): 60 random chains bit-exact ` +
      "with reference",
    ignore: !ok,
    fn: async () => {
      let wasm = 0, groups = 0;
      for (let seed = 1; seed <= 60; seed++) {
        const b = randomGraph(seed, leavesAs);
        const want = await runOn(referenceBackend, b, leavesAs);
        const got = await runOn(onednnCpuBackend, b, leavesAs);
        assert.deepEqual(bits(got.y), bits(want.y), `seed ${seed}: bit-exact`);
        groups += got.exe!.loopFusion.groups;
        wasm += got.exe!.wasmKernels;
      }
      assert.ok(groups >= 60, `every chain fused (${groups} groups)`);
      // Feeds are copied into the memory each run, so they take the WASM loops too.
      assert.equal(wasm, groups, "every fused node ran as WASM");
    },
  });
}

/** The reference kernels, and the JavaScript loop for fused nodes (operands outside the memory). */
const jsLookup: KernelLookup = (op) =>
  op === FUSED_OP
    ? (node, inputs) => fusedKernel(JSON.parse(node.attrs.program as string), inputs)
    : getKernel(op);

/**
 * `graph` fused as onednn-cpu fuses it, on the reference executor: its buffers are no
 * WebAssembly memory, so the fused nodes run their JavaScript loops.
 */
function fusedInJs(graph: Graph): { exe: ReferenceExecutable; fused: LoopFusion } {
  const fused = fuseLoops(graph);
  const exe = new ReferenceExecutable(fused.graph, {}, jsLookup, {
    aliasNodes: new Map(),
    extraInputs: new Map(),
    siblings: fused.siblings,
  });
  return { exe, fused };
}

/**
 * `b`'s outputs (its leaves as states) on reference, on onednn-cpu (the
 * WASM loops) and fused in JavaScript, with the fusion and how many WASM
 * kernels onednn-cpu ran.
 */
async function runThreeWays(b: Built): Promise<{
  want: Record<string, HostTensor>;
  wasm: Record<string, HostTensor>;
  js: Record<string, HostTensor>;
  fused: LoopFusion;
  wasmKernels: number;
}> {
  const ref = await referenceBackend.compile(b.graph);
  const one = await onednnCpuBackend.compile(b.graph) as OnednnExecutable;
  const { exe, fused } = fusedInJs(b.graph);
  try {
    const outs: Record<string, HostTensor>[] = [];
    for (const e of [ref, one, exe]) {
      await e.writeState(b.values);
      outs.push(await e.run({}));
    }
    return { want: outs[0], wasm: outs[1], js: outs[2], fused, wasmKernels: one.wasmKernels };
  } finally {
    ref.dispose();
    one.dispose();
    exe.dispose();
  }
}

/** A random f32 state value of `shape` (`value`'s mix of specials). */
function randomValue(shape: readonly number[], rand: () => number): HostTensor {
  return {
    dtype: "f32",
    shape: [...shape],
    data: Float32Array.from({ length: sizeOf(shape) }, () => value(rand)),
  };
}

Deno.test("fused loops in JavaScript (the loop for operands outside the memory): 60 random chains bit-exact with reference", async () => {
  let groups = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const b = randomGraph(seed, "feed");
    const want = await runOn(referenceBackend, b, "feed");
    const { exe, fused } = fusedInJs(b.graph);
    groups += fused.groups;
    try {
      const got = (await exe.run(b.values)).y;
      assert.deepEqual(bits(got), bits(want.y), `seed ${seed}: bit-exact`);
    } finally {
      exe.dispose();
    }
  }
  assert.ok(groups >= 60, `every chain fused (${groups} groups)`);
});

/** Fixed reductions covering each accumulation path of the WASM loop. */
const REDUCTIONS: [string, number[], number[], (x: Tensor, w: Tensor) => Tensor][] = [
  // Innermost axis reduced, 7 kept rows: four rows interleaved, then three one by one.
  ["rows interleaved", [7, 13], [7, 1], (x, w) => o.sum(o.mul(x, w), [1])],
  // Every axis reduced but a leaf keeps the rows from merging: rows share one output.
  ["rows into one output", [4, 6], [4, 1], (x, w) => o.mean(o.sub(x, w))],
  // Innermost axis kept: a row of accumulators, two lanes at a time.
  ["kept innermost", [5, 9, 6], [1, 9, 6], (x, w) => o.sum(o.mul(x, w), [0, 1], true)],
  // 0/1 values counted in integer lanes.
  ["count", [3, 8, 11], [1, 8, 1], (x, w) => o.mean(o.cast(o.gt(x, w), "f32"), [0, 2])],
  // A lone sum over a kept innermost axis (no steps).
  ["lone sum", [6, 10], [6, 10], (x, w) => o.sum(o.add(o.sum(x, [0]), o.sum(w, [0])), [0])],
];

for (const [name, xs, ws, build] of REDUCTIONS) {
  Deno.test({
    name: `onednn-cpu fused reduction (${name}): WASM bit-exact with reference`,
    ignore: !ok,
    fn: async () => {
      const rand = lcg(name.length);
      const g = new Graph();
      const x = g.state("x", xs);
      const w = g.state("w", ws);
      g.output("y", build(x, w));
      const values: Record<string, HostTensor> = {
        x: {
          dtype: "f32",
          shape: xs,
          data: Float32Array.from({ length: sizeOf(xs) }, () => value(rand)),
        },
        w: {
          dtype: "f32",
          shape: ws,
          data: Float32Array.from({ length: sizeOf(ws) }, () => value(rand)),
        },
      };
      const b = { graph: g, values };
      const want = await runOn(referenceBackend, b, "state");
      const got = await runOn(onednnCpuBackend, b, "state");
      assert.ok(got.exe!.wasmKernels >= 1, "ran a WASM kernel");
      assert.deepEqual(bits(got.y), bits(want.y));
    },
  });
}

Deno.test({
  name:
    "onednn-cpu fused reductions add in the reference's order (2⁻⁶⁰ + 1 − 1 is 0 only in order)",
  ignore: !ok,
  fn: async () => {
    // Along the reduced axis, from a shifting start: 2⁻⁶⁰, 1, −1, then zeros. In order the
    // float64 sum is 0 (2⁻⁶⁰ + 1 rounds to 1); in any other order of the three it is not.
    const t = 2 ** -60;
    for (const [xs, axes] of [[[7, 15], [1]], [[15, 6], [0]], [[2, 15, 3], [1]]] as const) {
      const g = new Graph();
      const x = g.state("x", [...xs]);
      g.output("y", o.sum(o.mul(x, o.scalar(x, 1)), [...axes]));
      const n = sizeOf(xs);
      const stride = xs.slice(axes[0] + 1).reduce((a, d) => a * d, 1);
      const data = Float32Array.from({ length: n }, (_, i) => {
        const k = Math.floor(i / stride) % xs[axes[0]];
        const start = Math.floor(i / (stride * xs[axes[0]])) % 11;
        return [t, 1, -1][k - start] ?? 0;
      });
      const b = { graph: g, values: { x: { dtype: "f32" as const, shape: [...xs], data } } };
      const want = await runOn(referenceBackend, b, "state");
      const got = await runOn(onednnCpuBackend, b, "state");
      assert.ok(got.exe!.wasmKernels >= 1);
      assert.deepEqual(bits(got.y), bits(want.y), `[${xs}] over ${axes}`);
    }
  },
});

Deno.test({
  name: "onednn-cpu merged maps: an AdamW-like update of three states is one loop, bit-exact",
  ignore: !ok,
  fn: async () => {
    const g = new Graph();
    const shape = [37, 29];
    const [p, m, v, gr] = ["p", "m", "v", "g"].map((name) => g.state(name, shape));
    const m1 = o.add(o.mul(m, 0.9), o.mul(gr, 0.1));
    const v1 = o.add(o.mul(v, 0.999), o.mul(o.square(gr), 0.001));
    const p1 = o.sub(p, o.mul(o.div(m1, o.add(o.sqrt(v1), 1e-8)), 1e-3));
    g.setStateUpdate("m", m1);
    g.setStateUpdate("v", v1);
    g.setStateUpdate("p", p1);
    g.output("n", o.sum(o.square(p1))); // a reduction after the merged maps: merged too
    const f = fuseLoops(g);
    assert.equal(f.siblings.size, 3, "m′, v′, p′ and Σp′² computed by one loop");
    const rand = lcg(4);
    const values: Record<string, HostTensor> = {};
    for (const name of ["p", "m", "v", "g"]) {
      values[name] = {
        dtype: "f32",
        shape,
        data: Float32Array.from({ length: 37 * 29 }, () => (name === "v" ? rand() : value(rand))),
      };
    }
    const outs: Record<string, HostTensor>[] = [];
    for (const backend of [referenceBackend, onednnCpuBackend]) {
      const exe = await backend.compile(g);
      try {
        await exe.writeState(values);
        const n = (await exe.run({})).n;
        outs.push({ n, ...(await exe.readState(["p", "m", "v"])) });
      } finally {
        exe.dispose();
      }
    }
    for (const k of ["n", "p", "m", "v"]) assert.deepEqual(bits(outs[1][k]), bits(outs[0][k]), k);
  },
});

/**
 * A map over `domain` and reductions merged into its loop (`fuseLoops`
 * makes them its siblings): sums and means over random axes of its input,
 * of its output, of a further chain of its output, and a count of its
 * positive entries — DPA's threshold with its pooling and sparsity count.
 */
function mergedReductionGraph(seed: number): Built {
  const rand = lcg(1000 + seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const domain = pick([[3, 5, 7], [2, 3, 4, 9], [4, 2, 6], [2, 8, 33], [5, 37], [2, 3, 17, 5]]);
  const g = new Graph();
  const x = g.state("x", domain);
  const w = g.state("w", leafShape(domain, rand));
  const values = { x: randomValue(x.shape, rand), w: randomValue(w.shape, rand) };
  const y = o.threshold(o.mul(x, w), pick([0, 0.5]), rand() < 0.5);
  g.output("y", y);
  const axesOf = () => {
    const axes = domain.map((_, i) => i).filter(() => rand() < 0.5);
    return axes.length > 0 ? axes : [domain.length - 1];
  };
  const sources = [() => x, () => y, () => o.sub(o.square(y), w)];
  const reductions = 2 + Math.floor(rand() * 3);
  for (let k = 0; k < reductions; k++) {
    const r = rand() < 0.2
      ? o.mean(o.cast(o.gt(y, 0), "f32"), axesOf())
      : (rand() < 0.5 ? o.sum : o.mean)(pick(sources)(), axesOf(), rand() < 0.5);
    g.output(`r${k}`, r);
  }
  return { graph: g, values };
}

Deno.test({
  name: "onednn-cpu merged reductions: 40 random maps with their sums, means and counts in one " +
    "loop, bit-exact with reference (WASM and JavaScript)",
  ignore: !ok,
  fn: async () => {
    let merged = 0, wasm = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const b = mergedReductionGraph(seed);
      const r = await runThreeWays(b);
      for (const k of b.graph.outputs.keys()) {
        assert.deepEqual(bits(r.wasm[k]), bits(r.want[k]), `seed ${seed} ${k}: WASM bit-exact`);
        assert.deepEqual(bits(r.js[k]), bits(r.want[k]), `seed ${seed} ${k}: JavaScript bit-exact`);
      }
      merged += r.fused.siblings.size;
      wasm += r.wasmKernels;
    }
    assert.ok(merged >= 40, `reductions merged into the maps' loops (${merged})`);
    assert.ok(wasm >= 40, `as WASM (${wasm} kernels)`);
  },
});

Deno.test({
  name: "onednn-cpu merged reductions add in the reference's order, four rows interleaved",
  ignore: !ok,
  fn: async () => {
    // As the reduction-order test above, inside a map's loop: 2⁻⁶⁰, 1, −1 along each row from
    // a shifting start, rows interleaved four at a time with the map storing beside them.
    const t = 2 ** -60;
    const xs = [9, 23];
    const g = new Graph();
    const x = g.state("x", xs);
    g.output("y", o.threshold(x, 0));
    g.output("s", o.sum(x, [1]));
    g.output("c", o.mean(o.cast(o.gt(x, 0), "f32")));
    const f = fuseLoops(g);
    assert.equal(f.siblings.size, 2, "the sum and the count are the map's siblings");
    const data = Float32Array.from(
      { length: 9 * 23 },
      (_, i) => [t, 1, -1][(i % 23) - (Math.floor(i / 23) % 11)] ?? 0,
    );
    const b = { graph: g, values: { x: { dtype: "f32" as const, shape: xs, data } } };
    const outs: Record<string, HostTensor>[] = [];
    for (const backend of [referenceBackend, onednnCpuBackend]) {
      const exe = await backend.compile(g);
      try {
        await exe.writeState(b.values);
        outs.push(await exe.run({}));
      } finally {
        exe.dispose();
      }
    }
    for (const k of ["y", "s", "c"]) assert.deepEqual(bits(outs[1][k]), bits(outs[0][k]), k);
    assert.equal(outs[0].s.data[0], 0, "in order, 2⁻⁶⁰ is absorbed");
  },
});

Deno.test({
  name: "onednn-cpu merged reductions: a map that reads one (max's gradient: ties ÷ their count) " +
    "runs after the loop",
  ignore: !ok,
  fn: async () => {
    const g = new Graph();
    const x = g.state("x", [6, 20]);
    const gr = g.state("g", [6, 1]);
    const hit = o.cast(o.eq(x, o.broadcastTo(o.max(x, [1], true), [6, 20])), "f32");
    const count = o.sum(hit, [1], true);
    g.output("dx", o.div(o.mul(hit, o.broadcastTo(gr, [6, 20])), o.broadcastTo(count, [6, 20])));
    const f = fuseLoops(g);
    assert.equal(f.siblings.size, 1, "the count joins the hits' loop; the quotient does not");
    const values: Record<string, HostTensor> = {
      x: {
        dtype: "f32",
        shape: [6, 20],
        data: Float32Array.from({ length: 120 }, (_, i) => i % 3),
      },
      g: { dtype: "f32", shape: [6, 1], data: Float32Array.from({ length: 6 }, (_, i) => i + 1) },
    };
    const outs: HostTensor[] = [];
    for (const backend of [referenceBackend, onednnCpuBackend]) {
      const exe = await backend.compile(g);
      try {
        await exe.writeState(values);
        outs.push((await exe.run({})).dx);
      } finally {
        exe.dispose();
      }
    }
    assert.deepEqual(bits(outs[1]), bits(outs[0]));
  },
});

Deno.test({
  name: "onednn-cpu merged reductions see through a reshape that merges axes (a bias gradient), " +
    "not one that splits them",
  ignore: !ok,
  fn: async () => {
    const g = new Graph();
    const x = g.state("x", [4, 6, 20]);
    const y = o.threshold(x, 0);
    g.output("y", y);
    g.output("bias", o.sum(o.reshape(y, [24, 20]), [0])); // over the batch and token axes
    g.output("odd", o.sum(o.reshape(y, [6, 4, 20]), [0])); // not a merge of adjacent axes
    const f = fuseLoops(g);
    assert.equal(f.siblings.size, 1, "the bias sum joins the threshold's loop; the other does not");
    const values = {
      x: {
        dtype: "f32" as const,
        shape: [4, 6, 20],
        data: Float32Array.from({ length: 480 }, (_, i) => Math.sin(i) * (i % 7 === 0 ? 1e-7 : 1)),
      },
    };
    const outs: Record<string, HostTensor>[] = [];
    for (const backend of [referenceBackend, onednnCpuBackend]) {
      const exe = await backend.compile(g);
      try {
        await exe.writeState(values);
        outs.push(await exe.run({}));
      } finally {
        exe.dispose();
      }
    }
    for (const k of ["y", "bias", "odd"]) assert.deepEqual(bits(outs[1][k]), bits(outs[0][k]), k);
  },
});

/**
 * A gradient into a slice (`slice_grad`, DPA's class token) added to a
 * masked gradient, with a sum of the result: the loop reads the slice's
 * gradient where it lies and zeros elsewhere (a spread leaf).
 */
function spreadGraph(seed: number): Built {
  const rand = lcg(2000 + seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const domain = pick([[4, 7, 9], [3, 5, 2, 8], [6, 10], [2, 3, 16], [5, 1, 6, 4]]);
  const axes = domain.map((_, i) => i).filter((i) =>
    domain[i] > 1 && domain.slice(i + 1).some((d) => d > 1)
  );
  const axis = pick(axes);
  const count = 1 + Math.floor(rand() * (domain[axis] - 1));
  const start = Math.floor(rand() * (domain[axis] - count + 1));
  const small = domain.map((d, i) => (i === axis ? count : d));
  const g = new Graph();
  const x = g.state("x", domain);
  const dy = g.state("dy", small);
  const values = { x: randomValue(domain, rand), dy: randomValue(small, rand) };
  const masked = o.mul(x, o.cast(o.ge(x, 0), "f32"));
  const spread = o.sliceGrad(dy, domain, domain.map((_, i) => (i === axis ? start : 0)));
  const y = rand() < 0.5 ? o.add(masked, spread) : o.sub(spread, o.square(masked));
  g.output("y", y);
  g.output("s", o.sum(y, [pick(domain.map((_, i) => i))]));
  return { graph: g, values };
}

Deno.test({
  name: "onednn-cpu spread leaves: 30 gradients into a slice added in the loop without the " +
    "zero-filled tensor, bit-exact with reference (WASM and JavaScript)",
  ignore: !ok,
  fn: async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const r = await runThreeWays(spreadGraph(seed));
      const live = liveNodes(r.fused.graph);
      assert.ok(
        !r.fused.graph.nodes.some((n) => n.op === "slice_grad" && live[n.id]),
        `seed ${seed}: the slice_grad is read through`,
      );
      for (const k of ["y", "s"]) {
        assert.deepEqual(bits(r.wasm[k]), bits(r.want[k]), `seed ${seed} ${k}: WASM`);
        assert.deepEqual(bits(r.js[k]), bits(r.want[k]), `seed ${seed} ${k}: JavaScript`);
      }
      assert.ok(r.wasmKernels >= 1, `seed ${seed}: ran as WASM`);
    }
  },
});

Deno.test({
  name: "onednn-cpu merged maps follow the outputs compiled: a map no output needs is not merged",
  ignore: !ok,
  fn: async () => {
    const g = new Graph();
    const x = g.state("x", [9, 5]);
    g.output("a", o.mul(o.add(x, 1), 2));
    g.output("b", o.sub(o.mul(x, 3), 1)); // mergeable into a's loop, but not compiled below
    // d reads a map read by nothing else (two steps apart, so not one chain): merged, then pruned.
    const hidden = o.where(o.gt(x, 2), x, o.neg(x));
    g.output("d", o.add(o.threshold(hidden, 0.5), hidden));
    const values = {
      x: {
        dtype: "f32" as const,
        shape: [9, 5],
        data: Float32Array.from({ length: 45 }, (_, i) => i / 7),
      },
    };
    for (const outputs of [["a"], ["b"], ["a", "b"], ["a", "d"], ["d"]]) {
      const got: HostTensor[] = [], want: HostTensor[] = [];
      for (const [backend, into] of [[onednnCpuBackend, got], [referenceBackend, want]] as const) {
        const exe = await backend.compile(g, { outputs });
        try {
          await exe.writeState(values);
          const out = await exe.run({});
          for (const k of outputs) into.push(out[k]);
        } finally {
          exe.dispose();
        }
      }
      got.forEach((t, k) => assert.deepEqual(bits(t), bits(want[k]), `${outputs}: ${outputs[k]}`));
    }
  },
});

Deno.test("fuseLoops: a metric chain fuses; outputs, shared nodes and kept nodes do not", () => {
  const g = new Graph();
  const x = g.input("x", [4, 8]);
  const y = o.threshold(x, 0);
  const shared = o.square(y); // read twice below: stays a node of its own
  g.output("sparsity", o.mean(o.cast(o.eq(y, 0), "f32")));
  g.output("a", o.add(shared, 1));
  g.output("b", o.mul(shared, 2));
  const visible = o.neg(y);
  g.output("visible", visible); // an output: never absorbed
  g.output("c", o.sub(visible, 1));
  const f = fuseLoops(g);
  const fused = f.graph.nodes.filter((n) => n.op === FUSED_OP);
  const programs = fused.map((n) => JSON.parse(n.attrs.program as string));
  const metric = programs.find((p) => p.kind === "mean");
  assert.deepEqual(metric?.steps.map((s: { op: string }) => s.op), ["eq", "cast"]);
  assert.equal(f.graph.nodes[g.outputs.get("visible")!].op, "neg");
  assert.equal(f.graph.nodes[shared.id].op, "square");
  // The threshold alone is a one-step loop (no oneDNN kernel has its NaN semantics).
  assert.equal(f.graph.nodes[y.id].op, FUSED_OP);
  const kept = fuseLoops(g, new Set([y.id]));
  assert.equal(kept.graph.nodes[y.id].op, "threshold");
});

Deno.test({
  name: "onednn-cpu WASM scans find a NaN or ±∞ in the vector body and in the tail",
  ignore: !ok,
  fn: async () => {
    assert.ok((await loadAssembler()).ok);
    const arena = wasmArena();
    const buffer = wasmBacking(arena, 0)(4096);
    const s = scans(arena);
    for (const n of [1, 3, 4, 7, 64, 1021]) {
      for (const at of [0, n - 1, Math.floor(n / 2)]) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const x = new Float32Array(buffer, 64, n).fill(1.5);
          x[at] = bad;
          assert.equal(s.hasNaN(x), Number.isNaN(bad), `n ${n} at ${at}: ${bad}`);
          assert.equal(s.hasNonFinite(x), true, `n ${n} at ${at}: ${bad}`);
          x[at] = -0;
          assert.equal(s.hasNaN(x) || s.hasNonFinite(x), false, `n ${n}: finite`);
        }
      }
    }
    // Outside the memory: the JavaScript loops answer the same.
    assert.equal(s.hasNaN(Float32Array.of(1, NaN)), true);
    assert.equal(s.hasNonFinite(Float32Array.of(1, 2)), false);
  },
});
