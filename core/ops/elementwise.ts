/**
 * Elementwise ops with numpy broadcasting: arithmetic, transcendental,
 * comparisons, `where`, `cast`, `pow` (scalar exponent).
 * @module
 */
import type { Attrs, Tensor } from "../graph.ts";
import type { DType } from "../host_tensor.ts";
import { attrError, defineOp, type TensorInfo } from "../op_def.ts";
import { broadcastShapes } from "../shape.ts";
import { sumTo } from "./reduce.ts";
import { scalar } from "./source.ts";

/** A tensor or a plain number (lifted to a scalar of the other operand's dtype). */
export type TensorLike = Tensor | number;

function lift(x: TensorLike, like: Tensor): Tensor {
  return typeof x === "number" ? scalar(like, x) : x;
}

function pair(a: TensorLike, b: TensorLike, op: string): [Tensor, Tensor] {
  if (typeof a === "number" && typeof b === "number") {
    return attrError(op, "needs at least one tensor operand", "pass a Tensor");
  }
  const ta = typeof a === "number" ? lift(a, b as Tensor) : a;
  return [ta, lift(b, ta)];
}

function numeric(op: string, ins: readonly TensorInfo[]): DType {
  const d = ins[0].dtype;
  for (const t of ins) {
    if (t.dtype !== d || d === "bool") {
      return attrError(
        op,
        `needs numeric operands of one dtype, got ${ins.map((i) => i.dtype).join(" and ")}`,
        "cast the operands to a common dtype (f32 or i32) first",
      );
    }
  }
  return d;
}

function floatOnly(op: string, ins: readonly TensorInfo[]): DType {
  for (const t of ins) {
    if (t.dtype !== "f32") {
      return attrError(op, `needs f32 operands, got ${t.dtype}`, "cast to f32 first");
    }
  }
  return "f32";
}

// ---- binary arithmetic -------------------------------------------------------------------

function binary(
  name: string,
  vjp: (
    a: Tensor,
    b: Tensor,
    out: Tensor,
    g: Tensor,
    needs: readonly boolean[],
  ) => (Tensor | null)[],
): void {
  defineOp({
    name,
    arity: 2,
    infer: (ins) => ({
      shape: broadcastShapes(ins[0].shape, ins[1].shape, name),
      dtype: numeric(name, ins),
    }),
    vjp: ({ inputs: [a, b], output, grad, needs }) => {
      const [ga, gb] = vjp(a, b, output, grad, needs);
      return [ga && sumTo(ga, a.shape), gb && sumTo(gb, b.shape)];
    },
  });
}

binary("add", (_a, _b, _o, g) => [g, g]);
binary("sub", (_a, _b, _o, g, n) => [g, n[1] ? neg(g) : null]);
binary("mul", (a, b, _o, g, n) => [n[0] ? mul(g, b) : null, n[1] ? mul(g, a) : null]);
binary("div", (_a, b, o, g, n) => [n[0] ? div(g, b) : null, n[1] ? neg(div(mul(g, o), b)) : null]);
// Ties send the whole gradient to the first operand.
binary("maximum", (a, b, _o, g, n) => {
  const m = cast(ge(a, b), "f32");
  return [n[0] ? mul(g, m) : null, n[1] ? mul(g, sub(1, m)) : null];
});
binary("minimum", (a, b, _o, g, n) => {
  const m = cast(le(a, b), "f32");
  return [n[0] ? mul(g, m) : null, n[1] ? mul(g, sub(1, m)) : null];
});

/** a + b (broadcasting). */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = pair(a, b, "add");
  return x.graph.apply("add", [x, y]);
}
/** a − b (broadcasting). */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = pair(a, b, "sub");
  return x.graph.apply("sub", [x, y]);
}
/** a · b (broadcasting). */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = pair(a, b, "mul");
  return x.graph.apply("mul", [x, y]);
}
/** a / b (broadcasting; integer division truncates toward zero for i32). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = pair(a, b, "div");
  return x.graph.apply("div", [x, y]);
}
/** Elementwise maximum (broadcasting). */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = pair(a, b, "maximum");
  return x.graph.apply("maximum", [x, y]);
}
/** Elementwise minimum (broadcasting). */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = pair(a, b, "minimum");
  return x.graph.apply("minimum", [x, y]);
}

// ---- comparisons -------------------------------------------------------------------------

for (const name of ["lt", "le", "gt", "ge", "eq"]) {
  defineOp({
    name,
    arity: 2,
    infer: (ins) => {
      if (ins[0].dtype !== ins[1].dtype) numeric(name, ins);
      return { shape: broadcastShapes(ins[0].shape, ins[1].shape, name), dtype: "bool" };
    },
    // Piecewise constant: the gradient is zero almost everywhere.
    vjp: () => [null, null],
  });
}

