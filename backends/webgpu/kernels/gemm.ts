/**
 * A register-blocked GEMM generator shared by matmul and the three
 * convolution ops (implicit GEMM: conv operands are computed inside the
 * loads, the im2col matrix is never materialised).
 * `C[b, m, n] = Σ_k A(b, m, k) · B(b, k, n)`.
 *
 * Each invocation computes an 8×8 block of C in registers (4 rows or columns
 * when the matrix is that small), stepping k by 4. Dense operands are read
 * as vec4 where the layout allows (row-major A along k, B along n,
 * transposed operands along the other axis); edges are handled by clamping
 * indices on loads and guarding stores, so the inner loop has no branches.
 *
 * Tuning on the software device (llvmpipe, 1024³): direct loads with 8×8
 * blocks beat workgroup-memory tiling, whose barriers llvmpipe implements
 * with coroutine switches. llvmpipe also stops any invocation after ~65535
 * loop iterations, so contractions longer than 4·50000 are split along k
 * into partial products summed by a second pass.
 * @module
 */
import type { BufferRef, DispatchPass, Pass } from "../kernel.ts";
import { scratch } from "../kernel.ts";
import { storage } from "../wgsl.ts";

/** A GEMM operand: a dense row-major matrix per batch entry, or a load function. */
export type GemmOperand =
  | {
    readonly kind: "dense";
    /** Binding of its buffer (declared by the generator). */
    readonly binding: number;
    /** Stored transposed: A as [K, M], B as [N, K]. */
    readonly trans: boolean;
    /** WGSL expression of the batch entry's offset in elements, given `b` (multiple of the matrix size). */
    readonly base: string;
  }
  | {
    readonly kind: "fn";
    /** WGSL body of `fn loadA(b: u32, m: u32, k: u32) -> f32` / `fn loadB(b: u32, k: u32, n: u32) -> f32`. */
    readonly body: string;
  };

/** What a GEMM reads and writes. */
export interface GemmSpec {
  /** Independent products (dispatched along z). */
  readonly batch: number;
  /** Rows of C. */
  readonly m: number;
  /** Columns of C. */
  readonly n: number;
  /** Contraction length (≥ 1). */
  readonly k: number;
  readonly a: GemmOperand;
  readonly b: GemmOperand;
  /** Declarations of the buffers that `fn` operands and `store` use. */
  readonly decls: string;
  /** Storage buffers in binding order (dense operands included). */
  readonly buffers: readonly BufferRef[];
  /** WGSL body of `fn store(b: u32, m: u32, n: u32, v: f32)` (called in range only). */
  readonly store: string;
}

/** k-values summed per block before joining the running totals. */
const CHUNK = 32;

/** k-steps of 4 one invocation may loop over (llvmpipe's per-invocation cap is ~65535). */
const MAX_STEPS = 50000;

function blockAndThreads(extent: number): [number, number] {
  const r = extent <= 4 ? 4 : 8;
  let t = 1;
  while (t < 8 && t * r < extent) t *= 2;
  return [r, t];
}

