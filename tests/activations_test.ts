/**
 * Activation plugins: registry and option errors, forward values against
 * closed forms at chosen points, and central finite-difference gradient
 * checks in float64 on the reference backend (inputs and parameters; DPA
 * through TAU and through its channel loss in a train-phase graph).
 */
import assert from "node:assert/strict";
import "../activations/mod.ts";
import "../regularisers/mod.ts";
import type { DpaActivation } from "../activations/dpa.ts";
import { GDN_BETA_MIN, GDN_PEDESTAL } from "../activations/gdn.ts";
import { SELU_ALPHA, SELU_SCALE } from "../activations/selu.ts";
import { getActivation, listActivations } from "../activations/registry.ts";
import { getRegulariser } from "../regularisers/registry.ts";
import type { PluginOptions, Site } from "../plugin/types.ts";
import { referenceBackend } from "../backends/reference/mod.ts";
import { grad } from "../core/autodiff.ts";
import { ActlabError } from "../core/errors.ts";
import { Graph, type Tensor } from "../core/graph.ts";
import { type HostTensor, hostTensor, sizeOf } from "../core/host_tensor.ts";
import { constant, mul, sum } from "../core/ops.ts";
import { BuildContext } from "../plugin/context.ts";
import { lcg } from "./gradcheck.ts";
import { finishTrainStep, hostFeedValues, initialState } from "./step_util.ts";

// ---- helpers --------------------------------------------------------------------------------

/** erf by its Taylor series: float64-accurate to ~1e-14 for |x| ≤ 3.5. */
function erf(x: number): number {
  let term = x, total = x;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-18; n++) {
    term *= -x * x / n;
    total += term / (2 * n + 1);
  }
  return total * 2 / Math.sqrt(Math.PI);
}
const phi = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));

function siteFor(shape: number[], layout: Site["layout"], pooling: Site["pooling"] = "avg"): Site {
  return { channels: shape[layout === "tokens" ? 2 : 1], layout, pooling };
}

/** Values in [lo, hi) kept at least 0.05 away from each kink. */
function values(n: number, seed: number, lo = -2, hi = 2, kinks: number[] = [0]): Float64Array {
  const r = lcg(seed);
  return Float64Array.from({ length: n }, () => {
    let v = lo + (hi - lo) * r();
    for (const k of kinks) if (Math.abs(v - k) < 0.05) v = k + (v < k ? -0.1 : 0.1);
    return v;
  });
}

function f64(shape: number[], data: ArrayLike<number>): HostTensor {
  return hostTensor("f32", shape, Float64Array.from(data));
}

/** Run one plugin forward (f32, eval phase unless given) with optional state overrides. */
async function forward(
  name: string,
  site: Site,
  options: PluginOptions,
  x: HostTensor,
  state: Record<string, HostTensor> = {},
): Promise<ArrayLike<number>> {
  const g = new Graph();
  const xi = g.input("x", x.shape);
  const ctx = new BuildContext({ graph: g, phase: "eval", batchSize: x.shape[0], numClasses: 3 });
  g.output("y", getActivation(name).create(site, options).apply(ctx.scope("act"), xi));
  const exe = await referenceBackend.compile(g);
  await exe.writeState({ ...initialState(ctx.record), ...state });
  return (await exe.run({ x: { ...x, data: Float32Array.from(x.data) } })).y.data;
}

function assertClose(name: string, got: ArrayLike<number>, want: number[], tol = 2e-6): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    assert.ok(
      err <= tol * Math.max(1, Math.abs(want[i])),
      `${name}[${i}]: got ${got[i]}, want ${want[i]} (|err| ${err})`,
    );
  }
}

interface FdSpec {
  name: string;
  /** Build the scalar loss; `wrt` are feeds or state nodes; extra feeds may be returned. */
  build: (g: Graph) => { loss: Tensor; wrt: Tensor[]; feeds?: Record<string, HostTensor> };
  feeds: Record<string, HostTensor>;
  state?: Record<string, HostTensor>;
  maxPoints?: number;
}