function compare(name: string, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = pair(a, b, name);
  return x.graph.apply(name, [x, y]);
}
/** a < b as bool. */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return compare("lt", a, b);
}
/** a ≤ b as bool. */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return compare("le", a, b);
}
/** a > b as bool. */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return compare("gt", a, b);
}
/** a ≥ b as bool. */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return compare("ge", a, b);
}
/** a == b as bool. */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return compare("eq", a, b);
}

// ---- where, cast, pow --------------------------------------------------------------------

defineOp({
  name: "where",
  arity: 3,
  infer: ([c, a, b]) => {
    if (c.dtype !== "bool") {
      return attrError(
        "where",
        `condition must be bool, got ${c.dtype}`,
        "build it with a comparison or cast(x, 'bool')",
      );
    }
    const dtype = numeric("where", [a, b]);
    const shape = broadcastShapes(broadcastShapes(c.shape, a.shape, "where"), b.shape, "where");
    return { shape, dtype };
  },
  vjp: ({ inputs: [c, a, b], grad, needs }) => {
    const zero = scalar(grad, 0);
    return [
      null,
      needs[1] ? sumTo(where(c, grad, zero), a.shape) : null,
      needs[2] ? sumTo(where(c, zero, grad), b.shape) : null,
    ];
  },
});

/** cond ? a : b, elementwise with broadcasting. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = typeof a === "number" && typeof b === "number"
    ? [scalar(cond, a, "f32"), scalar(cond, b, "f32")]
    : pair(a, b, "where");
  return cond.graph.apply("where", [cond, x, y]);
}

/** Attributes of `threshold`. */
export interface ThresholdAttrs extends Attrs {
  /** The threshold τ, rounded to float32. */
  readonly tau: number;
  /** Whether x = τ passes (x ≥ τ) or not (x > τ). */
  readonly inclusive: boolean;
}

/**
 * `threshold`: the ReLU family's select-with-zero as one op, so that every
 * backend can run it as a single fast kernel (ORT: ThresholdedRelu) instead of
 * `where(cmp(x, τ), x, 0)`, whose ORT kernel makes three single-threaded passes.
 * Forward: x where x > τ (x ≥ τ when inclusive), else 0 — NaN gives 0, as
 * `where` would. Gradient: g · [x > τ] (TensorFlow's ReluGrad rule): equal to
 * `where`'s gradient for every finite g; a non-finite g at a closed position
 * gives NaN instead of 0. τ is rounded to float32, the precision x has.
 */
defineOp<ThresholdAttrs>({
  name: "threshold",
  arity: 1,
  attrs: (raw) => {
    if (typeof raw.tau !== "number" || !Number.isFinite(raw.tau)) {
      return attrError(
        "threshold",
        `tau must be a finite number, got ${JSON.stringify(raw.tau)}`,
        "pass tau: <number>",
      );
    }
    if (typeof raw.inclusive !== "boolean") {
      return attrError(
        "threshold",
        `inclusive must be a boolean, got ${JSON.stringify(raw.inclusive)}`,
        "pass inclusive: true (x >= tau passes) or false (x > tau passes)",
      );
    }
    return { tau: Math.fround(raw.tau), inclusive: raw.inclusive };
  },
  infer: (ins) => ({ shape: ins[0].shape, dtype: floatOnly("threshold", ins) }),
  vjp: ({ inputs: [x], grad, attrs }) => [
    mul(grad, cast(attrs.inclusive ? ge(x, attrs.tau) : gt(x, attrs.tau), "f32")),
  ],
});

/**
 * x where x > tau (x >= tau with `inclusive`), else 0; NaN gives 0. ReLU is
 * `threshold(x, 0)`, DPA's TAU `threshold(x, tau, true)`.
 */
export function threshold(x: Tensor, tau: number, inclusive = false): Tensor {
  return x.graph.apply("threshold", [x], { tau, inclusive });
}

/** Attributes of `cast`. */
export interface CastAttrs extends Attrs {
  /** Target dtype. */
  readonly dtype: DType;
}