/** The passes computing `spec` (one, or two with a split-k partial buffer at scratch `scratchIndex`). */
export function gemmPasses(
  spec: GemmSpec,
  scratchIndex = 0,
): { passes: Pass[]; scratchBytes: number[] } {
  const { m: M, n: N, k: K, batch } = spec;
  const [RM, wy] = blockAndThreads(M);
  const [RN, wx] = blockAndThreads(N);
  const V = RN / 4;
  const steps = Math.ceil(K / 4);
  const splits = Math.ceil(steps / MAX_STEPS);
  const kChunk = splits > 1 ? MAX_STEPS * 4 : K;
  const kTail = K % 4 !== 0;
  const a = spec.a, b = spec.b;
  const aVecK = a.kind === "dense" && !a.trans && K % 4 === 0;
  const aVecM = a.kind === "dense" && a.trans && M % 4 === 0;
  const bVecN = b.kind === "dense" && !b.trans && N % 4 === 0;
  const bVecK = b.kind === "dense" && b.trans && K % 4 === 0;
  const decls: string[] = [spec.decls];
  if (a.kind === "dense") {
    decls.push(storage(a.binding, "A", aVecK || aVecM ? "vec4<f32>" : "f32", false));
  }
  if (b.kind === "dense") {
    decls.push(storage(b.binding, "B", bVecN || bVecK ? "vec4<f32>" : "f32", false));
  }
  if (a.kind === "fn") decls.push(`fn loadA(b: u32, m: u32, k: u32) -> f32 {\n${a.body}\n}`);
  if (b.kind === "fn") decls.push(`fn loadB(b: u32, k: u32, n: u32) -> f32 {\n${b.body}\n}`);
  const lines: string[] = [];
  const kk = (j: number) => `min(k + ${j}u, ${K - 1}u)`;
  // A values a{i}_{j} for row i, k-offset j.
  if (aVecK && a.kind === "dense") {
    for (let i = 0; i < RM; i++) {
      lines.push(`    let av${i} = A[(${a.base} + mr${i} * ${K}u + k) / 4u];`);
      for (let j = 0; j < 4; j++) lines.push(`    let a${i}_${j} = av${i}.${"xyzw"[j]};`);
    }
  } else if (aVecM && a.kind === "dense") {
    for (let j = 0; j < 4; j++) {
      for (let q = 0; q < RM / 4; q++) {
        lines.push(
          `    let am${j}_${q} = A[(${a.base} + ${kk(j)} * ${M}u) / 4u + min(m0 / 4u + ${q}u, ${
            M / 4 - 1
          }u)];`,
        );
        for (let c = 0; c < 4; c++) {
          lines.push(`    let a${q * 4 + c}_${j} = am${j}_${q}.${"xyzw"[c]};`);
        }
      }
    }
  } else {
    for (let i = 0; i < RM; i++) {
      for (let j = 0; j < 4; j++) {
        const load = a.kind === "dense"
          ? a.trans
            ? `A[${a.base} + ${kk(j)} * ${M}u + mr${i}]`
            : `A[${a.base} + mr${i} * ${K}u + ${kk(j)}]`
          : `loadA(b, mr${i}, ${kk(j)})`;
        lines.push(`    let a${i}_${j} = ${load};`);
      }
    }
  }
  if (kTail) {
    // Zero the A values past K (the loads were clamped to stay in bounds).
    for (let i = 0; i < RM; i++) {
      for (let j = 1; j < 4; j++) {
        lines.push(`    let z${i}_${j} = select(0.0, a${i}_${j}, k + ${j}u < ${K}u);`);
      }
      lines.push(`    let z${i}_0 = a${i}_0;`);
    }
  }
  const aRef = (i: number, j: number) => (kTail ? `z${i}_${j}` : `a${i}_${j}`);
  // B vectors b{j}_{v}: row k+j, columns n0 + 4v … 4v+3.
  if (bVecN && b.kind === "dense") {
    for (let j = 0; j < 4; j++) {
      for (let v = 0; v < V; v++) {
        lines.push(
          `    let b${j}_${v} = B[(${b.base} + ${kk(j)} * ${N}u) / 4u + min(n0 / 4u + ${v}u, ${
            N / 4 - 1
          }u)];`,
        );
      }
    }
  } else if (bVecK && b.kind === "dense") {
    for (let c = 0; c < RN; c++) {
      lines.push(`    let bt${c} = B[(${b.base} + nc${c} * ${K}u + k) / 4u];`);
    }
    for (let j = 0; j < 4; j++) {
      for (let v = 0; v < V; v++) {
        const comps = [0, 1, 2, 3].map((c) => `bt${4 * v + c}.${"xyzw"[j]}`).join(", ");
        lines.push(`    let b${j}_${v} = vec4<f32>(${comps});`);
      }
    }
  } else {
    for (let j = 0; j < 4; j++) {
      for (let v = 0; v < V; v++) {
        const comps = [0, 1, 2, 3].map((c) => {
          const col = `nc${4 * v + c}`;
          return b.kind === "dense"
            ? b.trans
              ? `B[${b.base} + ${col} * ${K}u + ${kk(j)}]`
              : `B[${b.base} + ${kk(j)} * ${N}u + ${col}]`
            : `loadB(b, ${kk(j)}, ${col})`;
        }).join(", ");
        lines.push(`    let b${j}_${v} = vec4<f32>(${comps});`);
      }
    }
  }
  for (let j = 0; j < 4; j++) {
    for (let i = 0; i < RM; i++) {
      for (let v = 0; v < V; v++) {
        lines.push(`    c${i}_${v} = fma(vec4<f32>(${aRef(i, j)}), b${j}_${v}, c${i}_${v});`);
      }
    }
  }
  const rows = Array.from({ length: RM }, (_, i) => `  let mr${i} = min(m0 + ${i}u, ${M - 1}u);`);
  const cols = Array.from({ length: RN }, (_, c) => `  let nc${c} = min(n0 + ${c}u, ${N - 1}u);`);
  const accs: string[] = [];
  const stores: string[] = [];
  const flush: string[] = [];
  const write = splits > 1
    ? (mm: string, nn: string, val: string) =>
      `P[((s * ${batch}u + b) * ${M}u + ${mm}) * ${N}u + ${nn}] = ${val};`
    : (mm: string, nn: string, val: string) => `store(b, ${mm}, ${nn}, ${val});`;
  for (let i = 0; i < RM; i++) {
    for (let v = 0; v < V; v++) {
      accs.push(`  var c${i}_${v} = vec4<f32>(0.0);`);
      accs.push(`  var t${i}_${v} = vec4<f32>(0.0);`);
      flush.push(`    t${i}_${v} = t${i}_${v} + c${i}_${v};`);
      flush.push(`    c${i}_${v} = vec4<f32>(0.0);`);
      for (let c = 0; c < 4; c++) {
        const col = 4 * v + c;
        stores.push(
          `  if (m0 + ${i}u < ${M}u && n0 + ${col}u < ${N}u) { ${
            write(`m0 + ${i}u`, `n0 + ${col}u`, `t${i}_${v}.${"xyzw"[c]}`)
          } }`,
        );
      }
    }
  }
  const partDecl = splits > 1
    ? storage(spec.buffers.length, "P", "f32", true)
    : `fn store(b: u32, m: u32, n: u32, v: f32) {\n${spec.store}\n}`;
  const code = `${decls.join("\n")}
${partDecl}
@compute @workgroup_size(${wx}, ${wy})
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let m0 = g.y * ${RM}u;
  let n0 = g.x * ${RN}u;
  if (m0 >= ${M}u || n0 >= ${N}u) { return; }
  let b = g.z / ${splits}u;
  let s = g.z % ${splits}u;
  let k0 = s * ${kChunk}u;
  let k1 = min(k0 + ${kChunk}u, ${K}u);
${rows.join("\n")}
${cols.join("\n")}
${accs.join("\n")}
  // Two-level summation: blocks of ${CHUNK} k-values are summed on their own and
  // then added to the totals, which bounds rounding-error growth like a
  // pairwise sum (the reference accumulates in float64).
  for (var kc = k0; kc < k1; kc = kc + ${CHUNK}u) {
    let kce = min(kc + ${CHUNK}u, k1);
    for (var k = kc; k < kce; k = k + 4u) {
${lines.join("\n")}
    }
${flush.join("\n")}
  }
${stores.join("\n")}
}`;
  const main: DispatchPass = {
    kind: "dispatch",
    code,
    buffers: splits > 1 ? [...spec.buffers, scratch(scratchIndex)] : spec.buffers,
    workgroups: [Math.ceil(N / (RN * wx)), Math.ceil(M / (RM * wy)), batch * splits],
  };
  if (splits === 1) return { passes: [main], scratchBytes: [] };
  const total = batch * M * N;
  const sum = `${spec.decls}
${storage(spec.buffers.length, "P", "f32", false)}
fn store(b: u32, m: u32, n: u32, v: f32) {
${spec.store}
}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wg.x + wg.y * nwg.x) * 64u + lid;
  if (i >= ${total}u) { return; }
  var acc = 0.0;
  for (var s = 0u; s < ${splits}u; s = s + 1u) { acc = acc + P[s * ${total}u + i]; }
  store(i / ${M * N}u, (i / ${N}u) % ${M}u, i % ${N}u, acc);
}`;
  return {
    passes: [main, {
      kind: "dispatch",
      code: sum,
      buffers: [...spec.buffers, scratch(scratchIndex)],
      workgroups: Math.ceil(total / 64),
    }],
    scratchBytes: [4 * splits * total],
  };
}
