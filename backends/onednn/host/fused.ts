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
import { ActlabError } from "../../../core/errors.ts";
import type { KernelRun } from "../../reference/kernel.ts";
import {
  checkedSiblings,
  FUSED_OP,
  type FusedProgram,
  type FusedStep,
  reductionsOf,
  storesOf,
  varyingSteps,
} from "../fuse_loops.ts";
import { registerHostKernel } from "../kernel.ts";
import { generated } from "./codegen.ts";
import { fusedNest, mergedReductions, reducedCount, reducedOutputs } from "../fused_nest.ts";

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

/**
 * Compile the loop of `program` over `inputs`: its leaves, then the sibling
 * nodes whose values it also stores or accumulates (a merged map,
 * `storesOf`, `reductionsOf`).
 */
export function fusedKernel(program: FusedProgram, inputs: readonly Node[]): KernelRun {
  const { kind, steps } = program;
  const reduce = kind !== "map";
  const stores = storesOf(program);
  const reductions = reductionsOf(program);
  const leaves = inputs.slice(0, inputs.length - (stores.length - 1));
  const n = leaves.length;
  // (The planner passes every sibling a merged map stores: see checkedSiblings.)
  const nest = fusedNest(program, leaves.map((l) => l.shape));
  const cs = nest.colStrides;
  const stepVaries = varyingSteps(steps, cs.slice(1, 1 + n));
  // A reduction without steps sums its one leaf.
  const last = steps.length > 0 ? `t${steps.length - 1}` : "l0";
  // Each merged reduction's output k and its accumulator r (operand 1 + n + r of the nest).
  const accs = reductions.flatMap((red, k) => (red ? [k] : [])).map((k, r) => ({ k, r }));
  const flat = nest.bases[0].length === 1 && nest.rows === 1 && nest.bases.every((b) => b[0] === 0);
  const at = (j: number) => (flat ? "i" : `o${j} + i`);
  // A spread leaf reads its tensor, or a row of zeros `Z`, per outer position (`M<j>`, `Q<j>`).
  const spreads = program.spreads ?? [];
  const arr = (j: number) => (spreads[j] ? `M${j}` : `L${j}`);
  const rowLoads = leaves.map((_, j) => (cs[j + 1] === 0 ? `const l${j} = ${arr(j)}[o${j}];` : ""));
  const colLoads = leaves.map((_, j) =>
    cs[j + 1] === 1 ? `const l${j} = ${arr(j)}[${at(j)}];` : ""
  );
  const rowSteps = steps.map((s, j) => (stepVaries[j] ? "" : `const t${j} = ${stepCode(s)};`));
  const colSteps = steps.map((s, j) => (stepVaries[j] ? `const t${j} = ${stepCode(s)};` : ""));
  // A merged reduction adds its step into its accumulator: along a reduced row into a running
  // sum (ascending, as the reference adds), along a kept row into one accumulator per column.
  const reduced = (r: number) => cs[1 + n + r] === 0;
  const accOpen = accs.map(({ r }) => (reduced(r) ? `let s${r} = A${r}[a${r}];` : "")).join(" ");
  const accAdd = accs.map(({ k, r }) =>
    reduced(r) ? `s${r} += t${stores[k]};` : `A${r}[a${r} + i] += t${stores[k]};`
  ).join(" ");
  const accClose = accs.map(({ r }) => (reduced(r) ? `A${r}[a${r}] = s${r};` : "")).join(" ");
  const inner = (store: string) =>
    `for (let i = 0; i < cols; i++) {\n${colLoads.join(" ")}\n${colSteps.join("\n")}\n${store}\n}`;
  let row: string;
  // A merged map's other outputs share the output's layout: the same offset in each.
  const at0 = flat ? "i" : "oo + i";
  if (!reduce) {
    const put = stores.map((st, k) =>
      reductions[k] ? "" : `${k === 0 ? "o" : `X${k}`}[${at0}] = t${st};`
    );
    row = `${accOpen}\n${inner(`${put.join(" ")} ${accAdd}`)}\n${accClose}`;
  } else if (cs[0] === 0) row = `let s = acc[oo];\n${inner(`s += ${last};`)}\nacc[oo] = s;`;
  else row = inner(`acc[oo + i] += ${last};`);
  const divided = (out: string, a: string, mean: boolean) =>
    `for (let i = 0; i < ${out}.length; i++) ${out}[i] = ${a}[i]${mean ? " / div" : ""};`;
  const body = `
  ${leaves.map((_, j) => `const L${j} = ins[${j}];`).join(" ")}
  ${stores.slice(1).map((_, k) => `const X${k + 1} = ins[${n + k}];`).join(" ")}
  ${reduce ? "acc.fill(0);" : ""}
  ${accs.map(({ r }) => `const A${r} = macc[${r}]; A${r}.fill(0);`).join(" ")}
  const OB = bases[0], OR = rs[0];
  ${leaves.map((_, j) => `const B${j} = bases[${j + 1}], R${j} = rs[${j + 1}];`).join(" ")}
  ${accs.map(({ r }) => `const AB${r} = bases[${1 + n + r}], AR${r} = rs[${1 + n + r}];`).join(" ")}
  for (let j = 0; j < count; j++) {
    let oo = OB[j]; ${
    leaves.map((_, j) =>
      spreads[j]
        ? `const S${j} = B${j}[j] < 0, M${j} = S${j} ? Z : L${j}, Q${j} = S${j} ? 0 : R${j};
           let o${j} = S${j} ? 0 : B${j}[j];`
        : `let o${j} = B${j}[j];`
    ).join(" ")
  }
    ${accs.map(({ r }) => `let a${r} = AB${r}[j];`).join(" ")}
    for (let r = 0; r < rows; r++) {
      ${rowLoads.join(" ")}
      ${rowSteps.join("\n")}
      ${row}
      oo += OR; ${leaves.map((_, j) => `o${j} += ${spreads[j] ? "Q" : "R"}${j};`).join(" ")}
      ${accs.map(({ r }) => `a${r} += AR${r};`).join(" ")}
    }
  }
  ${reduce ? divided("o", "acc", kind === "mean") : ""}
  ${
    accs.map(({ k, r }) =>
      `{ const div = mdiv[${r}]; ${divided(`X${k}`, `A${r}`, reductions[k]!.kind === "mean")} }`
    ).join("\n")
  }`;
  const name = `host_fused_${kind}_${leaves.map((l) => l.dtype).join("_")}_x${stores.length}${
    flat ? "_flat" : ""
  }`;
  const fn = generated(
    name,
    ["o", "ins", "bases", "count", "rows", "cols", "rs", "acc", "div", "macc", "mdiv", "Z"],
    body,
  );
  const { bases, rows, cols, rowStrides } = nest;
  const count = bases[0].length;
  const acc = reduce ? new Float64Array(reducedOutputs(program)) : null;
  const div = reducedCount(program);
  const merged = mergedReductions(program).map((r) => ({ domain: program.domain, axes: r.axes }));
  const macc = merged.map((r) => new Float64Array(reducedOutputs(r)));
  const mdiv = merged.map((r) => reducedCount(r));
  // What a spread leaf reads outside its cover.
  const zeros = program.spreads ? new Float32Array(cols) : null;
  return (out: TensorData, ins: readonly TensorData[]) =>
    fn(out, ins, bases, count, rows, cols, rowStrides, acc, div, macc, mdiv, zeros);
}

registerHostKernel(FUSED_OP, (node, inputs) => {
  const program = JSON.parse(node.attrs.program as string) as FusedProgram;
  checkedSiblings(node, program, inputs);
  return fusedKernel(program, inputs);
});