/**
 * Central differences in float64 against `core/autodiff`. State is rewritten
 * before every run, so state updates (memories) never leak between runs.
 */
async function fdCheck(spec: FdSpec): Promise<Record<string, HostTensor>> {
  const g = new Graph();
  const { loss, wrt, feeds: extra } = spec.build(g);
  const { grads } = grad(g, loss, wrt);
  g.output("loss", loss);
  grads.forEach((t, i) => g.output(`grad${i}`, t));
  const exe = await referenceBackend.compile(g, { precision: "f64" });
  const feeds = { ...spec.feeds, ...extra };
  const state: Record<string, HostTensor> = {};
  for (const [k, v] of Object.entries(spec.state ?? {})) {
    state[k] = { ...v, data: Float64Array.from(v.data) };
  }
  const run = async () => {
    if (Object.keys(state).length) await exe.writeState(state);
    return await exe.run(feeds);
  };
  const base = await run();
  const rand = lcg(99);
  const eps = 1e-6;
  for (const [i, t] of wrt.entries()) {
    const node = t.node;
    const key = node.attrs.name as string;
    const src = node.op === "input" ? feeds : state;
    assert.ok(src[key], `${spec.name}: no value for ${node.op} "${key}"`);
    const data = src[key].data as Float64Array;
    const analytic = base[`grad${i}`].data;
    const n = data.length;
    const maxPoints = spec.maxPoints ?? 40;
    const points = n <= maxPoints
      ? Array.from({ length: n }, (_, j) => j)
      : Array.from({ length: maxPoints }, () => Math.floor(rand() * n));
    for (const j of points) {
      const orig = data[j];
      data[j] = orig + eps;
      const lp = (await run()).loss.data[0];
      data[j] = orig - eps;
      const lm = (await run()).loss.data[0];
      data[j] = orig;
      const numeric = (lp - lm) / (2 * eps);
      const err = Math.abs(analytic[j] - numeric);
      assert.ok(
        err <= 1e-6 + 1e-5 * Math.max(Math.abs(numeric), Math.abs(analytic[j])),
        `${spec.name}: d loss/d ${key}[${j}] analytic ${analytic[j]} vs numeric ${numeric}`,
      );
    }
  }
  return base;
}

/** FD case for an eval-phase activation: loss = Σ y·R over x and every parameter. */
function activationFd(
  name: string,
  site: Site,
  shape: number[],
  x: Float64Array,
  options: PluginOptions = {},
  state: Record<string, HostTensor> = {},
): FdSpec {
  const r = values(sizeOf(shape), 7, -1, 1, []);
  return {
    name: `${name} (${site.layout})`,
    feeds: { x: f64(shape, x) },
    state,
    build: (g) => {
      const xi = g.input("x", shape);
      const ctx = new BuildContext({ graph: g, phase: "eval", batchSize: shape[0], numClasses: 3 });
      const y = getActivation(name).create(site, options).apply(ctx.scope("act"), xi);
      const loss = sum(mul(y, constant(y, f64(shape, r))));
      return { loss, wrt: [xi, ...ctx.record.params.map((p) => p.tensor)] };
    },
  };
}

// ---- registry and options -------------------------------------------------------------------

const ALL = [
  "dpa",
  "elu",
  "gdn",
  "gelu",
  "mish",
  "raa",
  "relu",
  "relu6",
  "selu",
  "silu",
  "softplus",
];

Deno.test("registry lists every activation; unknown names list the valid ones", () => {
  assert.deepEqual(listActivations(), ALL);
  assert.throws(() => getActivation("swish"), (e: Error) => {
    assert.ok(e instanceof ActlabError);
    assert.match(e.message, /unknown activation "swish"/);
    for (const n of ALL) assert.ok(e.message.includes(n), `message lists ${n}`);
    return true;
  });
  assert.throws(() => getRegulariser("l2"), /unknown regulariser "l2"[\s\S]*arr/);
});