defineOp<CastAttrs>({
  name: "cast",
  arity: 1,
  attrs: (raw) => {
    if (raw.dtype !== "f32" && raw.dtype !== "i32" && raw.dtype !== "bool") {
      return attrError(
        "cast",
        `dtype must be f32, i32 or bool; got ${JSON.stringify(raw.dtype)}`,
        "use f32, i32 or bool",
      );
    }
    return { dtype: raw.dtype };
  },
  infer: ([x], a) => ({ shape: x.shape, dtype: a.dtype }),
  // Only f32 → f32 carries a gradient; casts to/from integers are not differentiable.
  vjp: (
    { inputs: [x], output, grad },
  ) => [x.dtype === "f32" && output.dtype === "f32" ? grad : null],
});

/** Convert to `dtype` (f32→i32 truncates toward zero; to bool: nonzero → true). */
export function cast(x: Tensor, dtype: DType): Tensor {
  return x.graph.apply("cast", [x], { dtype });
}

/** Attributes of `pow`. */
export interface PowAttrs extends Attrs {
  /** The scalar exponent. */
  readonly exponent: number;
}

defineOp<PowAttrs>({
  name: "pow",
  arity: 1,
  attrs: (raw) => {
    if (typeof raw.exponent !== "number" || !Number.isFinite(raw.exponent)) {
      return attrError(
        "pow",
        `exponent must be a finite number, got ${JSON.stringify(raw.exponent)}`,
        "pass exponent: <number>",
      );
    }
    return { exponent: raw.exponent };
  },
  infer: (ins) => ({ shape: ins[0].shape, dtype: floatOnly("pow", ins) }),
  vjp: ({ inputs: [x], grad, attrs }) => [
    attrs.exponent === 0 ? null : mul(grad, mul(pow(x, attrs.exponent - 1), attrs.exponent)),
  ],
});

/** x^p for a scalar exponent p. */
export function pow(x: Tensor, exponent: number): Tensor {
  return x.graph.apply("pow", [x], { exponent });
}

// ---- unary -------------------------------------------------------------------------------

function unary(
  name: string,
  floatsOnly: boolean,
  vjp?: (x: Tensor, y: Tensor, g: Tensor) => Tensor | null,
): void {
  defineOp({
    name,
    arity: 1,
    infer: (ins) => ({
      shape: ins[0].shape,
      dtype: floatsOnly ? floatOnly(name, ins) : numeric(name, ins),
    }),
    vjp: vjp && (({ inputs: [x], output, grad }) => [vjp(x, output, grad)]),
  });
}

unary("neg", false, (_x, _y, g) => neg(g));
unary("abs", false, (x, _y, g) => mul(g, sign(x)));
unary("sign", false, () => null);
unary("square", false, (x, _y, g) => mul(g, mul(x, 2)));
unary("sqrt", true, (_x, y, g) => div(g, mul(y, 2)));
unary("rsqrt", true, (_x, y, g) => mul(g, mul(pow(y, 3), -0.5)));
unary("exp", true, (_x, y, g) => mul(g, y));
unary("log", true, (x, _y, g) => div(g, x));
unary("erf", true, (x, _y, g) => mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI))));
unary("tanh", true, (_x, y, g) => mul(g, sub(1, square(y))));
unary("sigmoid", true, (_x, y, g) => mul(g, mul(y, sub(1, y))));
unary("softplus", true, (x, _y, g) => mul(g, sigmoid(x)));

/** −x. */
export function neg(x: Tensor): Tensor {
  return x.graph.apply("neg", [x]);
}
/** |x|. */
export function abs(x: Tensor): Tensor {
  return x.graph.apply("abs", [x]);
}
/** sign(x) ∈ {−1, 0, 1}. */
export function sign(x: Tensor): Tensor {
  return x.graph.apply("sign", [x]);
}
/** x². */
export function square(x: Tensor): Tensor {
  return x.graph.apply("square", [x]);
}
/** √x. */
export function sqrt(x: Tensor): Tensor {
  return x.graph.apply("sqrt", [x]);
}
/** 1/√x. */
export function rsqrt(x: Tensor): Tensor {
  return x.graph.apply("rsqrt", [x]);
}
/** eˣ. */
export function exp(x: Tensor): Tensor {
  return x.graph.apply("exp", [x]);
}
/** ln x. */
export function log(x: Tensor): Tensor {
  return x.graph.apply("log", [x]);
}
/** The error function. */
export function erf(x: Tensor): Tensor {
  return x.graph.apply("erf", [x]);
}
/** tanh x. */
export function tanh(x: Tensor): Tensor {
  return x.graph.apply("tanh", [x]);
}
/** 1/(1+e⁻ˣ). */
export function sigmoid(x: Tensor): Tensor {
  return x.graph.apply("sigmoid", [x]);
}
/** ln(1+eˣ), computed stably. */
export function softplus(x: Tensor): Tensor {
  return x.graph.apply("softplus", [x]);
}
