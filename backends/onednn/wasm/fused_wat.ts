/**
 * A fused loop (../fuse_loops.ts) as a WebAssembly SIMD function, in the
 * WebAssembly text format (assembled by assemble.ts). The JavaScript loop of
 * host/fused.ts runs ≈ 3 ns per element on a 4-op group; the same group in
 * f32x4 lanes runs at memory speed (≈ 0.75 ns, measured on a 2.46 M-element
 * `ge, cast, mul, add` group, Intel Xeon, one core).
 *
 * The function walks one position of the nest's outer axes: `rows` rows of
 * `cols` elements, each operand at a byte address advanced by its row stride
 * per row and read along the row with column stride 1 (`v128.load` of four
 * elements) or 0 (loaded once per row and splat). Steps that read only
 * row-invariant operands are computed once per row. Four elements per
 * vector iteration, then a scalar tail with the same formulas.
 *
 * Every step's formula (fused_formulas.ts) gives the reference's float32
 * result bit for bit (NaN payloads aside). A reduction adds the f32
 * values into float64 accumulators in ascending input order, as the
 * reference does: along a reduced row into one running sum (lane 0, 1, 2, 3
 * in turn; 0/1 values — comparisons, bool casts — are counted in i32 lanes
 * instead, exact in any order), along a kept row into a row of accumulators
 * (f64x2 lanes, each its own output). A merged map's reductions (siblings
 * whose loop the map runs) take their step's value the same ways, beside the
 * map's stores.
 *
 * The generator declines (null) what it does not cover: i32 operands (the
 * reference compares and casts them as exact integers) and outputs other
 * than f32 or bool.
 * @module
 */
import type { DType } from "../../../core/host_tensor.ts";
import { type FusedProgram, reductionsOf, storesOf, varyingSteps } from "../fuse_loops.ts";
import {
  at,
  HIGH,
  loadScalar,
  loadVector,
  oneBit,
  scalarFormula,
  vectorFormula,
  ZERO,
  zeroOne,
} from "./fused_formulas.ts";

/** The operands' dtypes and column strides a function is generated for. */
export interface FusedLayout {
  /** The output's dtype (the accumulator is f64 for a reduction). */
  readonly outDtype: DType;
  /** Each leaf's dtype. */
  readonly leafDtypes: readonly DType[];
  /**
   * Column strides (0 or 1): the output's (or accumulator's) first, then each
   * leaf's, then each merged reduction's accumulator (`mergedReductions`).
   */
  readonly colStrides: readonly number[];
}

/**
 * How an output's value leaves the loop: `store`d per element (a map), or
 * added in float64 — along a reduced row into a running sum (`row`) or an
 * integer count (`count`, 0/1 values), along a kept row into one accumulator
 * per column (`kept`).
 */
type Sink = "store" | "row" | "count" | "kept";

/** One output of the loop: its pointer and row-stride parameters and the value it takes. */
interface Output {
  readonly sink: Sink;
  /** Pointer parameter (`o`, `x<k>`). */
  readonly ptr: string;
  /** Row-stride parameter (`so`, `sx<k>`). */
  readonly stride: string;
  /** The step whose value it takes (-1: leaf 0, a reduction without steps). */
  readonly step: number;
}

/**
 * The WAT module of `program` for `layout` (one exported function `k`), or
 * null when it has an operand or output type the generator does not cover.
 * Parameters: output (or f64 accumulator) address, each other output's (a
 * merged map's: a map's in the output's layout, a reduction's f64
 * accumulator), each leaf's address, rows, cols, then the output's and each
 * leaf's row stride in bytes, then each merged reduction's.
 */