Deno.test("option validation gives clear errors", () => {
  const site: Site = { channels: 4, layout: "tokens", pooling: "token" };
  const dpa = getActivation("dpa");
  const bad: [PluginOptions, RegExp][] = [
    [{ tau: -0.1 }, /dpa: option tau = -0.1 is invalid[\s\S]*tau must be >= 0/],
    [{ tau: "abc" }, /option tau = "abc"/],
    [{ tau: true }, /option tau = true/],
    [{ momentum: 0 }, /momentum must be > 0, <= 1/],
    [{ momentum: 1.5 }, /momentum/],
    [{ updateInterval: 0 }, /updateInterval must be an integer, >= 1/],
    [{ updateInterval: 2.5 }, /updateInterval/],
    [{ channelLoss: -1 }, /channelLoss must be >= 0/],
    [{ taw: 0.1 }, /unknown option "taw"[\s\S]*tau, momentum, updateInterval, channelLoss/],
  ];
  for (const [opts, re] of bad) {
    assert.throws(
      () => dpa.create(site, opts),
      (e: Error) => e instanceof ActlabError && re.test(e.message),
    );
  }
  // Numeric strings (as a CLI passes them) are accepted.
  const inst = dpa.create(site, { tau: "0.5", updateInterval: "2" }) as DpaActivation;
  assert.equal(inst.options.tau, 0.5);
  assert.equal(inst.options.updateInterval, 2);
  assert.throws(() => getActivation("relu").create(site, { tau: 1 }), /relu takes no options/);
  assert.throws(() => getActivation("gdn").create(site, { betaMin: 0 }), /betaMin must be > 0/);
  assert.throws(
    () => dpa.create({ channels: 4, layout: "nchw", pooling: "token" }, {}),
    /nchw site cannot pool by "token"/,
  );
  // A tensor that does not match its site is rejected with the expected layout.
  const g = new Graph();
  const ctx = new BuildContext({ graph: g, phase: "eval", batchSize: 2, numClasses: 3 });
  assert.throws(
    () => getActivation("gelu").create(site, {}).apply(ctx, g.input("x", [2, 5, 3])),
    /gelu: input f32\[2,5,3\] does not match a tokens site with 4 channels[\s\S]*\[B, N, C\]/,
  );
});

// ---- forward values -------------------------------------------------------------------------

const PTS = [-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3];
const PHI: Record<number, number> = {
  0: 0.5,
  0.5: 0.6914624612740131,
  1: 0.8413447460685429,
  2: 0.9772498680518208,
  3: 0.9986501019683699,
};
const phiKnown = (x: number) => (x >= 0 ? PHI[x] : 1 - PHI[-x]);

Deno.test("stateless activations match closed forms", async () => {
  const site: Site = { channels: PTS.length, layout: "features", pooling: "avg" };
  const x = f64([1, PTS.length], PTS);
  const expm1 = Math.expm1;
  const sp = (v: number) => Math.log1p(Math.exp(v));
  const forms: Record<string, (v: number) => number> = {
    relu: (v) => Math.max(v, 0),
    relu6: (v) => Math.min(Math.max(v, 0), 6),
    gelu: (v) => v * phiKnown(v),
    silu: (v) => v / (1 + Math.exp(-v)),
    softplus: sp,
    elu: (v) => (v > 0 ? v : expm1(v)),
    selu: (v) => SELU_SCALE * (v > 0 ? v : SELU_ALPHA * expm1(v)),
    mish: (v) => v * Math.tanh(sp(v)),
    raa: (v) => v * phiKnown(v), // zero-initialised RAA is GELU
    gdn: (v) => v / Math.sqrt(1 + 0.1 * v * v), // β = 1, γ = 0.1·I at init
    dpa: (v) => v, // replaced below
  };
  for (const [name, f] of Object.entries(forms)) {
    if (name === "dpa") continue;
    assertClose(name, await forward(name, site, {}, x), PTS.map(f));
  }
  // Spot values independent of the formulas above.
  const gelu = await forward("gelu", site, {}, x);
  assertClose("gelu(1)", [gelu[6]], [0.8413447460685429]);
  assertClose("selu(-1)", [(await forward("selu", site, {}, x))[2]], [-1.1113307378125628]);
  // DPA in eval is TAU: x ≥ τ passes, including x == τ.
  assertClose(
    "dpa tau=0.5",
    await forward("dpa", site, { tau: 0.5 }, x),
    PTS.map((v) => (v >= 0.5 ? v : 0)),
  );
  assertClose("dpa tau=0 is relu", await forward("dpa", site, {}, x), PTS.map(forms.relu));
});

