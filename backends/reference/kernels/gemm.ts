/**
 * Cache-blocked GEMM on typed arrays: C (+)= op(A)·op(B), shared by matmul
 * and the im2col convolutions. Transposed operands are packed into
 * row-major scratch first, so the inner loop always streams a row of B
 * into four rows of C at once (four accumulating rows reuse each B load).
 * @module
 */

/** Float storage used by the reference kernels. */
export type FloatArray = Float32Array | Float64Array;

const K_BLOCK = 128;
const N_BLOCK = 512;
const scratch = new Map<string, Float64Array>();

function scratchOf(key: string, n: number): Float64Array {
  let s = scratch.get(key);
  if (!s || s.length < n) {
    s = new Float64Array(n);
    scratch.set(key, s);
  }
  return s;
}

/**
 * Row-major float64 copy of a [rows, cols] operand (of its transpose when
 * `trans`). Packing keeps the hot loop monomorphic (one array type) whether
 * the backend runs in f32 or f64, and costs O(rows·cols) against O(m·n·k).
 */
function pack(
  src: FloatArray,
  off: number,
  rows: number,
  cols: number,
  trans: boolean,
  key: string,
): Float64Array {
  const dst = scratchOf(key, rows * cols);
  if (trans) {
    // src is stored [cols, rows]
    for (let r = 0; r < cols; r++) {
      const base = off + r * rows;
      for (let c = 0; c < rows; c++) dst[c * cols + r] = src[base + c];
    }
  } else {
    for (let i = 0; i < rows * cols; i++) dst[i] = src[off + i];
  }
  return dst;
}

/** The blocked kernel on packed float64 operands: C = A[m,k]·B[k,n]. */
function kernel(
  m: number,
  n: number,
  k: number,
  A: Float64Array,
  B: Float64Array,
  C: Float64Array,
): void {
  C.fill(0, 0, m * n);
  for (let j0 = 0; j0 < n; j0 += N_BLOCK) {
    const j1 = Math.min(n, j0 + N_BLOCK);
    for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
      const k1 = Math.min(k, k0 + K_BLOCK);
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
        const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        for (let kk = k0; kk < k1; kk++) {
          const x0 = A[a0 + kk], x1 = A[a1 + kk], x2 = A[a2 + kk], x3 = A[a3 + kk];
          const br = kk * n;
          for (let j = j0; j < j1; j++) {
            const bv = B[br + j];
            C[c0 + j] += x0 * bv;
            C[c1 + j] += x1 * bv;
            C[c2 + j] += x2 * bv;
            C[c3 + j] += x3 * bv;
          }
        }
      }
      for (; i < m; i++) {
        const c0 = i * n;
        const a0 = i * k;
        for (let kk = k0; kk < k1; kk++) {
          const x0 = A[a0 + kk];
          const br = kk * n;
          for (let j = j0; j < j1; j++) C[c0 + j] += x0 * B[br + j];
        }
      }
    }
  }
}

/**
 * C[m,n] = op(A)[m,k] · op(B)[k,n] (or += when `accumulate`). `A` is stored
 * as [m,k] (or [k,m] when `transA`), `B` as [k,n] (or [n,k] when `transB`),
 * all row-major starting at the given offsets. Accumulates in float64.
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  aOff: number,
  transA: boolean,
  b: FloatArray,
  bOff: number,
  transB: boolean,
  c: FloatArray,
  cOff: number,
  accumulate: boolean,
): void {
  const A = pack(a, aOff, m, k, transA, "A");
  const B = pack(b, bOff, k, n, transB, "B");
  const C = scratchOf("C", m * n);
  kernel(m, n, k, A, B, C);
  const mn = m * n;
  if (accumulate) { for (let i = 0; i < mn; i++) c[cOff + i] += C[i]; }
  else for (let i = 0; i < mn; i++) c[cOff + i] = C[i];
}