export function fusedWat(program: FusedProgram, layout: FusedLayout): string | null {
  const { steps, kind } = program;
  const { outDtype, leafDtypes, colStrides } = layout;
  const reduce = kind !== "map";
  if (leafDtypes.some((d) => d === "i32") || steps.some((s) => s.argDtypes.includes("i32"))) {
    return null;
  }
  if (!reduce && outDtype !== "f32" && outDtype !== "bool") return null;
  const vec = steps.map(vectorFormula);
  const sca = steps.map(scalarFormula);
  if (vec.includes(null) || sca.includes(null)) return null;

  const leafBytes = leafDtypes.map((d) => (d === "bool" ? 1 : 4));
  const stores = storesOf(program);
  const reductions = reductionsOf(program);
  const extras = stores.slice(1).map((_, k) => k + 1); // 1 … the other outputs
  if (extras.length > 0 && (reduce || outDtype !== "f32")) return null;
  const leaves = leafDtypes.map((_, j) => j);
  const n = leaves.length;
  const stepVaries = varyingSteps(steps, colStrides.slice(1, 1 + n));
  const last = steps.length - 1;

  const sinkOf = (step: number, colStride: number): Sink =>
    colStride === 1 ? "kept" : step >= 0 && zeroOne(steps[step]) ? "count" : "row";
  let accIndex = 0;
  const outputs: Output[] = [
    {
      sink: reduce ? sinkOf(last, colStrides[0]) : "store",
      ptr: "o",
      stride: "so",
      step: reduce ? last : stores[0],
    },
    ...extras.map((k): Output => ({
      sink: reductions[k] ? sinkOf(stores[k], colStrides[1 + n + accIndex++]) : "store",
      ptr: `x${k}`,
      stride: reductions[k] ? `sx${k}` : "so",
      step: stores[k],
    })),
  ];
  const params = [
    "(param $o i32)",
    ...extras.map((k) => `(param $x${k} i32)`),
    ...leaves.map((j) => `(param $p${j} i32)`),
    "(param $rows i32) (param $cols i32) (param $so i32)",
    ...leaves.map((j) => `(param $s${j} i32)`),
    ...extras.filter((k) => reductions[k]).map((k) => `(param $sx${k} i32)`),
  ].join(" ");
  // Four rows at a time where a row is its own output's add chain, or where a kept row's
  // accumulators are every row's (they stay in registers over the four): see `group` below.
  const grouped = outputs.some((out) => out.sink === "row" || out.sink === "kept");
  const suffixes = grouped ? ["", "_0", "_1", "_2", "_3"] : [""];
  const locals = [
    "(local $r i32) (local $i i32)",
    ...suffixes.map((q) =>
      [
        ...outputs.map((out) =>
          [
            q ? `(local $${out.ptr}${q} i32)` : "",
            out.sink === "row" ? `(local $acc_${out.ptr}${q} f64)` : "",
            out.sink === "count"
              ? `(local $count_${out.ptr}${q} v128) (local $tail_${out.ptr}${q} i32)`
              : "",
            out.sink === "kept" && !q
              ? `(local $klo_${out.ptr} v128) (local $khi_${out.ptr} v128) (local $ks_${out.ptr} f64)`
              : "",
          ].join(" ")
        ),
        ...leaves.map((j) => `(local $vl${j}${q} v128) (local $sl${j}${q} f32)`),
        ...leaves.map((j) => (q ? `(local $p${j}${q} i32)` : "")),
        ...steps.map((_, j) => `(local $vt${j}${q} v128) (local $st${j}${q} f32)`),
      ].join(" ")
    ),
  ].join(" ");

  /** One row's code, its locals suffixed `q` (operand names in formulas are rewritten). */
  const row = (q: string) => {
    const ren = (code: string) => code.replace(/\$(vl|sl|vt|st)(\d+)\b/g, `$$$1$2${q}`);
    const ptr = (name: string) => `${name}${q}`;
    // Once per row: invariant leaves (scalar load, splat) and invariant steps.
    const head = [
      ...leaves.filter((j) => colStrides[j + 1] === 0).map((j) =>
        `(local.set $sl${j}${q} ${loadScalar(leafDtypes[j], `(local.get $${ptr(`p${j}`)})`)})
         (local.set $vl${j}${q} (f32x4.splat (local.get $sl${j}${q})))`
      ),
      ...steps.map((_, j) =>
        stepVaries[j]
          ? ""
          : `(local.set $st${j}${q} ${
            ren(sca[j]!)
          }) (local.set $vt${j}${q} (f32x4.splat (local.get $st${j}${q})))`
      ),
    ].join("\n");
    const vecBody = [
      ...leaves.filter((j) => colStrides[j + 1] === 1).map((j) =>
        `(local.set $vl${j}${q} ${loadVector(leafDtypes[j], at(ptr(`p${j}`), leafBytes[j]))})`
      ),
      ...steps.map((_, j) => (stepVaries[j] ? `(local.set $vt${j}${q} ${ren(vec[j]!)})` : "")),
    ].join("\n");
    const scaBody = [
      ...leaves.filter((j) => colStrides[j + 1] === 1).map((j) =>
        `(local.set $sl${j}${q} ${loadScalar(leafDtypes[j], at(ptr(`p${j}`), leafBytes[j]))})`
      ),
      ...steps.map((_, j) => (stepVaries[j] ? `(local.set $st${j}${q} ${ren(sca[j]!)})` : "")),
    ].join("\n");
    const sinks = outputs.map((out) => sink(out, q, ptr(out.ptr)));
    const join = (part: keyof ReturnType<typeof sink>) => sinks.map((x) => x[part]).join("\n");
    return {
      head,
      vecBody,
      scaBody,
      vecStore: join("vec"),
      scaStore: join("sca"),
      start: join("start"),
      end: join("end"),
    };
  };

  /** How output `out` takes its value in row `q` (its pointer local `o`). */
  function sink(out: Output, q: string, o: string) {
    // A reduction without steps sums its one leaf.
    const v = out.step >= 0 ? `(local.get $vt${out.step}${q})` : `(local.get $vl0${q})`;
    const sv = out.step >= 0 ? `(local.get $st${out.step}${q})` : `(local.get $sl0${q})`;
    const none = { start: "", end: "" };
    switch (out.sink) {
      case "store":
        if (outDtype === "bool") {
          return {
            ...none,
            vec: `(v128.store32_lane align=1 0 ${
              at(o, 1)
            } (i8x16.shuffle 0 4 8 12 0 0 0 0 0 0 0 0 0 0 0 0 ${oneBit(v)} ${ZERO}))`,
            sca: `(i32.store8 ${at(o, 1)} (i32.trunc_f32_u ${sv}))`,
          };
        }
        return {
          ...none,
          vec: `(v128.store align=4 ${at(o, 4)} ${v})`,
          sca: `(f32.store align=4 ${at(o, 4)} ${sv})`,
        };
      case "count": {
        // A reduced row of 0/1 values: their sum is an exact integer in any order, so count in
        // i32 lanes and add the row's count at its end (one add per row, not per element).
        const c = `$count_${out.ptr}${q}`, t = `$tail_${out.ptr}${q}`;
        return {
          start: `(local.set ${c} (v128.const i32x4 0 0 0 0)) (local.set ${t} (i32.const 0))`,
          end:
            `(f64.store (local.get $${o}) (f64.add (f64.load (local.get $${o})) (f64.convert_i32_u
             (i32.add (local.get ${t}) (i32.add
              (i32.add (i32x4.extract_lane 0 (local.get ${c})) (i32x4.extract_lane 1 (local.get ${c})))
              (i32.add (i32x4.extract_lane 2 (local.get ${c})) (i32x4.extract_lane 3 (local.get ${c}))))))))`,
          vec: `(local.set ${c} (i32x4.add (local.get ${c}) ${oneBit(v)}))`,
          sca: `(local.set ${t} (i32.add (local.get ${t}) (i32.trunc_f32_u ${sv})))`,
        };
      }
      case "row": {
        // A reduced row: one running sum, the four lanes added in order.
        const acc = `$acc_${out.ptr}${q}`;
        return {
          start: `(local.set ${acc} (f64.load (local.get $${o})))`,
          end: `(f64.store (local.get $${o}) (local.get ${acc}))`,
          vec: [0, 1, 2, 3].map((lane) =>
            `(local.set ${acc} (f64.add (local.get ${acc}) (f64.promote_f32 (f32x4.extract_lane ${lane} ${v}))))`
          ).join("\n"),
          sca: `(local.set ${acc} (f64.add (local.get ${acc}) (f64.promote_f32 ${sv})))`,
        };
      }
      case "kept": {
        if (q) {
          // Four rows over one row of accumulators (see `keptAround`): each adds in turn.
          const [lo, hi, one] = [`$klo_${out.ptr}`, `$khi_${out.ptr}`, `$ks_${out.ptr}`];
          return {
            ...none,
            vec: `(local.set ${lo} (f64x2.add (local.get ${lo}) (f64x2.promote_low_f32x4 ${v})))
              (local.set ${hi} (f64x2.add (local.get ${hi}) (f64x2.promote_low_f32x4
                (i8x16.shuffle ${HIGH} ${v} ${v}))))`,
            sca: `(local.set ${one} (f64.add (local.get ${one}) (f64.promote_f32 ${sv})))`,
          };
        }
        // A kept row: each output's accumulator gains this row's value.
        const acc2 = (offset: number, lanes: string) =>
          `(v128.store offset=${offset} align=8 ${
            at(o, 8)
          } (f64x2.add (v128.load offset=${offset} align=8 ${
            at(o, 8)
          }) (f64x2.promote_low_f32x4 ${lanes})))`;
        return {
          ...none,
          vec: `${acc2(0, v)}\n${acc2(16, `(i8x16.shuffle ${HIGH} ${v} ${v})`)}`,
          sca: `(f64.store align=8 ${at(o, 8)} (f64.add (f64.load align=8 ${
            at(o, 8)
          }) (f64.promote_f32 ${sv})))`,
        };
      }
    }
  }

  /**
   * Around the four rows of a group, per column: each kept row's accumulators
   * loaded into registers before the rows add to them, stored after — the rows
   * share them (row stride 0, checked before the group runs), and each column
   * still gains rows in ascending order.
   */
  const keptAround = (grouped: boolean) => {
    const kept = grouped ? outputs.filter((out) => out.sink === "kept") : [];
    const acc = (o: string, offset: number) => `offset=${offset} align=8 ${at(o, 8)}`;
    return {
      vecPre: kept.map((out) =>
        `(local.set $klo_${out.ptr} (v128.load ${acc(out.ptr, 0)}))
         (local.set $khi_${out.ptr} (v128.load ${acc(out.ptr, 16)}))`
      ).join("\n"),
      vecPost: kept.map((out) =>
        `(v128.store ${acc(out.ptr, 0)} (local.get $klo_${out.ptr}))
         (v128.store ${acc(out.ptr, 16)} (local.get $khi_${out.ptr}))`
      ).join("\n"),
      scaPre: kept.map((out) => `(local.set $ks_${out.ptr} (f64.load ${acc(out.ptr, 0)}))`)
        .join("\n"),
      scaPost: kept.map((out) => `(f64.store ${acc(out.ptr, 0)} (local.get $ks_${out.ptr}))`)
        .join("\n"),
    };
  };
  const loops = (rs: ReturnType<typeof row>[], grouped = false) => {
    const k = keptAround(grouped);
    return `
   ${rs.map((x) => x.head + "\n" + x.start).join("\n")}
   (local.set $i (i32.const 0))
   (block $vdone (loop $vtop
    (br_if $vdone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $cols)))
    ${k.vecPre}
    ${rs.map((x) => x.vecBody + "\n" + x.vecStore).join("\n")}
    ${k.vecPost}
    (local.set $i (i32.add (local.get $i) (i32.const 4)))
    (br $vtop)))
   (block $sdone (loop $stop
    (br_if $sdone (i32.ge_u (local.get $i) (local.get $cols)))
    ${k.scaPre}
    ${rs.map((x) => x.scaBody + "\n" + x.scaStore).join("\n")}
    ${k.scaPost}
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $stop)))
   ${rs.map((x) => x.end).join("\n")}`;
  };
  const moved = (name: string, stride: string, times: number) =>
    `(i32.add (local.get $${name}) (i32.mul (local.get $${stride}) (i32.const ${times})))`;
  const advance = (times: number) =>
    [
      ...outputs.map((out) => `(local.set $${out.ptr} ${moved(out.ptr, out.stride, times)})`),
      ...leaves.map((j) => `(local.set $p${j} ${moved(`p${j}`, `s${j}`, times)})`),
      `(local.set $r (i32.add (local.get $r) (i32.const ${times})))`,
    ].join("\n");
  // Rows are separate outputs of each running sum when its row stride is not 0: four rows
  // run interleaved, four independent add chains instead of one, each output still adding
  // its own row in order. A kept row's accumulators, when every row shares them (stride 0),
  // gain the four rows in registers, in ascending order per column (`keptAround`). Counts
  // add in any grouping: they are exact. Otherwise the rows run one at a time.
  const separate = outputs.filter((out) => out.sink === "row" || out.sink === "kept").map((out) =>
    `(i32.${out.sink === "row" ? "ne" : "eq"} (local.get $${out.stride}) (i32.const 0))`
  ).reduce((a, b) => `(i32.and ${a} ${b})`, "(i32.const 1)");
  const group = !grouped ? "" : `
  (if ${separate} (then
   (block $gdone (loop $gtop
    (br_if $gdone (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
    ${
    [0, 1, 2, 3].map((k) =>
      [
        ...outputs.map((out) => `(local.set $${out.ptr}_${k} ${moved(out.ptr, out.stride, k)})`),
        ...leaves.map((j) => `(local.set $p${j}_${k} ${moved(`p${j}`, `s${j}`, k)})`),
      ].join(" ")
    ).join("\n")
  }
    ${loops(["_0", "_1", "_2", "_3"].map(row), true)}
    ${advance(4)}
    (br $gtop)))))`;

  return `(module
 (import "env" "memory" (memory 1))
 (func (export "k") ${params} ${locals}
  ${group}
  (block $rdone (loop $rtop
   (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
   ${loops([row("")])}
   ${advance(1)}
   (br $rtop)))))`;
}