Deno.test("gdn: divisive normalisation over the channel axis with bounded parameters", async () => {
  const c = 3;
  // β' below its bound on channel 2 and a negative γ' entry: both clamp (β → β_min, γ → 0).
  const betaS = [1.2, 0.7, 1e-5];
  const gammaS = [0.5, 0.2, -0.3, 0.1, 0.4, 0.3, 0.25, 0.05, 0.6];
  const lb = (v: number, bound: number) =>
    Math.max(v, Math.sqrt(bound + GDN_PEDESTAL)) ** 2 - GDN_PEDESTAL;
  const beta = betaS.map((v) => lb(v, GDN_BETA_MIN));
  const gamma = gammaS.map((v) => lb(v, 0));
  const ref = (vec: number[]) =>
    vec.map((xi, i) =>
      xi / Math.sqrt(beta[i] + vec.reduce((a, xj, j) => a + gamma[i * c + j] * xj * xj, 0))
    );
  const state = { "act.beta": f64([c], betaS), "act.gamma": f64([c, c], gammaS) };
  // tokens [2, 2, 3]
  const xt = values(12, 3, -2, 2);
  const want: number[] = [];
  for (let p = 0; p < 4; p++) want.push(...ref(Array.from(xt.subarray(p * c, p * c + c))));
  assertClose(
    "gdn tokens",
    await forward("gdn", siteFor([2, 2, c], "tokens"), {}, f64([2, 2, c], xt), state),
    want,
  );
  // nchw [2, 3, 2, 2]: the channel vector at each pixel
  const xn = values(24, 4, -2, 2);
  const wantN = new Array<number>(24);
  for (let b = 0; b < 2; b++) {
    for (let p = 0; p < 4; p++) {
      const vec = [0, 1, 2].map((ch) => xn[b * 12 + ch * 4 + p]);
      ref(vec).forEach((y, ch) => (wantN[b * 12 + ch * 4 + p] = y));
    }
  }
  assertClose(
    "gdn nchw",
    await forward("gdn", siteFor([2, c, 2, 2], "nchw"), {}, f64([2, c, 2, 2], xn), state),
    wantN,
  );
});

Deno.test("raa: x·Φ(x + w·x + b) with the projection over channels", async () => {
  const c = 3;
  const w = [0.3, -0.2, 0.5], bias = 0.1;
  const state = { "act.weight": f64([c], w), "act.bias": f64([1], [bias]) };
  const ref = (vec: number[]) => {
    const s = vec.reduce((a, v, i) => a + w[i] * v, 0) + bias;
    return vec.map((v) => v * phi(v + s));
  };
  const xt = values(12, 5, -2, 2);
  const want: number[] = [];
  for (let p = 0; p < 4; p++) want.push(...ref(Array.from(xt.subarray(p * c, p * c + c))));
  assertClose(
    "raa tokens",
    await forward("raa", siteFor([2, 2, c], "tokens"), {}, f64([2, 2, c], xt), state),
    want,
  );
  const xn = values(24, 6, -2, 2);
  const wantN = new Array<number>(24);
  for (let b = 0; b < 2; b++) {
    for (let p = 0; p < 4; p++) {
      const vec = [0, 1, 2].map((ch) => xn[b * 12 + ch * 4 + p]);
      ref(vec).forEach((y, ch) => (wantN[b * 12 + ch * 4 + p] = y));
    }
  }
  assertClose(
    "raa nchw",
    await forward("raa", siteFor([2, c, 2, 2], "nchw"), {}, f64([2, c, 2, 2], xn), state),
    wantN,
  );
});

