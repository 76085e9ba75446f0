/**
 * `erf` in float32 accuracy: the formula of onednn-cpu's `erf` kernel
 * (kernels/erf.ts), which is not a oneDNN primitive (oneDNN 2.6 has no erf;
 * its `gelu_erf` computes x·Φ(x), not the op). The reference's `erf` is accurate to ≈ 1e-15
 * (a Maclaurin series of up to 80 terms, or a 60-step continued fraction):
 * ≈ 100 ns per element, which made GELU (x·Φ(x) through `erf`) 2–4× slower
 * than ReLU on onednn-cpu; the bit-exact host kernel has to repeat it. A
 * float32 result needs far less, and no `Math.exp` (≈ 20 ns per call in V8):
 * - |x| < 1: the Maclaurin series to x²³ in float64 (the first omitted term
 *   is below 2e-10 of the sum), so the relative error stays tiny near 0;
 * - 1 ≤ |x| < 4: a degree-16 polynomial in t = (|x| − 2.5)/1.5, a Chebyshev
 *   least-squares fit to erf made for this file (numpy `chebfit` on 4,000
 *   Chebyshev nodes against Python's `math.erf`, converted to powers of t):
 *   absolute error ≤ 6.1e-10, a hundredth of a float32 ulp near 1;
 * - |x| ≥ 4: ±1 (1 − erfc(4) = 1 − 1.5e-8 rounds to 1 in float32); NaN stays
 *   NaN, ±0 stays ±0.
 * So results agree with the reference within a float32 ulp or two, as
 * oneDNN's own `exp` and `tanh` do (tests/onednn_backend_test.ts checks a
 * dense grid). kernels/erf.ts runs it per element, wasm/erf.ts on f64x2 lanes
 * with the same arithmetic, bit for bit.
 * @module
 */

/** 2/√π, the Maclaurin series' factor. */
export const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
/** Maclaurin coefficients of erf x / (2/√π): (−1)ⁿ / (n! (2n + 1)), n = 0 … 11. */
export const C: readonly number[] = Array.from({ length: 12 }, (_, n) => {
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return (n % 2 ? -1 : 1) / (f * (2 * n + 1));
});
const [C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11] = C;
/** erf(2.5 + 1.5·t) = Σ Dₖ tᵏ on t ∈ [−1, 1] (see the module header). */
export const D: readonly number[] = [
  0.9995930478582272,
  0.003267417756079756,
  -0.012252828389545452,
  0.028181964738393864,
  -0.04365132690441099,
  0.04644783678269159,
  -0.03187075519216663,
  0.009303870989827722,
  0.006650058149557781,
  -0.00974247674178267,
  0.004635940382672125,
  0.0006709135809598674,
  -0.0019913923472321157,
  0.0006738999619689993,
  0.0002302414005172347,
  -0.00015383174959955728,
  7.4039195390184655e-06,
];
const [D0, D1, D2, D3, D4, D5, D6, D7, D8, D9, D10, D11, D12, D13, D14, D15, D16] = D;

/** erf(x) to float32 accuracy (see the module header). */
export function erfF32(x: number): number {
  const ax = Math.abs(x);
  if (ax < 1) {
    const z = x * x;
    const s = C0 + z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * (C6 + z * (C7 +
                                  z * (C8 + z * (C9 + z * (C10 + z * C11))))))))));
    return TWO_OVER_SQRT_PI * x * s;
  }
  if (!(ax < 4)) return ax >= 4 ? (x < 0 ? -1 : 1) : NaN;
  const t = (ax - 2.5) / 1.5;
  const r = D0 + t * (D1 + t * (D2 + t * (D3 + t * (D4 + t * (D5 + t * (D6 + t * (D7 + t * (D8 +
                                    t *
                                      (D9 +
                                        t *
                                          (D10 +
                                            t *
                                              (D11 +
                                                t *
                                                  (D12 +
                                                    t *
                                                      (D13 +
                                                        t *
                                                          (D14 + t * (D15 + t * D16)))))))))))))));
  return x < 0 ? -r : r;
}
