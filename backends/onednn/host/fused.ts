/**
 * The host kernel of a `fused` node (see ../fuse_loops.ts): one generated
 * loop over the group's domain that reads each leaf in place (broadcast
 * strides, merged by nest.ts), computes the steps per element — steps that
 * read only row-invariant operands hoisted out of the row — and stores the
 * last step (`map`) or adds it into a float64 accumulator per output
 * (`sum` / `mean`, the domain walked in row-major order, so each output adds
 * its inputs in ascending input index from 0, as the reference does).
 *
 * Formulas are the reference kernels' closures (backends/reference/kernels/
 * elementwise.ts) written out; where the reference stores an f32 result the
 * loop rounds it with `Math.fround` (arithmetic, `sqrt`, casts from i32),
 * and where a result is already a float32 or a 0/1 flag (selects,
 * comparisons, `neg`, `abs`, `sign`) it does not need to. So every
 * intermediate has the value the reference's buffer would hold, and the
 * result is the reference's bit for bit, NaN and −0 included.
 * @module
 */
import type { Node } from "../../../core/graph.ts";
import type { TensorData } from "../../../core/host_tensor.ts";
import { broadcastStrides, stridesOf } from "../../../core/shape.ts";
import { ActlabError } from "../../../core/errors.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import {
  checkedSiblings,
  FUSED_OP,
  type FusedProgram,
  type FusedStep,
  storesOf,
  varyingSteps,
} from "../fuse_loops.ts";
import { registerHostKernel } from "../kernel.ts";
import { generated } from "./codegen.ts";
import { mergeAxes, type Nest, nestOf } from "./nest.ts";

/** Steps whose f32 result the reference rounds to float32 when it stores it. */
const ROUNDED: ReadonlySet<string> = new Set([
  "add",
  "sub",
  "mul",
  "div",
  "square",
  "sqrt",
  "rsqrt",
]);

/** The expression of one step, before rounding. */
function formula(s: FusedStep): string {
  const [a, b, c] = s.args;
  switch (s.op) {
    case "add":
      return `${a} + ${b}`;
    case "sub":
      return `${a} - ${b}`;
    case "mul":
      return `${a} * ${b}`;
    case "div":
      return `${a} / ${b}`;
    case "maximum":
      return `(${a} >= ${b} || ${a} !== ${a} ? ${a} : ${b})`;
    case "minimum":
      return `(${a} <= ${b} || ${a} !== ${a} ? ${a} : ${b})`;
    case "lt":
      return `+(${a} < ${b})`;
    case "le":
      return `+(${a} <= ${b})`;
    case "gt":
      return `+(${a} > ${b})`;
    case "ge":
      return `+(${a} >= ${b})`;
    case "eq":
      return `+(${a} === ${b})`;
    case "neg":
      return `-${a}`;
    case "abs":
      return `Math.abs(${a})`;
    case "sign":
      return `(+(${a} > 0) - +(${a} < 0))`;
    case "square":
      return `${a} * ${a}`;
    case "sqrt":
      return `Math.sqrt(${a})`;
    case "rsqrt":
      return `1 / Math.sqrt(${a})`;
    case "where":
      return `(${a} ? ${b} : ${c})`;
    case "threshold":
      return `(${a} ${s.inclusive ? ">=" : ">"} ${s.p} ? ${a} : 0)`;
    case "cast":
      if (s.dtype === "bool") return `+(${a} !== 0)`;
      return s.argDtypes[0] === "i32" ? `Math.fround(${a})` : a;
    case "broadcast_to":
    case "stop_gradient":
      return a;
  }
  throw new ActlabError(`fused loop: no formula for op "${s.op}"`, "a bug in fuse_loops.ts");
}

function stepCode(s: FusedStep): string {
  const f = formula(s);
  return s.dtype === "f32" && ROUNDED.has(s.op) ? `Math.fround(${f})` : f;
}

/** The reduced-axes output strides of a reduction over `axes` of `domain` (0 on reduced axes). */
function accumulatorStrides(domain: readonly number[], axes: readonly number[]): number[] {
  const kept = domain.map((d, i) => (axes.includes(i) ? 1 : d));
  return stridesOf(kept).map((st, i) => (axes.includes(i) ? 0 : st));
}

/**
 * The loop nest of `program` over `leaves`: operand 0 is the output (or, for
 * a reduction, its accumulator, stride 0 along reduced axes), then each leaf
 * at its broadcast strides; every column stride is 0 or 1.
 */
export function fusedNest(program: FusedProgram, leaves: readonly Node[]): Nest {
  const { kind, domain, axes } = program;
  const outStrides = kind !== "map" ? accumulatorStrides(domain, axes) : stridesOf(domain);
  const m = mergeAxes(domain, [
    outStrides,
    ...leaves.map((l) => broadcastStrides(l.shape, domain)),
  ]);
  const nest = nestOf(m.dims, m.strides);
  if (nest.colStrides.some((s) => s !== 0 && s !== 1)) {
    throw new ActlabError(
      `fused loop: leaves ${
        leaves.map((l) => `[${l.shape}]`).join(" ")
      } are not broadcasts of [${domain}]`,
      "a bug in fuse_loops.ts",
    );
  }
  return nest;
}