Deno.test("raa base relu: max(0, x + w·x + b) (DNRT raa2.py), tokens and nchw", async () => {
  const c = 3;
  const w = [0.3, -0.2, 0.5], bias = -0.1;
  const state = { "act.weight": f64([c], w), "act.bias": f64([1], [bias]) };
  const ref = (vec: number[]) => {
    const s = vec.reduce((a, v, i) => a + w[i] * v, 0) + bias;
    return vec.map((v) => Math.max(0, v + s));
  };
  const xt = values(12, 5, -2, 2);
  const want: number[] = [];
  for (let p = 0; p < 4; p++) want.push(...ref(Array.from(xt.subarray(p * c, p * c + c))));
  const relu = { base: "relu" };
  const tokens = await forward(
    "raa",
    siteFor([2, 2, c], "tokens"),
    relu,
    f64([2, 2, c], xt),
    state,
  );
  assertClose("raa relu tokens", tokens, want);
  // The output is the shifted input, not x gated by (x + s > 0).
  assert.ok(
    Array.from(tokens).some((y, i) => y > 0 && Math.abs(y - xt[i]) > 0.1),
    "the shift shows in the output",
  );
  const xn = values(24, 6, -2, 2);
  const wantN = new Array<number>(24);
  for (let b = 0; b < 2; b++) {
    for (let p = 0; p < 4; p++) {
      const vec = [0, 1, 2].map((ch) => xn[b * 12 + ch * 4 + p]);
      ref(vec).forEach((y, ch) => (wantN[b * 12 + ch * 4 + p] = y));
    }
  }
  assertClose(
    "raa relu nchw",
    await forward("raa", siteFor([2, c, 2, 2], "nchw"), relu, f64([2, c, 2, 2], xn), state),
    wantN,
  );
  // Zero-initialised it is ReLU; `raa:relu` is this form as a compare arm.
  const site: Site = { channels: PTS.length, layout: "features", pooling: "avg" };
  assertClose(
    "raa relu at init",
    await forward("raa", site, relu, f64([1, PTS.length], PTS)),
    PTS.map((v) => Math.max(v, 0)),
  );
  const control = getActivation("raa").controls?.find((k) => k.name === "relu");
  assert.deepEqual(control?.options, { base: "relu" });
  assert.throws(
    () => getActivation("raa").create(site, { base: "tanh" }),
    /raa: option base = "tanh" is invalid[\s\S]*one of gelu, relu/,
  );
});

Deno.test("relu6: saturates at 6; gradient 1 strictly inside (0, 6), 0 at both ends (PyTorch)", async () => {
  const x = [-1, 0, 3, 5.9, 6, 6.5, 100];
  const g = new Graph();
  const xi = g.input("x", [1, x.length]);
  const ctx = new BuildContext({ graph: g, phase: "eval", batchSize: 1, numClasses: 3 });
  const site: Site = { channels: x.length, layout: "features", pooling: "avg" };
  const y = getActivation("relu6").create(site, {}).apply(ctx.scope("act"), xi);
  g.output("y", y);
  g.output("g", grad(g, sum(y), [xi]).grads[0]);
  const out = await (await referenceBackend.compile(g, { precision: "f64" })).run({
    x: f64([1, x.length], x),
  });
  assertClose("relu6", out.y.data, [0, 0, 3, 5.9, 6, 6, 6], 0);
  assertClose("relu6'", out.g.data, [0, 0, 1, 1, 0, 0, 0], 0);
});

