/** Scalar math missing from `Math`. @module */

/**
 * The error function to ~1e-15 absolute: Maclaurin series for |x| < 2.5,
 * continued fraction of erfc beyond (both converge fast in their ranges).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf x = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  if (ax > 6) return x < 0 ? -1 : 1;
  // erfc x = e^{-x²}/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) evaluated bottom-up.
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + (k / 2) / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  const r = 1 - erfc;
  return x < 0 ? -r : r;
}