/** How many outputs a reduction `program` has (the product of the kept axes). */
export function reducedOutputs(program: FusedProgram): number {
  let n = 1;
  program.domain.forEach((d, i) => (n *= program.axes.includes(i) ? 1 : d));
  return n;
}

/** The count a `mean` divides by (the product of the reduced axes). */
export function reducedCount(program: FusedProgram): number {
  let n = 1;
  for (const ax of program.axes) n *= program.domain[ax];
  return n;
}

/**
 * Compile the loop of `program` over `inputs`: its leaves, then the sibling
 * nodes whose values it also stores (a merged map, `storesOf`).
 */
export function fusedKernel(program: FusedProgram, inputs: readonly Node[]): KernelRun {
  const { kind, steps } = program;
  const reduce = kind !== "map";
  const stores = storesOf(program);
  const leaves = inputs.slice(0, inputs.length - (stores.length - 1));
  // (The planner passes every sibling a merged map stores: see checkedSiblings.)
  const nest = fusedNest(program, leaves);
  const cs = nest.colStrides;
  const stepVaries = varyingSteps(steps, cs.slice(1));
  // A reduction without steps sums its one leaf.
  const last = steps.length > 0 ? `t${steps.length - 1}` : "l0";
  const flat = nest.bases[0].length === 1 && nest.rows === 1 && nest.bases.every((b) => b[0] === 0);
  const at = (j: number) => (flat ? "i" : `o${j} + i`);
  const rowLoads = leaves.map((_, j) => (cs[j + 1] === 0 ? `const l${j} = L${j}[o${j}];` : ""));
  const colLoads = leaves.map((_, j) => (cs[j + 1] === 1 ? `const l${j} = L${j}[${at(j)}];` : ""));
  const rowSteps = steps.map((s, j) => (stepVaries[j] ? "" : `const t${j} = ${stepCode(s)};`));
  const colSteps = steps.map((s, j) => (stepVaries[j] ? `const t${j} = ${stepCode(s)};` : ""));
  const inner = (store: string) =>
    `for (let i = 0; i < cols; i++) {\n${colLoads.join(" ")}\n${colSteps.join("\n")}\n${store}\n}`;
  let row: string;
  // A merged map's other outputs share the output's layout: the same offset in each.
  const at0 = flat ? "i" : "oo + i";
  if (!reduce) {
    row = inner(stores.map((st, k) => `${k === 0 ? "o" : `X${k}`}[${at0}] = t${st};`).join(" "));
  } else if (cs[0] === 0) row = `let s = acc[oo];\n${inner(`s += ${last};`)}\nacc[oo] = s;`;
  else row = inner(`acc[oo + i] += ${last};`);
  const body = `
  ${leaves.map((_, j) => `const L${j} = ins[${j}];`).join(" ")}
  ${stores.slice(1).map((_, k) => `const X${k + 1} = ins[${leaves.length + k}];`).join(" ")}
  ${reduce ? "acc.fill(0);" : ""}
  const OB = bases[0], OR = rs[0];
  ${leaves.map((_, j) => `const B${j} = bases[${j + 1}], R${j} = rs[${j + 1}];`).join(" ")}
  for (let j = 0; j < count; j++) {
    let oo = OB[j]; ${leaves.map((_, j) => `let o${j} = B${j}[j];`).join(" ")}
    for (let r = 0; r < rows; r++) {
      ${rowLoads.join(" ")}
      ${rowSteps.join("\n")}
      ${row}
      oo += OR; ${leaves.map((_, j) => `o${j} += R${j};`).join(" ")}
    }
  }
  ${
    kind === "sum"
      ? "for (let i = 0; i < o.length; i++) o[i] = acc[i];"
      : kind === "mean"
      ? "for (let i = 0; i < o.length; i++) o[i] = acc[i] / div;"
      : ""
  }`;
  const name = `host_fused_${kind}_${leaves.map((l) => l.dtype).join("_")}_x${stores.length}${
    flat ? "_flat" : ""
  }`;
  const fn = generated(
    name,
    ["o", "ins", "bases", "count", "rows", "cols", "rs", "acc", "div"],
    body,
  );
  const { bases, rows, cols, rowStrides } = nest;
  const count = bases[0].length;
  const acc = reduce ? new Float64Array(reducedOutputs(program)) : null;
  const div = reducedCount(program);
  return (out: TensorData, ins: readonly TensorData[]) =>
    fn(out, ins, bases, count, rows, cols, rowStrides, acc, div);
}

registerHostKernel(FUSED_OP, (node, inputs) => {
  const program = JSON.parse(node.attrs.program as string) as FusedProgram;
  checkedSiblings(node, program, inputs);
  return fusedKernel(program, inputs);
});