Deno.test("raa base relu: closed-form gradients in x, w and b", async () => {
  // y_c = max(0, x_c + s), s = Σ_d w_d x_d + b: dy_c/dx_d = 1[x_c + s > 0]·(δ_cd + w_d),
  // dy_c/dw_d = 1[x_c + s > 0]·x_d, dy_c/db = 1[x_c + s > 0].
  const c = 3;
  const w = [0.3, -0.2, 0.5], bias = -0.1;
  const x = [0.8, -0.4, 0.3, -1.2, 0.9, -0.5];
  const r = [0.5, -1.5, 2, 1, -0.25, 0.75];
  const g = new Graph();
  const xi = g.input("x", [2, c]);
  const ctx = new BuildContext({ graph: g, phase: "eval", batchSize: 2, numClasses: 3 });
  const site: Site = { channels: c, layout: "features", pooling: "avg" };
  const y = getActivation("raa").create(site, { base: "relu" }).apply(ctx.scope("act"), xi);
  const loss = sum(mul(y, constant(y, f64([2, c], r))));
  const params = ctx.record.params.map((p) => p.tensor);
  const { grads } = grad(g, loss, [xi, ...params]);
  grads.forEach((t, i) => g.output(`g${i}`, t));
  const exe = await referenceBackend.compile(g, { precision: "f64" });
  await exe.writeState({ "act.weight": f64([c], w), "act.bias": f64([1], [bias]) });
  const out = await exe.run({ x: f64([2, c], x) });
  const gx: number[] = [], gw = [0, 0, 0];
  let gb = 0;
  for (let b = 0; b < 2; b++) {
    const v = x.slice(b * c, b * c + c);
    const s = v.reduce((a, xv, i) => a + w[i] * xv, 0) + bias;
    const on = v.map((xv) => (xv + s > 0 ? 1 : 0));
    const ro = on.map((o, k) => o * r[b * c + k]); // r_c·1[x_c + s > 0]
    const sumRo = ro.reduce((a, t) => a + t, 0);
    for (let d = 0; d < c; d++) gx.push(ro[d] + w[d] * sumRo);
    for (let d = 0; d < c; d++) gw[d] += v[d] * sumRo;
    gb += sumRo;
  }
  assertClose("dL/dx", out.g0.data, gx, 1e-12);
  assertClose("dL/dw", out.g1.data, gw, 1e-12);
  assertClose("dL/db", out.g2.data, [gb], 1e-12);
});

// ---- finite-difference gradients ------------------------------------------------------------

Deno.test("finite differences: stateless activations", async () => {
  const shape = [2, 3, 4];
  const site = siteFor(shape, "tokens");
  for (const name of ["relu", "gelu", "silu", "softplus", "elu", "selu", "mish"]) {
    await fdCheck(activationFd(name, site, shape, values(24, 11, -3, 3)));
  }
  // relu6 on [-2, 9]: both kinks (0 and 6) inside the range, every point off them.
  {
    await fdCheck(activationFd("relu6", site, shape, values(24, 12, -2, 9, [0, 6])));
  }
});

Deno.test("finite differences: gdn and raa (inputs and parameters)", async () => {
  for (
    const [layout, shape] of [["tokens", [2, 2, 3]], ["nchw", [2, 3, 2, 2]], ["features", [
      3,
      3,
    ]]] as const
  ) {
    const site = siteFor([...shape], layout);
    const n = sizeOf(shape);
    await fdCheck(
      activationFd("gdn", site, [...shape], values(n, 21, -2, 2), {}, {
        "act.beta": f64([3], [1.1, 0.6, 0.9]),
        "act.gamma": f64([3, 3], [0.4, 0.1, 0.2, 0.15, 0.5, 0.05, 0.3, 0.2, 0.35]),
      }),
    );
    await fdCheck(
      activationFd("raa", site, [...shape], values(n, 22, -2, 2), {}, {
        "act.weight": f64([3], [0.3, -0.4, 0.2]),
        "act.bias": f64([1], [-0.15]),
      }),
    );
    const x = values(n, 23, -2, 2);
    const raaState = { "act.weight": f64([3], [0.3, -0.4, 0.2]), "act.bias": f64([1], [-0.15]) };
    assert.ok(
      minShiftedMargin(x, [...shape], layout, [0.3, -0.4, 0.2], -0.15) > 0.01,
      "off the kink",
    );
    await fdCheck(activationFd("raa", site, [...shape], x, { base: "relu" }, raaState));
  }
});

/** min |x_c + wᵀx + b| over positions: how far `raa`'s ReLU form is from its kink. */
function minShiftedMargin(
  x: Float64Array,
  shape: number[],
  layout: Site["layout"],
  w: number[],
  b: number,
): number {
  const c = w.length;
  // Channel stride: 1 for tokens/features ([…, C]); H·W for nchw.
  const stride = layout === "nchw" ? shape[2] * shape[3] : 1;
  const block = layout === "nchw" ? c * stride : c;
  let margin = Infinity;
  for (let base = 0; base < x.length; base += block) {
    for (let p = 0; p < (layout === "nchw" ? stride : 1); p++) {
      const vec = w.map((_, k) => x[base + p + k * stride]);
      const s = vec.reduce((a, v, k) => a + w[k] * v, b);
      for (const v of vec) margin = Math.min(margin, Math.abs(v + s));
    }
  }
  return margin;
}

Deno.test("finite differences: dpa TAU (eval, tau 0.3)", async () => {
  const shape = [2, 3, 4];
  await fdCheck(
    activationFd("dpa", siteFor(shape, "tokens", "token"), shape, values(24, 31, -2, 2, [0.3]), {
      tau: 0.3,
    }),
  );
});

/** Train-phase DPA: loss = Σ y·R + λ·channel loss, with preset memories so the mask fires. */
function dpaTrainFd(site: Site, shape: number[], step: number, seed: number): FdSpec {
  const tau = 0.3, k = 3, b = shape[0], c = site.channels;
  const labels = Int32Array.from({ length: b }, (_, i) => [0, 2, 0, 1, 2][i % 5]);
  const r = values(sizeOf(shape), seed + 1, -1, 1, []);
  // Forward memory mostly below τ, backward memory mostly negative and a small momentum
  // (so a sample does not dominate its own view on the update step): the mask fires.
  const fMem = values(k * c, seed + 2, -1.5, 0.6, [tau]);
  const gMem = values(k * c, seed + 3, -1, 0.3);
  return {
    name: `dpa train (${site.layout}/${site.pooling}, step ${step})`,
    feeds: {
      x: f64(shape, values(sizeOf(shape), seed, -2, 2, [tau])),
      labels: hostTensor("i32", [b], labels),
    },
    state: { "dpa.forward_memory": f64([k, c], fMem), "dpa.backward_memory": f64([k, c], gMem) },
    maxPoints: 60,
    build: (g) => {
      const x = g.input("x", shape);
      const lab = g.input("labels", [b], "i32");
      const ctx = new BuildContext({
        graph: g,
        phase: "train",
        batchSize: b,
        numClasses: k,
        labels: lab,
      });
      const dpa = getActivation("dpa").create(site, {
        tau,
        updateInterval: 2,
        momentum: 0.3,
      }) as DpaActivation;
      const y = dpa.apply(ctx.scope("dpa"), x);
      const { total } = finishTrainStep(ctx, sum(mul(y, constant(y, f64(shape, r)))), []);
      g.output("masked", dpa.trace!.denominator);
      const feeds = hostFeedValues(ctx.record, { labels, step, numClasses: k, seed: 0 });
      return { loss: total, wrt: [x], feeds };
    },
  };
}

Deno.test("finite differences: dpa through TAU and the channel loss (train phase)", async () => {
  const cases: [Site, number[]][] = [
    [{ channels: 4, layout: "tokens", pooling: "token" }, [5, 3, 4]],
    [{ channels: 4, layout: "tokens", pooling: "avg" }, [5, 3, 4]],
    [{ channels: 3, layout: "nchw", pooling: "avg" }, [5, 3, 2, 2]],
    [{ channels: 4, layout: "features", pooling: "avg" }, [5, 4]],
  ];
  for (const [i, [site, shape]] of cases.entries()) {
    for (const step of [0, 1]) { // U = 2: step 0 keeps the memories, step 1 updates them
      const out = await fdCheck(dpaTrainFd(site, shape, step, 40 + 10 * i));
      assert.ok(
        out.masked.data[0] > 0,
        `${site.layout}/${site.pooling} step ${step}: the mask fires`,
      );
    }
  }
});

// ---- DPA memories on an nchw site -----------------------------------------------------------

Deno.test("dpa nchw: memories from spatial means of x and of the gradient, sequential EMA", async () => {
  const [b, c, h, w, k, m] = [5, 3, 2, 2, 2, 0.9];
  const shape = [b, c, h, w];
  const labels = Int32Array.from([1, 0, 1, 1, 0]);
  const xv = values(b * c * h * w, 61, -2, 2);
  const gv = values(b * c * h * w, 62, -1, 1);
  const g = new Graph();
  const x = g.input("x", shape);
  const up = g.input("g", shape);
  const lab = g.input("labels", [b], "i32");
  const ctx = new BuildContext({
    graph: g,
    phase: "train",
    batchSize: b,
    numClasses: k,
    labels: lab,
  });
  const dpa = getActivation("dpa").create({ channels: c, layout: "nchw", pooling: "avg" }, {
    updateInterval: 1,
  }) as DpaActivation;
  const y = dpa.apply(ctx.scope("dpa"), x);
  finishTrainStep(ctx, sum(mul(y, up)), []);
  g.output("fb", dpa.trace!.forwardView!);
  const exe = await referenceBackend.compile(g);
  const f0 = values(k * c, 63, -1, 1), g0 = values(k * c, 64, -1, 1);
  await exe.writeState({
    "dpa.forward_memory": f64([k, c], f0),
    "dpa.backward_memory": f64([k, c], g0),
  });
  const out = await exe.run({
    x: f64(shape, xv),
    g: f64(shape, gv),
    labels: hostTensor("i32", [b], labels),
    ...hostFeedValues(ctx.record, { labels, step: 0, numClasses: k, seed: 0 }),
  });
  // Plain sequential loop, as the reference does it.
  const fm = Array.from(f0), gm = Array.from(g0), fb: number[] = [];
  const hw = h * w;
  const spatialMean = (d: Float64Array, bi: number, ch: number) => {
    let s = 0;
    for (let p = 0; p < hw; p++) s += d[(bi * c + ch) * hw + p];
    return s / hw;
  };
  for (let bi = 0; bi < b; bi++) {
    const kk = labels[bi];
    for (let ch = 0; ch < c; ch++) {
      fm[kk * c + ch] += m * (spatialMean(xv, bi, ch) - fm[kk * c + ch]);
      fb.push(fm[kk * c + ch]);
      const s = spatialMean(gv, bi, ch) > 0 ? 1 : -1; // ∂(Σ y·g)/∂y = g
      gm[kk * c + ch] += m * (s - gm[kk * c + ch]);
    }
  }
  assertClose("fb", out.fb.data, fb, 1e-6);
  const st = await exe.readState();
  assertClose("forward memory", st["dpa.forward_memory"].data, fm, 1e-6);
  assertClose("backward memory", st["dpa.backward_memory"].data, gm, 1e-6);
});
